"""releasePeriod: the backbone publishes a closed period's aggregates, or a revision."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.enums import GranularityEnum
from schema.errors import UserError, attempt
from schema.relay import raw_id
from schema.releases.types import Release
from services.releases import service as releases


@strawberry.input
class ReleasePeriodInput:
    collaborative_id: strawberry.ID
    granularity: GranularityEnum  # type: ignore[valid-type]
    period_start: date
    note: str = strawberry.field(
        default="", description="What readers should know, e.g. why a revision was made."
    )


@strawberry.type
class ReleasePeriodPayload:
    release: Release | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def release_period(
    info: Info[Context, None], input: ReleasePeriodInput
) -> ReleasePeriodPayload:
    ctx = info.context
    action = releases.release_period(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
        granularity=input.granularity,
        period_start=input.period_start,
        note=input.note,
    )
    return await attempt(
        action,
        lambda r: ReleasePeriodPayload(release=Release.from_model(r)),
        ReleasePeriodPayload,
    )
