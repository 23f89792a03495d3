"""Inviting people, listing, resending and revoking invitations (redeeming: redeem.py).

Whoever invites gets the code once, inside the link to deliver; only its hash is stored.
Resending makes a new code (the old one stops working) and a new expiry. Who may invite
whom is services/policy.invitation_standing; the database holds the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from sqlalchemy import or_, text
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives.models import Collaborative
from services.crud import fetch_one
from services.errors import DomainError, ErrorCode, not_found
from services.invitations import roles
from services.invitations.codes import hash_code, new_code
from services.invitations.emails import checked_email
from services.invitations.models import Invitation, InvitationRole
from services.pagination import SecretListing
from services.partners.models import Partner
from services.viewer import Viewer

MAX_DAYS = 30
STEWARDS = text("SELECT tablero_stewards_of(:c, :p)")
BACKBONE_PEOPLE = text("SELECT tablero_backbone_people(:c)")


class InvitationStatus(StrEnum):
    PENDING = "pending"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    REVOKED = "revoked"


def status_of(invitation: Invitation, now: datetime) -> InvitationStatus:
    if invitation.redeemed_at is not None:
        return InvitationStatus.REDEEMED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


@dataclass(frozen=True, slots=True)
class Issued:
    """An invitation and its code: the code is shown once, never stored."""

    invitation: Invitation
    code: str


def _readable() -> object:
    """Read an invitation without its code's hash, which the API role may not read."""
    return defer(Invitation.code_hash, raiseload=True)  # type: ignore[arg-type]


def invitations_in(
    *,
    viewer: Viewer,
    collaborative_id: UUID,
    statuses: Sequence[InvitationStatus] = (),
    partner_ids: Sequence[UUID] | None = None,
) -> SecretListing:
    """The invitations the viewer keeps in a collaborative, newest first."""
    statement = (
        select(Invitation)
        .options(_readable())
        .where(Invitation.collaborative_id == collaborative_id, policy.invitation_visible(viewer))
    )
    if partner_ids is not None:
        statement = statement.where(col(Invitation.partner_id).in_(partner_ids))
    if statuses:
        now = datetime.now(UTC)
        pending = (
            col(Invitation.redeemed_at).is_(None)
            & col(Invitation.revoked_at).is_(None)
            & (col(Invitation.expires_at) > now)
        )
        conditions = {
            InvitationStatus.PENDING: pending,
            InvitationStatus.REDEEMED: col(Invitation.redeemed_at).is_not(None),
            InvitationStatus.REVOKED: col(Invitation.redeemed_at).is_(None)
            & col(Invitation.revoked_at).is_not(None),
            InvitationStatus.EXPIRED: col(Invitation.redeemed_at).is_(None)
            & col(Invitation.revoked_at).is_(None)
            & (col(Invitation.expires_at) <= now),
        }
        chosen = [conditions[s] for s in statuses]
        statement = statement.where(or_(*chosen))
    order = (Invitation.created_at, Invitation.id)
    return SecretListing(statement, order, descending=True)  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, Invitation]:
    statement = (
        select(Invitation)
        .options(_readable())
        .where(col(Invitation.id).in_(ids), policy.invitation_visible(viewer))
    )
    return {i.id: i for i in (await session.exec(statement)).all()}


def _expiry(days: int | None, default: int, now: datetime) -> datetime:
    chosen = default if days is None else days
    if not 1 <= chosen <= MAX_DAYS:
        raise DomainError.single(
            ("expiresInDays",), ErrorCode.OUT_OF_RANGE, f"from 1 to {MAX_DAYS} days"
        )
    return now + timedelta(days=chosen)


async def invite(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    email: str,
    role: InvitationRole,
    partner_id: UUID | None,
    days: int | None = None,
    default_days: int = 7,
) -> Issued:
    """Invite someone to a role; refused, naming the field, beyond the viewer's reach."""
    collaborative = await fetch_one(session, Collaborative, collaborative_id)
    if collaborative is None:
        raise not_found(("collaborativeId",), "collaborative")
    partner = await _partner(session, viewer, collaborative.id, partner_id)
    address = checked_email(email)
    if not roles.fits(role, partner.kind if partner else None):
        raise DomainError.single(("partnerId",), ErrorCode.INVALID, roles.fitting_partners(role))
    standing = policy.invitation_standing(
        viewer,
        collaborative.id,
        role,
        partner.id if partner else None,
        partner_has_steward=await _has_steward(session, partner),
        backbone_is_empty=not await session.scalar(BACKBONE_PEOPLE.bindparams(c=collaborative.id)),
    )
    if standing is None:
        raise DomainError.single(("role",), ErrorCode.FORBIDDEN, _beyond_reach(role))
    now = datetime.now(UTC)
    expires_at = _expiry(days, default_days, now)
    await _no_duplicate(session, viewer, collaborative.id, address, role, partner, now)
    code = new_code()
    invitation = Invitation(
        collaborative_id=collaborative.id,
        email=address,
        role=role,
        partner_id=partner.id if partner else None,
        issued_as=standing,
        invited_by=viewer.account_id,
        code_hash=hash_code(code),
        expires_at=expires_at,
    )
    session.add(invitation)
    await session.flush()
    return Issued(invitation, code)


async def _partner(
    session: AsyncSession, viewer: Viewer, collaborative_id: UUID, partner_id: UUID | None
) -> Partner | None:
    """The invitation's partner, in that collaborative. Instance admins and operators look
    past visibility (a new backbone organization's profile may be members-only)."""
    if partner_id is None:
        return None
    visible = None if viewer.instance_admin else policy.partner_visible(viewer)
    partner = await fetch_one(session, Partner, partner_id, visible)
    if partner is None or partner.collaborative_id != collaborative_id:
        raise not_found(("partnerId",), "partner")
    return partner


async def _has_steward(session: AsyncSession, partner: Partner | None) -> bool:
    if partner is None:
        return False
    return bool(await session.scalar(STEWARDS.bindparams(c=partner.collaborative_id, p=partner.id)))


def _beyond_reach(role: InvitationRole) -> str:
    return {
        InvitationRole.PARTNER_STAFF: "a partner's stewards invite its staff",
        InvitationRole.PARTNER_STEWARD: "a partner's stewards invite its stewards (the backbone "
        "only its first one)",
        InvitationRole.BACKBONE_STEWARD: "the backbone's stewards invite backbone stewards (an "
        "instance admin only the first ones)",
    }.get(role, "the backbone invites residents, funders' people and its own staff")


async def _no_duplicate(
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID,
    email: str,
    role: InvitationRole,
    partner: Partner | None,
    now: datetime,
) -> None:
    statement = (
        select(Invitation.id)
        .where(
            Invitation.collaborative_id == collaborative_id,
            Invitation.email == email,
            Invitation.role == role,
            col(Invitation.redeemed_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
            policy.invitation_visible(viewer),
        )
        .where(
            col(Invitation.partner_id).is_(None)
            if partner is None
            else Invitation.partner_id == partner.id
        )
    )
    if (await session.exec(statement)).first() is not None:
        raise DomainError.single(
            ("email",),
            ErrorCode.DUPLICATE,
            "this address has a pending invitation to this role: resend or revoke it",
        )


async def _pending(session: AsyncSession, viewer: Viewer, invitation_id: UUID | None) -> Invitation:
    found = (
        (await get_many(session=session, viewer=viewer, ids=[invitation_id])).get(invitation_id)
        if invitation_id
        else None
    )
    if found is None:
        raise not_found(("id",), "invitation")
    status = status_of(found, datetime.now(UTC))
    if status in (InvitationStatus.REDEEMED, InvitationStatus.REVOKED):
        code = ErrorCode.ALREADY_USED if status is InvitationStatus.REDEEMED else ErrorCode.REVOKED
        raise DomainError.single(("id",), code, f"the invitation was {status.value}")
    return found


async def resend(
    *,
    session: AsyncSession,
    viewer: Viewer,
    invitation_id: UUID | None,
    days: int | None = None,
    default_days: int = 7,
) -> Issued:
    """A new code and expiry for a pending or expired invitation; the old code stops working."""
    invitation = await _pending(session, viewer, invitation_id)
    now = datetime.now(UTC)
    expires_at = _expiry(days, default_days, now)
    code = new_code()
    invitation.code_hash = hash_code(code)
    invitation.expires_at = expires_at
    session.add(invitation)
    await session.flush()
    return Issued(invitation, code)


async def revoke(
    *, session: AsyncSession, viewer: Viewer, invitation_id: UUID | None
) -> Invitation:
    """Withdraw an invitation: its code stops working at once."""
    invitation = await _pending(session, viewer, invitation_id)
    invitation.revoked_at = datetime.now(UTC)
    invitation.revoked_by = viewer.account_id
    session.add(invitation)
    await session.flush()
    return invitation
