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
from services.errors import DomainError, ErrorCode
from services.indicators.models import Indicator as IndicatorModel
from services.measures.models import PerformanceMeasure
from services.observations import service as observations
from services.observations.validation import breakdown_key

MAX_LATEST = 100
MAX_OBSERVATIONS = 500  # one `observations` list; narrow by `from`/`to` for more


async def checked_breakdown(
    info: Info[Context, None], model: Any, breakdown: list[BreakdownInput] | None
) -> dict[str, str]:
    """The cell asked for, refused by name when the subject is not disaggregated that way.

    An unknown cell would otherwise answer an empty list, indistinguishable from no data.
    """
    cell = breakdown_dict(breakdown)
    if not cell:
        return cell
    loaders = info.context.loaders
    by_subject = (
        loaders.measure_dimension_ids
        if isinstance(model, PerformanceMeasure)
        else loaders.indicator_dimension_ids
    )
    dimensions = await loaders.dimension.load_many(await by_subject.load(model.id))
    keys = {d.key for d in dimensions if d is not None}
    labels = await loaders.labels.load(model.collaborative_id)
    for i, given in enumerate(breakdown or []):
        if given.dimension not in keys:
            raise DomainError.single(
                ("breakdown", str(i), "dimension"),
                ErrorCode.NOT_FOUND,
                f"this is not disaggregated by '{given.dimension}'",
            )
        if (given.dimension, given.category) not in labels:
            raise DomainError.single(
                ("breakdown", str(i), "category"),
                ErrorCode.NOT_FOUND,
                f"'{given.category}' is not a category of '{given.dimension}'",
            )
    return cell


async def observations_of(
    info: Info[Context, None],
    model: Any,
    start: date | None,
    end: date | None,
    breakdown: list[BreakdownInput] | None,
    all_cells: bool,
    first: int,
) -> list[Observation]:
    ctx = info.context
    if not 0 <= first <= MAX_OBSERVATIONS:
        raise DomainError.single(
            ("first",), ErrorCode.OUT_OF_RANGE, f"must be between 0 and {MAX_OBSERVATIONS}"
        )
    cell = await checked_breakdown(info, model, breakdown)
    rows = await observations.list_observations(
        session=ctx.session,
        viewer=ctx.viewer,
        subject_id=model.id,
        start=start,
        end=end,
        breakdowns=[breakdown_key(cell)],
        all_cells=all_cells,
        limit=first,
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
    breaks = []
    if isinstance(model, IndicatorModel):
        versions = await loaders.indicator_versions.load(model.id)
        breaks = [v.effective_from for v in versions if v.effective_from is not None]
    return Chart.of(curve, await labelled(info, model.collaborative_id, cell), breaks)


@strawberry.interface(description="Something observed period by period: a measure or an indicator.")
class Series(Node):
    name: str
    model: strawberry.Private[Any]

    @strawberry.field(description="Targets for the total and for cells (equity targets).")
    async def targets(self, info: Info[Context, None]) -> list[Target]:
        return await targets_of(info, self.model.id)

    @strawberry.field(
        description="Current observations, oldest first: the total unless `breakdown` names a "
        f"cell, or every cell with `allCells`; the first `first` (at most {MAX_OBSERVATIONS}: "
        "narrow `from` and `to` for more). Drafts only for their owner."
    )
    async def observations(
        self,
        info: Info[Context, None],
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        breakdown: list[BreakdownInput] | None = None,
        all_cells: bool = False,
        first: int = 100,
    ) -> list[Observation] | None:
        return await observations_of(info, self.model, from_, to, breakdown, all_cells, first)

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
    ) -> Chart | None:
        cell = await checked_breakdown(info, self.model, breakdown)
        return await chart_of(info, self.model, cell, from_, to)

    @strawberry.field(
        description=f"The latest `count` totals (at most {MAX_LATEST}), newest first."
    )
    async def latest_observations(
        self, info: Info[Context, None], count: int = 8
    ) -> list[Observation] | None:
        return await latest_of(info, self.model.id, count)

    @strawberry.field(
        description="Stories told on it that the viewer may read, newest first (the latest "
        f"`count`, at most {MAX_LATEST}): never wider than what the viewer sees of the measure "
        "or indicator itself."
    )
    async def stories(
        self,
        info: Info[Context, None],
        kinds: list[StoryKindEnum] | None = None,  # type: ignore[valid-type]
        language: str | None = None,
        count: int = 20,
    ) -> list[Story] | None:
        asked = language.strip().lower() if language is not None else None  # as addStory
        key = (self.model.id, tuple(sorted(kinds or ())), asked, max(0, min(count, MAX_LATEST)))
        rows = await info.context.loaders.stories.load(key)
        return [Story.from_model(r) for r in rows]
