"""The demo's shared measurement: indicators, shared measures, partners' performance measures
in all three quadrants, targets (equity targets too); their observations come from
`seeds.demo_observations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from random import Random
from typing import Any
from uuid import UUID

from sqlmodel import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo import INCOME, LANGUAGE, PLACE, RACE, demo_id
from seeds.demo_calendar import calendar
from seeds.demo_observations import Cell, Series, generate, observations, subject
from services.indicators.models import Indicator, IndicatorDimension, IndicatorKind, IndicatorStatus
from services.measures.models import (
    Aggregation,
    MeasureContribution,
    MeasureDimension,
    PerformanceMeasure,
    Quadrant,
    SharedMeasure,
    SharedMeasureStatus,
)
from services.measures.units import Direction, Unit
from services.observations.models import Observation, Target
from services.observations.validation import breakdown_key
from services.partners.models import ProfileVisibility
from services.periods import Granularity
from services.visibility import Visibility

COUNT, PERCENT, CURRENCY = Unit.COUNT, Unit.PERCENT, Unit.CURRENCY
UP, DOWN = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
HOW_MUCH, HOW_WELL, BETTER_OFF = Quadrant.HOW_MUCH, Quadrant.HOW_WELL, Quadrant.BETTER_OFF
PRIVATE, MEMBERS, PUBLIC = Visibility.PRIVATE, Visibility.COLLABORATIVE, Visibility.PUBLIC
QUARTER, YEAR, SCHOOL_YEAR = Granularity.QUARTER, Granularity.YEAR, Granularity.SCHOOL_YEAR

DEFINED = datetime(2023, 1, 1, tzinfo=UTC)  # when the demo partners defined their measures


@dataclass(frozen=True)
class DemoIndicator:
    key: str
    name: str
    unit: Unit
    direction: Direction
    granularity: Granularity
    result: str
    dims: tuple[str, ...]
    series: Series
    definition: str
    data_source: str
    kind: IndicatorKind = IndicatorKind.POPULATION
    visibility: ProfileVisibility = ProfileVisibility.PUBLIC
    status: IndicatorStatus = IndicatorStatus.RATIFIED


# fmt: off
INDICATORS = (
    DemoIndicator(
        "kready", "% of children assessed kindergarten-ready", PERCENT, UP, SCHOOL_YEAR, "ready",
        (RACE, INCOME, LANGUAGE), Series(52, 2.5, 1850, gap=7, noise=0.8, mix="students", cells=2),
        "Kindergartners meeting the readiness benchmark in all five domains of the fall "
        "kindergarten entry assessment.", "Riverside Unified, kindergarten entry assessment",
    ),
    DemoIndicator(
        "funding", "Per-pupil funding", CURRENCY, UP, SCHOOL_YEAR, "reading", (RACE, PLACE),
        Series(11800, 350, 21000, gap=0.05, noise=60, mix="students", cells=2),
        "School-site spending per enrolled pupil, averaged over the pupils of each group.",
        "Riverside Unified, school-site expenditure reports", kind=IndicatorKind.SYSTEMS,
    ),
    DemoIndicator(
        "cost_burden", "Households severely cost-burdened", PERCENT, DOWN, YEAR, "housed",
        (RACE, PLACE, INCOME), Series(24, -0.6, 3200, gap=5, noise=0.7, cells=2),
        "Households spending more than half of their income on housing.",
        "American Community Survey 1-year estimates (PUMS for the cells)",
    ),
    DemoIndicator(
        "evictions", "Eviction filings", COUNT, DOWN, QUARTER, "housed", (RACE, PLACE),
        Series(380, -0.015, noise=0.06, mix="tenants", cells=2),
        "Residential eviction cases filed in the quarter.", "County superior court filings",
        visibility=ProfileVisibility.COLLABORATIVE, status=IndicatorStatus.PROPOSED,
    ),
    DemoIndicator(
        "broadband", "Households without home broadband", PERCENT, DOWN, QUARTER, "connected",
        (RACE, PLACE, LANGUAGE), Series(17, -0.45, 1200, gap=4, noise=0.8, cells=2),
        "Households with no wired or fixed wireless internet subscription at home.",
        "Riverside household panel survey (weighted)", visibility=ProfileVisibility.COLLABORATIVE,
    ),
    DemoIndicator(
        "well_child", "Young children with a well-child visit in the past year", PERCENT, UP,
        QUARTER, "healthy", (RACE, INCOME), Series(71, 0.35, 9800, gap=4, noise=0.6, cells=2),
        "Children under six with a well-child visit in the 12 months before the quarter ends.",
        "County immunization registry and Medicaid claims",
    ),
)

# key, name, unit, aggregation, definition (of the numerator, for rates), denominator
SHARED = (
    ("home_visiting", "Families completing home-visiting program", COUNT, Aggregation.SUM,
     "Families completing the full home-visiting curriculum in the quarter.", ""),
    ("screened", "Children screened on time", PERCENT, Aggregation.RATE,
     "Children with a developmental screening (ASQ-3) by the recommended age.",
     "Children served who reached a recommended screening age in the quarter."),
    ("internet", "Households connected to home internet", COUNT, Aggregation.SUM,
     "Households newly subscribed to home internet and still connected after 90 days.", ""),
)
# fmt: on


@dataclass(frozen=True)
class DemoMeasure:
    partner: str
    slug: str
    name: str
    quadrant: Quadrant
    unit: Unit
    direction: Direction
    visibility: Visibility
    dims: tuple[str, ...]
    series: Series
    contributes_to: tuple[str, ...] = ()  # result or indicator keys
    adopts: str | None = None
    share_in_aggregates: bool = True
    granularity: Granularity = QUARTER

    @property
    def key(self) -> str:
        return f"{self.partner}.{self.slug}"


FAMILIES, STUDENTS, TENANTS = "families", "students", "tenants"
HV, SCREENED, NET = "home_visiting", "screened", "internet"
# fmt: off
MEASURES = (
    DemoMeasure("casa", "enrolled", "Families enrolled in home visiting", HOW_MUCH, COUNT, UP,
                MEMBERS, (RACE, LANGUAGE), Series(118, 0.02, noise=0.05, mix=FAMILIES, cells=2),
                ("ready",)),
    DemoMeasure("casa", "completed", "Families completing home-visiting program", BETTER_OFF,
                COUNT, UP, PUBLIC, (RACE, LANGUAGE), Series(31, 0.025, noise=0.12, mix=FAMILIES),
                ("ready", "kready"), HV),
    DemoMeasure("casa", "screened", "Children screened on time", HOW_WELL, PERCENT, UP, PUBLIC,
                (RACE, LANGUAGE), Series(74, 0.9, 150, gap=3, noise=1.5, mix=FAMILIES, cells=2),
                ("kready", "well_child"), SCREENED),
    DemoMeasure("casa", "confidence", "Parents more confident supporting their child's learning",
                BETTER_OFF, PERCENT, UP, PRIVATE, (RACE, LANGUAGE),
                Series(63, 0.6, 90, gap=2, noise=2.5, mix=FAMILIES), ("ready",)),
    DemoMeasure("foodbank", "served", "Households served", HOW_MUCH, COUNT, UP, PUBLIC,
                (RACE, PLACE), Series(2350, 0.012, noise=0.04, mix=FAMILIES, cells=2), ("fed",)),
    DemoMeasure("foodbank", "snap", "Eligible households enrolled in SNAP", BETTER_OFF, PERCENT,
                UP, MEMBERS, (RACE, PLACE), Series(58, 0.8, 640, gap=4, noise=1.5), ("fed",)),
    DemoMeasure("digital", "devices", "Devices distributed to households", HOW_MUCH, COUNT, UP,
                PUBLIC, (RACE, PLACE), Series(210, 0.03, noise=0.1, mix=FAMILIES),
                ("connected",)),
    DemoMeasure("digital", "connected", "Households connected to home internet", BETTER_OFF,
                COUNT, UP, PUBLIC, (RACE, PLACE), Series(96, 0.035, noise=0.1, mix=FAMILIES,
                cells=2), ("broadband",), NET),
    DemoMeasure("digital", "skills", "Learners completing the digital skills course", HOW_WELL,
                PERCENT, UP, PRIVATE, (RACE, LANGUAGE), Series(61, 0.7, 75, gap=3, noise=3),
                ("connected",)),
    DemoMeasure("housing", "vouchers", "Households housed with vouchers", HOW_MUCH, COUNT, UP,
                PUBLIC, (RACE, INCOME), Series(1480, 0.006, noise=0.015, mix=TENANTS),
                ("housed", "cost_burden")),
    DemoMeasure("housing", "connected", "Households connected to home internet", BETTER_OFF,
                COUNT, UP, MEMBERS, (RACE, PLACE), Series(44, 0.04, noise=0.1, mix=TENANTS),
                ("broadband",), NET),
    # Private measures adopting the shared one: members read Digital Bridge's and the
    # housing authority's values, and these three stay hidden behind each other.
    DemoMeasure("casa", "connected", "Families connected to home internet", BETTER_OFF, COUNT,
                UP, PRIVATE, (RACE, LANGUAGE), Series(38, 0.03, noise=0.12, mix=FAMILIES),
                ("connected",), NET),
    DemoMeasure("foodbank", "connected", "Households connected by our navigators", BETTER_OFF,
                COUNT, UP, PRIVATE, (RACE, PLACE), Series(52, 0.03, noise=0.1, mix=FAMILIES),
                ("connected",), NET),
    DemoMeasure("schools", "connected", "Student households connected to home internet",
                BETTER_OFF, COUNT, UP, PRIVATE, (RACE, INCOME),
                Series(75, 0.04, noise=0.08, mix=STUDENTS), ("connected",), NET),
    DemoMeasure("housing", "stable", "Voucher households still housed after 12 months",
                BETTER_OFF, PERCENT, UP, MEMBERS, (RACE, INCOME),
                Series(86, 0.2, 120, gap=2, noise=1.5, mix=TENANTS), ("housed", "evictions"),
                share_in_aggregates=False),
    DemoMeasure("schools", "screened", "Children screened on time", HOW_WELL, PERCENT, UP,
                MEMBERS, (RACE, INCOME), Series(66, 1.1, 420, gap=4, noise=1.2, mix=STUDENTS,
                cells=2), ("kready",), SCREENED),
    DemoMeasure("schools", "prek", "Pre-K seats filled", HOW_MUCH, COUNT, UP, PUBLIC,
                (RACE, PLACE), Series(860, 0.01, noise=0.02, mix=STUDENTS), ("ready",)),
    DemoMeasure("clinic", "screened", "Children screened on time", HOW_WELL, PERCENT, UP,
                MEMBERS, (RACE, INCOME), Series(79, 0.5, 310, gap=3, noise=1.2, mix=FAMILIES),
                ("well_child",), SCREENED),
    DemoMeasure("clinic", "visits", "Well-child visits completed", HOW_MUCH, COUNT, UP, PRIVATE,
                (RACE, INCOME), Series(1240, 0.015, noise=0.04, mix=FAMILIES), ("well_child",)),
    DemoMeasure("health", "completed", "Families completing home-visiting program", BETTER_OFF,
                COUNT, UP, PUBLIC, (RACE, LANGUAGE), Series(22, 0.02, noise=0.15, mix=FAMILIES),
                ("healthy",), HV),
    DemoMeasure("backbone", "voices", "Residents taking part in community conversations",
                HOW_MUCH, COUNT, UP, PUBLIC, (RACE, LANGUAGE), Series(140, 0.04, noise=0.1),
                ("ready", "housed", "connected")),
    DemoMeasure("backbone", "on_time", "Partners reporting their data on time", HOW_WELL,
                PERCENT, UP, PUBLIC, (), Series(64, 2.2, 14, noise=3, cells=0)),
)
# fmt: on

LATINO = {RACE: "latino"}
# subject key, period, breakdown, value: a breakdown makes it an equity target
TARGETS = (
    ("kready", date(2028, 8, 1), {}, 70.0),
    ("kready", date(2028, 8, 1), LATINO, 70.0),
    ("broadband", date(2026, 10, 1), {}, 8.0),
    ("casa.screened", date(2026, 10, 1), {}, 90.0),
    ("casa.screened", date(2026, 10, 1), LATINO, 90.0),
    ("digital.connected", date(2025, 10, 1), {}, 150.0),
    ("foodbank.snap", date(2025, 10, 1), {}, 70.0),
    ("schools.screened", date(2026, 7, 1), {}, 85.0),
)

Row = Any  # a table row of any kind, for session.add_all


async def seed_measurement(session: AsyncSession, collaborative_id: UUID) -> None:
    """Write it all in dependency order, with one flush per level."""
    rng = Random(2026)
    subjects = (*INDICATORS, *MEASURES)
    series = {
        s.key: generate(rng, s.unit, s.direction, s.granularity, s.dims, s.series) for s in subjects
    }
    c = collaborative_id
    session.add_all(
        [
            SharedMeasure(
                collaborative_id=c,
                id=demo_id("shared_measure", key),
                name=name,
                definition=definition,
                unit=unit,
                direction=UP,
                aggregation=aggregation,
                numerator_definition=definition if denominator else "",
                denominator_definition=denominator,
                granularity=QUARTER,
                status=SharedMeasureStatus.RATIFIED,
            )
            for key, name, unit, aggregation, definition, denominator in SHARED
        ]
        + [_indicator(c, i, *series[i.key][0]) for i in INDICATORS]
    )
    await session.flush()
    session.add_all([_measure(c, m) for m in MEASURES])
    await session.flush()
    rows: list[Row] = []
    for i in INDICATORS:
        iid = demo_id("indicator", i.key)
        rows += [
            IndicatorDimension(
                collaborative_id=c, indicator_id=iid, dimension_id=demo_id("dimension", d)
            )
            for d in i.dims
        ]
    for m in MEASURES:
        mid = demo_id("measure", m.key)
        rows += [
            MeasureDimension(
                collaborative_id=c, measure_id=mid, dimension_id=demo_id("dimension", d)
            )
            for d in m.dims
        ]
        rows += [_contribution(c, m.key, to) for to in m.contributes_to]
    granularity_of = {s.key: s.granularity for s in subjects}
    for key, written, breakdown, value in TARGETS:
        start = calendar().period(granularity_of[key], written)
        rows.append(
            Target(
                collaborative_id=c,
                id=demo_id("target", key, str(start), breakdown_key(breakdown)),
                **subject(key),
                period_start=start,
                breakdown=breakdown,
                breakdown_key=breakdown_key(breakdown),
                value=value,
            )
        )
    session.add_all(rows)
    await session.flush()
    # Thousands of rows: one bulk insert, sent as multi-row VALUES (what RETURNING makes
    # SQLAlchemy use); the database fills in each row's owner and visibility from its measure.
    readings = [r for s in subjects for r in observations(c, s.key, s.granularity, series[s.key])]
    table = Observation.__table__
    await session.exec(insert(table).returning(table.c.id), params=readings)


def _indicator(c: UUID, i: DemoIndicator, start: date, total: Any, cell: Cell) -> Indicator:
    """The baseline is the first period's total."""
    return Indicator(
        collaborative_id=c,
        id=demo_id("indicator", i.key),
        result_id=demo_id("result", i.result),
        name=i.name,
        definition=i.definition,
        unit=i.unit,
        direction=i.direction,
        kind=i.kind,
        data_source=i.data_source,
        granularity=i.granularity,
        visibility=i.visibility,
        status=i.status,
        baseline_period_start=start,
        baseline_value=cell.value,
    )


def _measure(c: UUID, m: DemoMeasure) -> PerformanceMeasure:
    return PerformanceMeasure(
        collaborative_id=c,
        id=demo_id("measure", m.key),
        partner_id=demo_id("partner", m.partner),
        name=m.name,
        quadrant=m.quadrant,
        unit=m.unit,
        direction=m.direction,
        granularity=m.granularity,
        visibility=m.visibility,
        share_in_aggregates=m.share_in_aggregates,
        shared_measure_id=demo_id("shared_measure", m.adopts) if m.adopts else None,
        created_at=calendar().moment(DEFINED),  # before the three years of data it holds
    )


def _contribution(c: UUID, measure: str, to: str) -> MeasureContribution:
    is_indicator = any(i.key == to for i in INDICATORS)
    return MeasureContribution(
        collaborative_id=c,
        id=demo_id("contribution", measure, to),
        measure_id=demo_id("measure", measure),
        indicator_id=demo_id("indicator", to) if is_indicator else None,
        result_id=None if is_indicator else demo_id("result", to),
    )
