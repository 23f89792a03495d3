"""createCollaborative: an instance admin founds a collaborative and invites its first
backbone stewards (the links are in the payload, once)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.accounts.invitations import IssuedInvitationPayload, issued_payload
from schema.collaboratives.types import Collaborative
from schema.errors import UserError
from schema.inputs import sent_fields
from services.collaboratives import founding
from services.errors import DomainError


@strawberry.input
class CreateCollaborativeInput:
    slug: str = strawberry.field(description="Lower-case letters, digits and dashes.")
    name: str
    backbone_name: str = strawberry.field(description="The backbone organization's name.")
    steward_emails: list[str] = strawberry.field(
        description="The first backbone stewards, each invited (at most 10)."
    )
    description: str = ""
    languages: list[str] = strawberry.field(default_factory=lambda: ["en"])
    default_language: str = "en"
    time_zone: str = "UTC"


@strawberry.type
class CreateCollaborativePayload:
    collaborative: Collaborative | None = None
    invitations: list[IssuedInvitationPayload] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def create_collaborative(
    info: Info[Context, None], input: CreateCollaborativeInput
) -> CreateCollaborativePayload:
    ctx = info.context
    try:
        founded = await founding.found(
            session=ctx.session,
            viewer=ctx.viewer,
            data=sent_fields(input, exclude=("steward_emails",)),
            steward_emails=input.steward_emails,
            default_days=ctx.settings.invitation_days,
        )
    except DomainError as e:
        return CreateCollaborativePayload(user_errors=UserError.list_from(e))
    return CreateCollaborativePayload(
        collaborative=Collaborative.from_model(founded.collaborative),
        invitations=[await issued_payload(info, issued) for issued in founded.invitations],
    )
