"""createPartner and updatePartner: thin calls into services.partners."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.errors import UserError
from schema.inputs import sent_fields
from schema.partners.types import Partner, PartnerKindEnum, ProfileVisibilityEnum
from schema.relay import raw_id
from services.errors import DomainError
from services.partners import service as partners
from services.partners.models import ProfileVisibility


@strawberry.input(description="Contact details; only members of the collaborative read them.")
class PartnerContactInput:
    email: str | None = UNSET
    phone: str | None = UNSET
    address: str | None = UNSET


@strawberry.input
class CreatePartnerInput:
    collaborative_id: strawberry.ID
    name: str
    kind: PartnerKindEnum  # type: ignore[valid-type]
    description: str = ""
    website: str | None = None
    visibility: ProfileVisibilityEnum = ProfileVisibility.PUBLIC  # type: ignore[valid-type]
    contact: PartnerContactInput | None = None


@strawberry.input(description="Only the fields given are changed.")
class UpdatePartnerInput:
    id: strawberry.ID
    name: str | None = UNSET
    kind: PartnerKindEnum | None = UNSET  # type: ignore[valid-type]
    description: str | None = UNSET
    website: str | None = UNSET
    visibility: ProfileVisibilityEnum | None = UNSET  # type: ignore[valid-type]
    contact: PartnerContactInput | None = UNSET


@strawberry.type
class PartnerPayload:
    partner: Partner | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _contact(value: PartnerContactInput | None) -> dict | None:
    return sent_fields(value) if value else None


async def create_partner(info: Info[Context, None], input: CreatePartnerInput) -> PartnerPayload:
    ctx = info.context
    try:
        partner = await partners.create_partner(
            session=ctx.session,
            viewer=ctx.viewer,
            collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
            data=sent_fields(input, exclude=("collaborative_id", "contact")),
            contact=_contact(input.contact),
        )
    except DomainError as e:
        return PartnerPayload(user_errors=UserError.list_from(e))
    return PartnerPayload(partner=Partner.from_model(partner))


async def update_partner(info: Info[Context, None], input: UpdatePartnerInput) -> PartnerPayload:
    ctx = info.context
    try:
        partner = await partners.update_partner(
            session=ctx.session,
            viewer=ctx.viewer,
            partner_id=raw_id(input.id, "Partner"),
            data=sent_fields(input, exclude=("id", "contact")),
            contact=_contact(input.contact) if input.contact is not UNSET else None,
        )
    except DomainError as e:
        return PartnerPayload(user_errors=UserError.list_from(e))
    return PartnerPayload(partner=Partner.from_model(partner))
