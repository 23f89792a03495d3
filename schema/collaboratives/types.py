"""The Collaborative type and its connections."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.partners.types import Partner, PartnerKindEnum
from schema.relay import Connection, Node, fetches_nodes, to_global_id
from services.collaboratives import service as collaboratives
from services.collaboratives.models import Collaborative as CollaborativeModel
from services.pagination import count as count_rows
from services.partners import service as partners


@strawberry.type(description="Thresholds that keep published aggregates from exposing anyone.")
class Suppression:
    min_partners: int
    min_cell: int
    max_dominance_share: float


@strawberry.type(description="A place-based partnership: the tenant of everything else.")
class Collaborative(Node):
    slug: str
    name: str
    description: str
    languages: list[str]
    default_language: str
    suppression: Suppression
    raw_id: strawberry.Private[UUID]

    @classmethod
    def from_model(cls, model: CollaborativeModel) -> Collaborative:
        return cls(
            id=to_global_id("Collaborative", model.id),
            raw_id=model.id,
            slug=model.slug,
            name=model.name,
            description=model.description,
            languages=list(model.languages),
            default_language=model.default_language,
            suppression=Suppression(
                min_partners=model.min_partners,
                min_cell=model.min_cell,
                max_dominance_share=model.max_dominance_share,
            ),
        )

    @strawberry.field(description="The partners the viewer may see, by name.")
    async def partners(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        kinds: list[PartnerKindEnum] | None = None,  # type: ignore[valid-type]
    ) -> Connection[Partner]:
        ctx = info.context
        page = await partners.list_partners(
            session=ctx.session,
            viewer=ctx.viewer,
            collaborative_id=self.raw_id,
            kinds=kinds,
            first=first,
            after=after,
            max_page_size=ctx.settings.max_page_size,
        )

        async def total() -> int:
            statement = partners.visible_in(
                viewer=ctx.viewer, collaborative_id=self.raw_id, kinds=kinds
            )
            return await count_rows(ctx.session, statement)

        return Connection.from_page(page, Partner.from_model, total)


@fetches_nodes("Collaborative")
async def fetch_collaboratives(info: Info[Context, None], ids: Any) -> dict[UUID, Collaborative]:
    found = await collaboratives.get_many(session=info.context.session, ids=ids)
    return {k: Collaborative.from_model(v) for k, v in found.items()}
