"""createInvitation, resendInvitation, revokeInvitation and redeemInvitation: thin calls into
services.invitations. The code is in the payload once, inside the link to deliver."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.accounts.types import DeliveryEnum, Invitation, InvitationRoleEnum
from schema.enums import RoleEnum
from schema.errors import UserError, attempt
from schema.relay import raw_id, to_global_id
from services.errors import DomainError
from services.invitations import mail
from services.invitations import redeem as redemption
from services.invitations import service as invitations
from services.invitations.mail import SmtpServer
from services.invitations.roles import memberships_of


@strawberry.input
class CreateInvitationInput:
    collaborative_id: strawberry.ID
    email: str
    role: InvitationRoleEnum  # type: ignore[valid-type]
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The partner the invitee joins; none for a resident."
    )
    expires_in_days: int | None = strawberry.field(
        default=None, description="1 to 30; by default TABLERO_INVITATION_DAYS (7)."
    )


@strawberry.input
class ResendInvitationInput:
    id: strawberry.ID
    expires_in_days: int | None = None


@strawberry.input
class InvitationIdInput:
    id: strawberry.ID


@strawberry.type(
    description="An invitation just made (or resent): `link` holds its code, shown this once."
)
class IssuedInvitationPayload:
    invitation: Invitation | None = None
    code: str | None = None
    link: str | None = strawberry.field(default=None, description="Deliver it to the invitee.")
    delivery: DeliveryEnum | None = None  # type: ignore[valid-type]
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class InvitationPayload:
    invitation: Invitation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def smtp_server(info: Info[Context, None]) -> SmtpServer | None:
    settings = info.context.settings
    if not settings.smtp_host:
        return None
    return SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
    )


async def issued_payload(
    info: Info[Context, None], issued: invitations.Issued
) -> IssuedInvitationPayload:
    link = info.context.settings.invitation_url(issued.code)
    delivery = await mail.send(
        session=info.context.session,
        server=smtp_server(info),
        invitation=issued.invitation,
        link=link,
    )
    return IssuedInvitationPayload(
        invitation=Invitation.from_model(issued.invitation),
        code=issued.code,
        link=link,
        delivery=delivery,
    )


async def create_invitation(
    info: Info[Context, None], input: CreateInvitationInput
) -> IssuedInvitationPayload:
    ctx = info.context
    try:
        issued = await invitations.invite(
            session=ctx.session,
            viewer=ctx.viewer,
            collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
            email=input.email,
            role=input.role,
            partner_id=raw_id(input.partner_id, "Partner") if input.partner_id else None,
            days=input.expires_in_days,
            default_days=ctx.settings.invitation_days,
        )
    except DomainError as e:
        return IssuedInvitationPayload(user_errors=UserError.list_from(e))
    return await issued_payload(info, issued)


async def resend_invitation(
    info: Info[Context, None], input: ResendInvitationInput
) -> IssuedInvitationPayload:
    ctx = info.context
    try:
        issued = await invitations.resend(
            session=ctx.session,
            viewer=ctx.viewer,
            invitation_id=raw_id(input.id, "Invitation"),
            days=input.expires_in_days,
            default_days=ctx.settings.invitation_days,
        )
    except DomainError as e:
        return IssuedInvitationPayload(user_errors=UserError.list_from(e))
    return await issued_payload(info, issued)


async def revoke_invitation(
    info: Info[Context, None], input: InvitationIdInput
) -> InvitationPayload:
    ctx = info.context
    action = invitations.revoke(
        session=ctx.session, viewer=ctx.viewer, invitation_id=raw_id(input.id, "Invitation")
    )
    return await attempt(
        action, lambda i: InvitationPayload(invitation=Invitation.from_model(i)), InvitationPayload
    )


@strawberry.input
class RedeemInvitationInput:
    code: str
    display_name: str | None = strawberry.field(
        default=None, description="How others will see you; by default your provider's name."
    )


@strawberry.type(description="A role the redeemed invitation granted.")
class GrantedRole:
    role: RoleEnum  # type: ignore[valid-type]
    partner_id: strawberry.ID | None


@strawberry.type
class RedeemInvitationPayload:
    account_id: strawberry.ID | None = None
    collaborative_id: strawberry.ID | None = None
    roles: list[GrantedRole] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _redeemed(done: redemption.Redeemed) -> RedeemInvitationPayload:
    partner = to_global_id("Partner", done.partner_id) if done.partner_id else None
    return RedeemInvitationPayload(
        account_id=to_global_id("Account", done.account_id),
        collaborative_id=to_global_id("Collaborative", done.collaborative_id),
        roles=[
            GrantedRole(role=r, partner_id=partner if r.value != "resident" else None)
            for r in memberships_of(done.role)
        ],
    )


async def redeem_invitation(
    info: Info[Context, None], input: RedeemInvitationInput
) -> RedeemInvitationPayload:
    ctx = info.context
    action = redemption.redeem(
        session=ctx.session, viewer=ctx.viewer, code=input.code, display_name=input.display_name
    )
    return await attempt(action, _redeemed, RedeemInvitationPayload)
