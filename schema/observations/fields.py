"""The series fields that measures and indicators share: observations, targets, stories."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.analytics.charts import Chart
from schema.observations.types import (
    BreakdownInput,
    Observation,
    Target,
    breakdown_dict,
    labelled,
)
from schema.relay import Node
from schema.stories.types import Story, StoryKindEnum
from services.analytics import series
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


async def chart_of(
    info: Info[Context, None],
    model: Any,
    cell: dict[str, str],
    start: date | None,
    end: date | None,
) -> Chart:
    """One cell's curve of a measure or indicator (its `series` field; dashboard panels)."""
    loaders = info.context.loaders
    rows = await loaders.cells.load((model.id, breakdown_key(cell), start, end))
    targets = await loaders.targets.load(model.id)
    curve = series.build_curve(model, cell, rows, targets)
    return Chart.of(curve, await labelled(info, model.collaborative_id, cell))


@strawberry.interface(description="Something observed period by period: a measure or an indicator.")
class Series(Node):
    name: str
    model: strawberry.Private[Any]

    @strawberry.field(description="Targets for the total and for cells (equity targets).")
    async def targets(self, info: Info[Context, None]) -> list[Target]:
        return await targets_of(info, self.model.id)

    @strawberry.field(
        description="Current observations, oldest first: the total unless `breakdown` names a "
        "cell, or every cell with `allCells`. Drafts only for their owner."
    )
    async def observations(
        self,
        info: Info[Context, None],
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        breakdown: list[BreakdownInput] | None = None,
        all_cells: bool = False,
    ) -> list[Observation]:
        return await observations_of(info, self.model.id, from_, to, breakdown, all_cells)

    @strawberry.field(
        description="A curve ready to chart for one cell (the total by default): points, "
        "baseline, target and the baseline forecast."
    )
    async def series(
        self,
        info: Info[Context, None],
        breakdown: list[BreakdownInput] | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> Chart:
        return await chart_of(info, self.model, breakdown_dict(breakdown), from_, to)

    @strawberry.field(description="The latest totals, newest first.")
    async def latest_observations(
        self, info: Info[Context, None], count: int = 8
    ) -> list[Observation]:
        return await latest_of(info, self.model.id, count)

    @strawberry.field(
        description="Stories told on it that the viewer may read, newest first: never wider "
        "than what the viewer sees of the measure or indicator itself."
    )
    async def stories(
        self,
        info: Info[Context, None],
        kinds: list[StoryKindEnum] | None = None,  # type: ignore[valid-type]
        language: str | None = None,
    ) -> list[Story]:
        key = (self.model.id, tuple(sorted(kinds or ())), language)
        return [Story.from_model(r) for r in await info.context.loaders.stories.load(key)]
