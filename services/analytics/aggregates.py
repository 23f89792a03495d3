"""What all partners achieve together on a shared measure, or an indicator by its cells.

A shared measure's cells are read from its releases (services/releases): every cell was
decided once, on the whole cube of its period, when the period was released, so a cell's
fate never depends on the periods, dimensions or order a client asks for, nor on who asks.
An indicator is the collaborative's own data, read as the viewer may see it and suppressed
here, on the whole cube, before it is sliced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import product
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.analytics import contributions
from services.analytics.cube import Breakdown
from services.analytics.suppression import Cell, Reason, Rules, infer_scale, publishable_cells
from services.collaboratives.models import Collaborative
from services.crud import fetch_one
from services.dimensions import service as dimensions_service
from services.dimensions.models import Dimension, DimensionCategory
from services.errors import DomainError, ErrorCode, not_found
from services.indicators.models import Indicator
from services.measures.models import Aggregation, SharedMeasure
from services.measures.units import Unit
from services.releases import service as releases
from services.releases.models import Release
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
    # A shared measure's periods: the release each answers from (None: not released yet).
    releases: dict[date, Release | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Published:
    """The cells readers get, with the release of each period (shared measures only)."""

    cells: list[Cell]
    rules: Rules
    releases: dict[date, Release | None]

    @property
    def unreleased(self) -> frozenset[date]:
        return frozenset(p for p, r in self.releases.items() if r is None)


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
    *,
    session: AsyncSession,
    viewer: Viewer,
    subject: SharedMeasure | Indicator,
    dimensions: Sequence[Sequence[str]],
    start: date | None = None,
    end: date | None = None,
    as_of: datetime | None = None,
) -> Published:
    """Every publishable cell of the subject with these dimension sets, decided together.

    A shared measure's cells are those its releases stored (as of `as_of`, by default now);
    an indicator's, the collaborative's own data, are decided here.
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
        periods = await releases.released_cells(
            session=session,
            collaborative_id=subject.collaborative_id,
            shared_measure_id=subject.id,
            granularity=subject.granularity,
            dimensions=dimensions,
            start=start,
            end=end,
            as_of=_aware(as_of) if as_of else datetime.now(UTC),
        )
        cells = [c for p in periods for c in p.cells]
        return Published(cells, rules, {p.period: p.release for p in periods})
    # One contributor, the collaborative: no partner rules, and nothing seen to subtract.
    rows = await contributions.of_indicator(session=session, viewer=viewer, indicator_id=subject.id)
    parents = await dimensions_service.roll_ups(
        session=session, collaborative_id=subject.collaborative_id
    )
    scale = 100.0 if subject.unit is Unit.PERCENT else infer_scale(rows)
    cells = publishable_cells(
        rows,
        aggregation_of(subject),
        rules,
        parents=parents,
        counts_people=subject.unit is Unit.COUNT,
        scale=scale,
    )
    wanted = {tuple(sorted(d)) for d in dimensions}
    cells = [
        c
        for c in cells
        if tuple(d for d, _ in c.breakdown) in wanted
        and (start is None or c.period >= start)
        and (end is None or c.period <= end)
    ]
    return Published(cells, rules, {})


async def aggregate(
    *,
    session: AsyncSession,
    viewer: Viewer,
    shared_measure_id: UUID | None,
    indicator_id: UUID | None,
    start: date | None,
    end: date | None,
    by: Sequence[str],
    as_of: datetime | None = None,
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
        await dimensions_service.by_keys(
            session=session, collaborative_id=subject.collaborative_id, keys=by, field="by"
        )
    )
    published = await whole_cube(
        session=session,
        viewer=viewer,
        subject=subject,
        dimensions=[[d.key for d, _ in grouping]],
        start=start,
        end=end,
        as_of=as_of,
    )
    return Aggregate(
        subject=subject,
        aggregation=aggregation_of(subject),
        rules=published.rules,
        by=grouping,
        cells=sliced(published.cells, grouping, start, end, published.releases),
        releases=published.releases,
    )


def _aware(moment: datetime) -> datetime:
    """A moment without an offset is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def sliced(
    cells: Sequence[Cell],
    grouping: Grouping,
    start: date | None,
    end: date | None,
    released: dict[date, Release | None] | None = None,
) -> list[Cell]:
    """The cells of one grouping in a period range: every category, reported or not, and
    every category of a period not released yet as NOT_RELEASED."""
    found = {(c.period, c.breakdown): c for c in cells}
    unreleased = {p for p, r in (released or {}).items() if r is None}
    periods = sorted(
        {
            p
            for p in {c.period for c in cells} | set(released or {})
            if (start is None or p >= start) and (end is None or p <= end)
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
            if period in unreleased:
                result.append(releases.not_released(period, breakdown))
            else:
                result.append(found.get((period, breakdown)) or no_data(period, breakdown))
    return result


def no_data(period: date, breakdown: Breakdown) -> Cell:
    return Cell(period, breakdown, None, None, None, Reason.NO_DATA, unstable=False)
