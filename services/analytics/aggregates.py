"""What all partners achieve together on a shared measure, or an indicator by its cells.

The whole cube is suppressed first and only then sliced, so a cell's fate never depends on
the periods, dimensions or order a client asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import product
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.analytics import contributions
from services.analytics.cube import Breakdown
from services.analytics.suppression import Cell, Reason, Rules, infer_scale, publishable_cells
from services.collaboratives.models import Collaborative
from services.crud import fetch_one
from services.dimensions import service as dimensions
from services.dimensions.models import Dimension, DimensionCategory
from services.errors import DomainError, ErrorCode, not_found
from services.indicators.models import Indicator
from services.measures.models import Aggregation, SharedMeasure
from services.measures.units import Unit
from services.viewer import Viewer

MAX_CELLS = 10_000
MAX_DIMENSIONS = 3

AGGREGATION_OF_UNIT = {
    Unit.COUNT: Aggregation.SUM,
    Unit.CURRENCY: Aggregation.SUM,
    Unit.PERCENT: Aggregation.RATE,
    Unit.RATE: Aggregation.RATE,
    Unit.RATIO: Aggregation.RATE,
    Unit.SCORE: Aggregation.MEAN,
    Unit.DURATION: Aggregation.MEAN,
}

Grouping = tuple[tuple[Dimension, list[DimensionCategory]], ...]


@dataclass(frozen=True, slots=True)
class Aggregate:
    subject: SharedMeasure | Indicator
    aggregation: Aggregation
    rules: Rules
    by: Grouping
    cells: list[Cell]  # period by period, categories in their order, `by` order


def aggregation_of(subject: SharedMeasure | Indicator) -> Aggregation:
    if isinstance(subject, SharedMeasure):
        return subject.aggregation
    return AGGREGATION_OF_UNIT[subject.unit]


async def find_subject(
    *,
    session: AsyncSession,
    viewer: Viewer,
    shared_measure_id: UUID | None,
    indicator_id: UUID | None,
) -> SharedMeasure | Indicator:
    """The shared measure or indicator, if the viewer may read its aggregate.

    Unknown, hidden and not-allowed answer alike.
    """
    if shared_measure_id is not None:
        shared = await fetch_one(
            session, SharedMeasure, shared_measure_id, policy.shared_measure_visible(viewer)
        )
        if shared is not None and policy.can_read_aggregates(viewer, shared.collaborative_id):
            return shared
    elif indicator_id is not None:
        indicator = await fetch_one(
            session, Indicator, indicator_id, policy.indicator_visible(viewer)
        )
        if indicator is not None:
            return indicator
    raise not_found(("of",), "shared measure or indicator")


async def whole_cube(
    *, session: AsyncSession, viewer: Viewer, subject: SharedMeasure | Indicator
) -> tuple[list[Cell], Rules]:
    """Every publishable cell of the subject, decided together.

    A shared measure's cells are decided in the database (the narrow path hands out
    nothing else); an indicator's, the collaborative's own data, here.
    """
    collaborative = await session.get(Collaborative, subject.collaborative_id)
    assert collaborative is not None
    shared = isinstance(subject, SharedMeasure)
    rules = Rules(
        min_partners=collaborative.min_partners,
        min_cell=collaborative.min_cell,
        max_dominance_share=collaborative.max_dominance_share,
        partner_rules=shared,
    )
    if shared:
        cells = await contributions.cells_of_shared_measure(
            session=session, shared_measure_id=subject.id
        )
        return cells, rules
    # One contributor, the collaborative: no partner rules, and nothing seen to subtract.
    rows = await contributions.of_indicator(session=session, viewer=viewer, indicator_id=subject.id)
    parents = await dimensions.roll_ups(session=session, collaborative_id=subject.collaborative_id)
    scale = 100.0 if subject.unit is Unit.PERCENT else infer_scale(rows)
    cells = publishable_cells(
        rows,
        aggregation_of(subject),
        rules,
        parents=parents,
        counts_people=subject.unit is Unit.COUNT,
        scale=scale,
    )
    return cells, rules


async def aggregate(
    *,
    session: AsyncSession,
    viewer: Viewer,
    shared_measure_id: UUID | None,
    indicator_id: UUID | None,
    start: date | None,
    end: date | None,
    by: Sequence[str],
) -> Aggregate:
    subject = await find_subject(
        session=session,
        viewer=viewer,
        shared_measure_id=shared_measure_id,
        indicator_id=indicator_id,
    )
    if start is not None and end is not None and end < start:
        raise DomainError.single(("to",), ErrorCode.INVALID, "must not come before `from`")
    if len(by) > MAX_DIMENSIONS:
        raise DomainError.single(
            ("by",), ErrorCode.OUT_OF_RANGE, f"at most {MAX_DIMENSIONS} dimensions"
        )
    grouping = tuple(
        await dimensions.by_keys(
            session=session, collaborative_id=subject.collaborative_id, keys=by, field="by"
        )
    )
    cells, rules = await whole_cube(session=session, viewer=viewer, subject=subject)
    return Aggregate(
        subject=subject,
        aggregation=aggregation_of(subject),
        rules=rules,
        by=grouping,
        cells=sliced(cells, grouping, start, end),
    )


def sliced(
    cells: Sequence[Cell], grouping: Grouping, start: date | None, end: date | None
) -> list[Cell]:
    """The cells of one grouping in a period range: every category, reported or not."""
    found = {(c.period, c.breakdown): c for c in cells}
    periods = sorted(
        {
            c.period
            for c in cells
            if (start is None or c.period >= start) and (end is None or c.period <= end)
        }
    )
    combinations = list(
        product(*[[(d.key, c.key) for c in categories] for d, categories in grouping])
    )
    if len(periods) * len(combinations) > MAX_CELLS:
        raise DomainError.single(
            ("by",), ErrorCode.OUT_OF_RANGE, f"more than {MAX_CELLS} cells: ask for fewer"
        )
    result = []
    for period in periods:
        for combination in combinations:
            breakdown: Breakdown = tuple(sorted(combination))
            result.append(found.get((period, breakdown)) or no_data(period, breakdown))
    return result


def no_data(period: date, breakdown: Breakdown) -> Cell:
    return Cell(period, breakdown, None, None, None, Reason.NO_DATA, unstable=False)
