"""The action-item connections and the root `accountability` query, as thin resolvers."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.actions.types import (
    Accountability,
    ActionItem,
    PartnerAccountability,
)
from schema.relay import Connection, connection_of, raw_id
from services.actions import accountability as accountability_service
from services.actions import service as actions
from services.actions.models import ActionStatus
from services.collaboratives import service as collaboratives
from services.errors import DomainError, ErrorCode
from services.pagination import PageRequest


async def action_items_of(
    info: Info[Context, None],
    *,
    collaborative_id: UUID,
    page: PageRequest,
    statuses: list[ActionStatus] | None,
    partner_ids: list[UUID],
    overdue: bool | None,
) -> Connection[ActionItem] | None:
    collaborative = await info.context.loaders.collaborative.load(collaborative_id)
    listing = actions.visible_in(
        viewer=info.context.viewer,
        collaborative_id=collaborative_id,
        statuses=statuses or (),
        partner_ids=partner_ids,
        overdue=overdue,
        as_of=actions.today(collaborative.time_zone) if collaborative else None,
    )
    return await connection_of(info, listing, lambda m: ActionItem.from_model(m, info), page)


async def resolve_accountability(
    info: Info[Context, None],
    slug: str | None = None,
    collaborative_id: strawberry.ID | None = None,
    as_of: date | None = None,
) -> Accountability | None:
    """Per partner the viewer may follow, open, overdue and done items and reporting."""
    if (slug is None) == (collaborative_id is None):
        raise DomainError.single(
            ("slug",), ErrorCode.INVALID, "give either slug or collaborativeId"
        )
    ctx = info.context
    if slug is not None:
        found = await collaboratives.get_by_slug(session=ctx.session, slug=slug)
    else:
        found = await ctx.loaders.collaborative.load(
            raw_id(collaborative_id, "Collaborative") or UUID(int=0)
        )
    if found is None:
        return None
    day = as_of or actions.today(found.time_zone)
    rows = await accountability_service.accountability(
        session=ctx.session, viewer=ctx.viewer, collaborative_id=found.id, as_of=day
    )
    return Accountability(as_of=day, partners=[PartnerAccountability.from_row(r) for r in rows])
