"""Disparities between the groups of a dimension, on the published cells of an aggregate.

The cells come from the suppressed cube, so a hidden cell stays hidden here: its group is
listed without a value and left out of every summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import aggregates
from services.analytics.cube import Breakdown
from services.analytics.disparity import (
    Disparities,
    GroupDisparity,
    GroupValue,
    Reference,
    disparities,
    gap_narrowed,
    progress_toward_target,
    target_met,
)
from services.analytics.suppression import Cell
from services.dimensions import service as dimensions
from services.dimensions.models import Dimension, DimensionCategory
from services.errors import DomainError, ErrorCode
from services.indicators.models import Indicator
from services.measures.models import SharedMeasure
from services.observations.targets import targets_of
from services.releases.service import not_released
from services.viewer import Viewer


@dataclass(frozen=True, slots=True)
class GroupEquity:
    category: DimensionCategory
    cell: Cell
    disparity: GroupDisparity
    narrowed: bool | None  # the gap to the reference, against the previous period
    target: float | None  # an equity target set for this group
    target_period: date | None
    progress: float | None
    met: bool | None


@dataclass(frozen=True, slots=True)
class EquityView:
    subject: SharedMeasure | Indicator
    dimension: Dimension
    period: date
    previous_period: date | None
    reference: Reference
    summary: Disparities
    groups: list[GroupEquity]


async def equity_view(
    *,
    session: AsyncSession,
    viewer: Viewer,
    shared_measure_id: UUID | None,
    indicator_id: UUID | None,
    by: str,
    period: date | None,
    reference: Reference,
    category: str | None,
) -> EquityView:
    subject = await aggregates.find_subject(
        session=session,
        viewer=viewer,
        shared_measure_id=shared_measure_id,
        indicator_id=indicator_id,
    )
    dimension, categories = await dimensions.by_key(
        session=session, collaborative_id=subject.collaborative_id, key=by, field="by"
    )
    if reference is Reference.CATEGORY and category not in {c.key for c in categories}:
        raise DomainError.single(
            ("category",), ErrorCode.INVALID, f"name one of the categories of {by!r}"
        )
    if reference is not Reference.CATEGORY and category is not None:
        raise DomainError.single(
            ("category",), ErrorCode.INVALID, "is the reference only with reference: CATEGORY"
        )
    published = await aggregates.whole_cube(
        session=session, viewer=viewer, subject=subject, dimensions=[[], [by]]
    )
    cells = published.cells
    cube = Cube({(c.period, c.breakdown): c for c in cells}, published.unreleased)
    periods = sorted({c.period for c in cells} | published.unreleased)
    chosen = _period(periods, period, cells, by)
    previous = max((p for p in periods if p < chosen), default=None)
    current = _summary(subject, cube, by, categories, chosen, reference, category)
    before = (
        _summary(subject, cube, by, categories, previous, reference, category) if previous else None
    )
    targets = await _equity_targets(session, subject, by)
    groups = []
    for index, c in enumerate(categories):
        cell = cube.at(chosen, ((by, c.key),))
        target = targets.get(c.key)
        first = cube.first_value(((by, c.key),))
        groups.append(
            GroupEquity(
                category=c,
                cell=cell,
                disparity=current.groups[index],
                narrowed=gap_narrowed(
                    current.groups[index], before.groups[index] if before else None
                ),
                target=target[1] if target else None,
                target_period=target[0] if target else None,
                progress=progress_toward_target(
                    start=first,
                    latest=cell.value,
                    target=target[1] if target else None,
                    direction=subject.direction,
                ),
                met=target_met(cell.value, target[1] if target else None, subject.direction),
            )
        )
    return EquityView(subject, dimension, chosen, previous, reference, current, groups)


def _period(periods: list[date], asked: date | None, cube: list[Cell], by: str) -> date:
    if asked is not None:
        if asked not in periods:
            raise DomainError.single(("period",), ErrorCode.NOT_FOUND, "no data for this period")
        return asked
    shown = [c.period for c in cube if c.value is not None and [d for d, _ in c.breakdown] == [by]]
    if not shown and not periods:
        raise DomainError.single(("of",), ErrorCode.NOT_FOUND, "no data reported yet")
    return max(shown) if shown else periods[-1]


@dataclass(frozen=True, slots=True)
class Cube:
    """The suppressed cells of a subject, by period and breakdown."""

    cells: dict[tuple[date, Breakdown], Cell]
    unreleased: frozenset[date] = frozenset()

    def at(self, period: date, breakdown: Breakdown) -> Cell:
        if period in self.unreleased:
            return not_released(period, breakdown)
        return self.cells.get((period, breakdown)) or aggregates.no_data(period, breakdown)

    def first_value(self, breakdown: Breakdown) -> float | None:
        """The cell's earliest shown value: where progress toward a target starts."""
        shown = sorted(
            (period, c.value)
            for (period, b), c in self.cells.items()
            if b == breakdown and c.value is not None
        )
        return shown[0][1] if shown else None


def _summary(
    subject: SharedMeasure | Indicator,
    cube: Cube,
    by: str,
    categories: list[DimensionCategory],
    period: date,
    reference: Reference,
    category: str | None,
) -> Disparities:
    overall = cube.at(period, ()).value
    if reference is Reference.OVERALL and overall is None:
        raise DomainError.single(
            ("reference",), ErrorCode.INVALID, "the overall value of this period is not published"
        )
    groups = [GroupValue(c.key, cube.at(period, ((by, c.key),)).value) for c in categories]
    return disparities(
        groups,
        direction=subject.direction,
        unit=subject.unit,
        reference=reference,
        overall=overall,
        reference_category=category,
    )


async def _equity_targets(
    session: AsyncSession, subject: SharedMeasure | Indicator, by: str
) -> dict[str, tuple[date, float]]:
    """Category -> (period, value) of the furthest target set for that group (indicators)."""
    if not isinstance(subject, Indicator):
        return {}
    found: dict[str, tuple[date, float]] = {}
    for t in (await targets_of(session=session, subject_ids=[subject.id]))[subject.id]:
        if list(t.breakdown) == [by]:
            key = t.breakdown[by]
            if key not in found or t.period_start > found[key][0]:
                found[key] = (t.period_start, t.value)
    return found
