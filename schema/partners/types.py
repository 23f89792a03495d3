"""The Partner type: a public or members-only profile, with members-only contact details."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    connection_of,
    fetches_nodes,
    to_global_id,
)
from services.pagination import PageRequest
from services.partners import service as partners
from services.partners.models import Partner as PartnerModel
from services.partners.models import PartnerKind, ProfileVisibility

if TYPE_CHECKING:
    from schema.accounts.types import ApiKey
    from schema.actions.types import ActionItem
    from schema.collaboratives.types import Collaborative
    from schema.measures.types import Measure

PartnerKindEnum = strawberry.enum(PartnerKind, name="PartnerKind")
ProfileVisibilityEnum = strawberry.enum(
    ProfileVisibility,
    name="ProfileVisibility",
    description="Who may see that a partner takes part; the partner's own choice.",
)


@strawberry.type(description="Contact details; members of the collaborative only.")
class PartnerContact:
    email: str | None
    phone: str | None
    address: str | None


@strawberry.type(description="An organization or resident group taking part in a collaborative.")
class Partner(Node):
    name: str
    kind: PartnerKindEnum  # type: ignore[valid-type]
    description: str
    website: str | None
    visibility: ProfileVisibilityEnum  # type: ignore[valid-type]
    model: strawberry.Private[PartnerModel]

    @classmethod
    def from_model(cls, model: PartnerModel) -> Partner:
        return cls(
            id=to_global_id("Partner", model.id),
            name=model.name,
            kind=model.kind,
            description=model.description,
            website=model.website,
            visibility=model.visibility,
            model=model,
        )

    @strawberry.field
    async def collaborative(
        self, info: Info[Context, None]
    ) -> Annotated[Collaborative, strawberry.lazy("schema.collaboratives.types")]:
        from schema.collaboratives.types import Collaborative

        found = await info.context.loaders.collaborative.load(self.model.collaborative_id)
        assert found is not None  # collaboratives are public and never deleted
        return Collaborative.from_model(found)

    @strawberry.field(description="Null unless the viewer is a member of the collaborative.")
    async def contact(self, info: Info[Context, None]) -> PartnerContact | None:
        found = await info.context.loaders.partner_contact.load(self.model)
        if found is None:
            return None
        return PartnerContact(email=found.email, phone=found.phone, address=found.address)

    @strawberry.field(description="This partner's performance measures the viewer may see.")
    async def measures(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Measure, strawberry.lazy("schema.measures.types")]] | None:
        from schema.measures.types import Measure
        from services.measures import service as measures

        listing = measures.visible_in(
            viewer=info.context.viewer,
            collaborative_id=self.model.collaborative_id,
            partner_ids=[self.model.id],
        )
        return await connection_of(
            info, listing, Measure.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(
        description="This partner's systems' API keys, newest first: for its stewards only "
        "(empty for everyone else). Never their secrets."
    )
    async def api_keys(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        include_inactive: bool = False,
    ) -> Connection[Annotated[ApiKey, strawberry.lazy("schema.accounts.types")]] | None:
        from schema.accounts.types import ApiKey
        from services.accounts import keys

        listing = keys.keys_of(
            viewer=info.context.viewer,
            partner_id=self.model.id,
            include_inactive=include_inactive,
        )
        return await connection_of(
            info, listing, ApiKey.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="This partner's commitments, for those who may see them.")
    async def action_items(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        overdue: bool | None = None,
    ) -> Connection[Annotated[ActionItem, strawberry.lazy("schema.actions.types")]] | None:
        from schema.actions.queries import action_items_of

        return await action_items_of(
            info,
            collaborative_id=self.model.collaborative_id,
            page=PageRequest(first, after, last, before),
            statuses=None,
            partner_ids=[self.model.id],
            overdue=overdue,
        )


@fetches_nodes("Partner")
async def fetch_partners(info: Info[Context, None], ids: Any) -> dict[UUID, Partner]:
    ctx = info.context
    found = await partners.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Partner.from_model(v) for k, v in found.items()}
