"""The observation fields that measures and indicators share."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from strawberry.types import Info

from api.context import Context
from schema.observations.types import BreakdownInput, Observation, Target, breakdown_dict
from services.observations import service as observations
from services.observations.validation import breakdown_key

MAX_LATEST = 100


async def observations_of(
    info: Info[Context, None],
    subject_id: UUID,
    start: date | None,
    end: date | None,
    breakdown: list[BreakdownInput] | None,
    all_cells: bool,
) -> list[Observation]:
    ctx = info.context
    rows = await observations.list_observations(
        session=ctx.session,
        viewer=ctx.viewer,
        subject_id=subject_id,
        start=start,
        end=end,
        breakdowns=[breakdown_key(breakdown_dict(breakdown))],
        all_cells=all_cells,
    )
    return [Observation.from_model(r) for r in rows]


async def latest_of(info: Info[Context, None], subject_id: UUID, count: int) -> list[Observation]:
    rows = await info.context.loaders.latest_totals.load(
        (subject_id, max(0, min(count, MAX_LATEST)))
    )
    return [Observation.from_model(r) for r in rows]


async def targets_of(info: Info[Context, None], subject_id: UUID) -> list[Target]:
    rows = await info.context.loaders.targets.load(subject_id)
    return [Target.from_model(r) for r in rows]
