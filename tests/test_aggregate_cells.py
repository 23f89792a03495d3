"""The narrow path's suppression (PL/pgSQL, migration 0004) against its specification, the
pure suppression in services/analytics/suppression.py: random small cubes are written to the
database, and the cells the API role gets from `tablero_aggregate_cells` must be the cells
Python publishes from the same reports for the same viewer, decision for decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.cube import Contribution, breakdown_of, seen_contributors
from services.analytics.suppression import Cell, Rules, infer_scale, publishable_cells
from services.dimensions.models import DimensionCategory
from services.measures.models import Aggregation
from services.measures.units import Unit
from services.visibility import Visibility
from tests.factories import make_collaborative, make_partner
from tests.measurement_factories import (
    make_dimension,
    make_measure,
    make_shared_measure,
    quarterly_row,
)
from tests.test_analytics_security import call_as_api
from tests.test_suppression import assert_nothing_hidden_is_disclosed, grids

PERIODS = (date(2025, 1, 1), date(2025, 4, 1))
UNITS = {
    Aggregation.SUM: (Unit.COUNT, Unit.CURRENCY),
    Aggregation.RATE: (Unit.PERCENT, Unit.RATE),
    Aggregation.MEAN: (Unit.SCORE,),
}


@dataclass(frozen=True)
class Report:
    partner: int
    period: date
    breakdown: dict[str, str]
    value: float | None
    numerator: float | None
    denominator: float | None
    n: int | None


@dataclass(frozen=True)
class Cube:
    aggregation: Aggregation
    unit: Unit
    rules: tuple[int, int, float]  # min partners, min cell, max dominance share
    categories: tuple[str, ...]
    parents: dict[str, str]  # detailed category -> broad one ("lo" or "hi")
    visibility: tuple[Visibility, ...]  # per partner
    consent: tuple[bool, ...]  # per partner: share_in_aggregates
    reports: tuple[Report, ...]
    staff_of: int | None  # the viewer is staff of this partner, or only a member


Numbers = dict[str, Any]


@st.composite
def numbers(draw: Any, aggregation: Aggregation, unit: Unit, *, tiny: bool) -> Numbers:
    """One cell's numbers; `tiny` ones make small cells that need complementary suppression."""
    top = 3 if tiny else 30
    if aggregation is Aggregation.RATE:
        denominator = draw(st.integers(0, top))
        return rate(unit, draw(st.integers(0, denominator)), denominator)
    if aggregation is Aggregation.SUM:
        value = draw(st.integers(0, top))
        n = value if unit is Unit.COUNT else draw(st.integers(0, top))
        return {"value": float(value), "numerator": None, "denominator": None, "n": n}
    return {"value": float(draw(st.integers(0, 9))), "n": draw(st.integers(0, top))}


def rate(unit: Unit, numerator: int, denominator: int) -> Numbers:
    per = 100 if unit is Unit.PERCENT else 1000
    value = numerator / denominator * per if denominator else 0.0
    return {"value": value, "numerator": numerator, "denominator": denominator, "n": denominator}


def total_of(parts: list[Numbers], aggregation: Aggregation, unit: Unit) -> Numbers:
    """The numbers of a cell whose parts are `parts`: what a consistent partner reports."""
    n = sum(p["n"] for p in parts)
    if aggregation is Aggregation.RATE:
        return rate(unit, sum(p["numerator"] for p in parts), sum(p["denominator"] for p in parts))
    if aggregation is Aggregation.SUM:
        return {"value": sum(p["value"] for p in parts), "n": n}
    return {"value": sum(p["value"] * p["n"] for p in parts) / n if n else 0.0, "n": n}


@st.composite
def cubes(draw: Any) -> Cube:
    aggregation = draw(st.sampled_from(list(Aggregation)))
    unit = draw(st.sampled_from(UNITS[aggregation]))
    categories = tuple(f"c{i}" for i in range(draw(st.integers(2, 4))))
    tiny = set(draw(st.lists(st.sampled_from(categories), max_size=2)))
    parents = (
        {c: draw(st.sampled_from(["lo", "hi"])) for c in categories if draw(st.integers(0, 4))}
        if draw(st.booleans())
        else {}
    )
    at_source = draw(st.sampled_from([0, 0, 10]))  # 1 in 10 reports suppressed at source
    unknown_n = draw(st.booleans())
    partners = draw(st.integers(3, 6))

    def report(partner: int, period: date, cell: dict[str, str], values: Numbers) -> Report:
        values = {"numerator": None, "denominator": None, **values}
        if at_source and draw(st.integers(1, at_source)) == 1:
            values = dict.fromkeys(values)
        elif unknown_n and draw(st.integers(0, 5)) == 0:
            values["n"] = None
        return Report(partner, period, cell, **values)

    reports = []
    for partner in range(partners):
        for period in PERIODS[: draw(st.integers(1, 2))]:
            if draw(st.integers(0, 7)) == 0:
                continue  # silent this period
            parts = {}
            if draw(st.integers(0, 3)):  # some partners give no breakdown
                parts = {
                    c: draw(numbers(aggregation, unit, tiny=c in tiny))
                    for c in categories
                    if draw(st.integers(0, 7))
                }
            if parts and draw(st.integers(0, 2)):
                whole = total_of(list(parts.values()), aggregation, unit)
            else:  # more than its parts: a remainder nobody split
                whole = draw(numbers(aggregation, unit, tiny=False))
            reports.append(report(partner, period, {}, whole))
            reports += [report(partner, period, {"d": c}, v) for c, v in parts.items()]
            if parents and draw(st.integers(0, 3)) == 0:  # its own report of the broad cells
                for broad in sorted(set(parents.values())):
                    values = draw(numbers(aggregation, unit, tiny=False))
                    reports.append(report(partner, period, {"g": broad}, values))
    return Cube(
        aggregation=aggregation,
        unit=unit,
        rules=(
            draw(st.sampled_from([2, 3])),
            draw(st.sampled_from([5, 11])),
            draw(st.sampled_from([0.8, 0.9])),
        ),
        categories=categories,
        parents=parents,
        visibility=tuple(draw(st.sampled_from(list(Visibility))) for _ in range(partners)),
        consent=tuple(draw(st.integers(0, 7)) > 0 for _ in range(partners)),
        reports=tuple(reports),
        staff_of=draw(st.one_of(st.none(), st.integers(0, partners - 1))),
    )


async def write(session: AsyncSession, cube: Cube) -> tuple[Any, Any, list[Any]]:
    """The cube as a collaborative's dimensions, shared measure, measures and observations."""
    min_partners, min_cell, dominance = cube.rules
    collaborative = await make_collaborative(
        session, min_partners=min_partners, min_cell=min_cell, max_dominance_share=dominance
    )
    detailed = await make_dimension(session, collaborative, "d", {c: c for c in cube.categories})
    dimensions = [detailed]
    if cube.parents:
        broad = await make_dimension(session, collaborative, "g", {"lo": "Lo", "hi": "Hi"})
        dimensions.append(broad)
        ids = {c.key: c for c in await categories_of(session, broad.id)}
        for category in await categories_of(session, detailed.id):
            if category.key in cube.parents:
                category.rolls_up_to_id = ids[cube.parents[category.key]].id
                session.add(category)
        await session.flush()
    shared = await make_shared_measure(
        session, collaborative, unit=cube.unit, aggregation=cube.aggregation
    )
    partners = [await make_partner(session, collaborative) for _ in cube.visibility]
    measures = [
        await make_measure(
            session,
            p,
            unit=cube.unit,
            visibility=v,
            shared_measure_id=shared.id,
            share_in_aggregates=consent,
            dimensions=tuple(dimensions),
        )
        for p, v, consent in zip(partners, cube.visibility, cube.consent, strict=True)
    ]
    for r in cube.reports:
        suppressed = "small" if r.value is None else None
        numbers = {"numerator": r.numerator, "denominator": r.denominator, "n": r.n}
        session.add(
            quarterly_row(
                measures[r.partner],
                r.period,
                r.breakdown,
                value=r.value,
                suppressed_at_source=suppressed,
                **numbers,
            )
        )
    await session.flush()
    return collaborative, shared, partners


async def categories_of(session: AsyncSession, dimension_id: Any) -> list[DimensionCategory]:
    return list(
        (
            await session.exec(
                select(DimensionCategory).where(DimensionCategory.dimension_id == dimension_id)
            )
        ).all()
    )


def expected(cube: Cube) -> list[Cell]:
    """What the specification publishes from the same reports for the same viewer."""
    rows = [
        Contribution(
            contributor=r.partner,
            period=r.period,
            breakdown=breakdown_of(r.breakdown),
            value=r.value,
            numerator=r.numerator,
            denominator=r.denominator,
            n=r.n,
            suppressed_at_source=r.value is None,
            visible=cube.visibility[r.partner] is not Visibility.PRIVATE
            or r.partner == cube.staff_of,
        )
        for r in cube.reports
        if cube.consent[r.partner]
    ]
    min_partners, min_cell, dominance = cube.rules
    rules = Rules(min_partners, min_cell, dominance, seen=seen_contributors(rows))
    return publishable_cells(
        rows,
        cube.aggregation,
        rules,
        parents={("d", c): ("g", b) for c, b in cube.parents.items()},
        counts_people=cube.unit is Unit.COUNT,
        scale=100.0 if cube.unit is Unit.PERCENT else infer_scale(rows),
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cubes())
async def test_the_database_publishes_exactly_what_the_specification_does(
    connection: AsyncConnection, session: AsyncSession, cube: Cube
) -> None:
    collaborative, shared, partners = await write(session, cube)
    staff = {} if cube.staff_of is None else {"partner_ids": f"{{{partners[cube.staff_of].id}}}"}
    rows = await call_as_api(connection, shared.id, member_of=f"{{{collaborative.id}}}", **staff)
    got = [
        Cell(
            r.period_start,
            breakdown_of(r.breakdown),
            r.value,
            r.partners,
            r.n,
            r.reason,  # type: ignore[arg-type]  # compared by value with the enum
            r.unstable,
        )
        for r in rows
    ]
    want = expected(cube)
    assert [(c.period, c.breakdown) for c in got] == [(c.period, c.breakdown) for c in want]
    for g, w in zip(got, want, strict=True):
        assert g.reason == (None if w.reason is None else w.reason.value), (g, w)
        assert (g.partners, g.n, g.unstable) == (w.partners, w.n, w.unstable), (g, w)
        assert g.value == (None if w.value is None else pytest.approx(w.value)), (g, w)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(grids())
async def test_nothing_the_database_hides_can_be_computed_from_what_it_shows(
    connection: AsyncConnection, session: AsyncSession, grid: Any
) -> None:
    """The promise itself, checked on the database's answer by test_suppression's own
    arithmetic: no hidden cell, nor a partner's unsplit remainder, follows from the rest."""
    rows, dimensions = grid
    collaborative = await make_collaborative(session)
    for key, categories in dimensions.items():
        await make_dimension(session, collaborative, key, {c: c for c in categories})
    shared = await make_shared_measure(session, collaborative)  # a count, added up
    partners = sorted({r.contributor for r in rows})
    measures = {}
    for p in partners:
        partner = await make_partner(session, collaborative)
        measures[p] = await make_measure(session, partner, shared_measure_id=shared.id)
    session.add_all(
        quarterly_row(measures[r.contributor], r.period, dict(r.breakdown), value=r.value, n=r.n)
        for r in rows
    )
    await session.flush()
    answer = await call_as_api(connection, shared.id, member_of=f"{{{collaborative.id}}}")
    cells = [
        Cell(r.period_start, breakdown_of(r.breakdown), r.value, r.partners, r.n, r.reason, False)
        for r in answer
    ]
    assert all(c.reason is None or (c.value, c.n, c.partners) == (None, None, None) for c in cells)
    assert_nothing_hidden_is_disclosed(rows, cells, dimensions)
