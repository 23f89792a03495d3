"""Adversarial tests of the analytics area: who may read aggregates, what suppressed cells
give away, and the release path behind them. Everything goes through /graphql or, for the
SECURITY DEFINER functions and the release tables, through the API role itself.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from itertools import product
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from api.settings import Settings
from schema.relay import to_global_id
from services.measures.models import Aggregation, SharedMeasureStatus
from services.measures.units import Unit
from services.observations.models import Observation, ObservationStatus
from services.periods import Granularity
from services.viewer import Role
from services.visibility import Visibility
from tests.aggregate_fixture import (
    AGGREGATE,
    Q1,
    Q2,
    Fixture,
    build_fixture,
    observation,
    release,
)
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import (
    make_dimension,
    make_measure,
    make_shared_measure,
    quarterly_row,
)
from tests.release_database import release as release_period
from tests.test_aggregates_api import ask

NOT_FOUND = "no shared measure or indicator with this id"

DISPARITIES = """query($of: ID!, $reference: DisparityReference, $category: String, $period: Date) {
  disparities(of: $of, by: "race_ethnicity", reference: $reference, category: $category,
              period: $period) {
    period { label } reference referenceCategory referenceValue
    maxRateDifference maxRateRatio summaryRateRatio indexOfDisparity
    groups { category { category } value suppressed reason rateRatio rateDifference
      isReference gapNarrowed progressTowardTarget targetMet } } }"""

SERIES = """query($id: ID!, $breakdown: [BreakdownInput!]) { node(id: $id) { ... on Series {
  series(breakdown: $breakdown) { points { label value } baseline { value } } } } }"""

OBSERVATIONS = """query($id: ID!) { node(id: $id) { ... on Measure {
  observations(allCells: true) { period { start } numerator denominator
    breakdown { dimension category } } } } }"""

SETTINGS = ("account_id", "member_of", "partner_ids", "steward_of", "backbone_of")
CELLS = text("SELECT * FROM release_cell WHERE shared_measure_id = :id")


@pytest.fixture
async def unreleased(session, settings: Settings) -> Fixture:
    return await build_fixture(session, settings)


@pytest.fixture
async def fixture(session, unreleased: Fixture) -> Fixture:
    await release(session, unreleased)
    return unreleased


async def errors_of(client, query: str, variables: dict[str, Any], headers) -> list[str]:
    body = await graphql(client, query, variables, headers)
    assert list(body["data"].values()) == [None], body  # the refused field alone
    return [e["message"] for e in body["errors"]]


def cells_by_key(result: dict[str, Any]) -> dict[tuple[str, frozenset], dict[str, Any]]:
    return {
        (
            c["period"]["start"],
            frozenset((b["dimension"], b["category"]) for b in c["breakdown"]),
        ): c
        for c in result["cells"]
    }


# -- who may ask ---------------------------------------------------------------------------


async def test_outsiders_funders_of_another_collaborative_and_admins_get_not_found(
    client, session, settings: Settings, fixture
) -> None:
    """Every non-reader gets exactly the answer of an id that names nothing."""
    other = await make_collaborative(session)
    other_funder_org = await make_partner(session, other, name="Other fund", kind="funder")
    other_staff_org = await make_partner(session, other, name="Other org")
    strangers = {
        "funder of another collaborative": bearer(
            settings, await make_member(session, other, Role.FUNDER, other_funder_org)
        ),
        "staff of another collaborative": bearer(
            settings, await make_member(session, other, Role.PARTNER_STEWARD, other_staff_org)
        ),
        "backbone of another collaborative": bearer(
            settings, await make_member(session, other, Role.BACKBONE, other_staff_org)
        ),
        "admin": fixture.viewers["admin"],
        "anonymous": {},
    }
    missing = to_global_id("SharedMeasure", other.id)  # right type, nothing there
    expected = await errors_of(client, AGGREGATE, {"of": missing}, fixture.viewers["funder"])
    assert expected == [expected[0]]
    assert NOT_FOUND in expected[0]
    for name, headers in strangers.items():
        for query, extra in ((AGGREGATE, {}), (DISPARITIES, {})):
            for of in (fixture.of, missing):
                got = await errors_of(client, query, {"of": of, **extra}, headers)
                assert got == expected, (name, got)
        # disparities with every optional argument set still says nothing more
        got = await errors_of(
            client,
            DISPARITIES,
            {"of": fixture.of, "reference": "CATEGORY", "category": "white", "period": str(Q1)},
            headers,
        )
        assert got == expected, name


async def test_a_funder_of_x_cannot_read_y_even_when_y_has_the_same_dimension(
    client, session, settings: Settings, fixture
) -> None:
    y = await make_collaborative(session)
    await make_dimension(session, y, "race_ethnicity", {"asian": "Asian"})
    y_shared = await make_shared_measure(session, y)
    of_y = to_global_id("SharedMeasure", y_shared.id)
    got = await errors_of(client, AGGREGATE, {"of": of_y}, fixture.viewers["funder"])
    assert len(got) == 1
    assert NOT_FOUND in got[0]
    # while the funder does read X's
    assert (await ask(client, fixture))["cells"][0]["value"] is not None


async def test_ids_of_the_wrong_type_answer_like_a_missing_shared_measure(client, fixture) -> None:
    """A Measure, Partner, Collaborative or Observation id (even of the very rows that feed
    the aggregate) is not a shared measure: no aggregate and no hint that it exists."""
    a = fixture.measures["A"]
    wrong = [
        to_global_id("Measure", a.id),
        to_global_id("Partner", a.partner_id),
        to_global_id("Collaborative", fixture.collaborative.id),
        to_global_id("Indicator", fixture.shared.id),  # the shared measure's uuid, wrong type
        to_global_id("Measure", fixture.shared.id),
        "not-a-global-id",
        "",
    ]
    expected = await errors_of(
        client, AGGREGATE, {"of": to_global_id("SharedMeasure", a.id)}, fixture.viewers["funder"]
    )
    assert len(expected) == 1
    assert NOT_FOUND in expected[0]
    for of in wrong:
        for query in (AGGREGATE, DISPARITIES):
            got = await errors_of(client, query, {"of": of}, fixture.viewers["funder"])
            assert got == expected, of


# -- what suppressed cells give away -------------------------------------------------------


@pytest.mark.parametrize("category", ["white", "black"])
async def test_a_suppressed_category_as_the_disparity_reference_reveals_nothing(
    client, fixture, category: str
) -> None:
    """white is SMALL_CELL and black COMPLEMENTARY in 2025-Q1: as the reference, neither
    value may leak through referenceValue, rate ratios or differences."""
    body = await graphql(
        client,
        DISPARITIES,
        {"of": fixture.of, "reference": "CATEGORY", "category": category, "period": str(Q1)},
        fixture.viewers["funder"],
    )
    assert "errors" not in body, body
    result = body["data"]["disparities"]
    assert result["referenceValue"] is None
    for g in result["groups"]:
        assert g["rateRatio"] is None, g
        assert g["rateDifference"] is None, g
    hidden = {g["category"]["category"]: g for g in result["groups"] if g["suppressed"]}
    assert set(hidden) == {"white", "black"}
    assert all(g["value"] is None and g["reason"] for g in hidden.values())
    # the shown groups are exactly the aggregate's values, nothing more precise
    shown = {g["category"]["category"]: g["value"] for g in result["groups"] if not g["suppressed"]}
    assert shown == {
        "asian": pytest.approx(100 * 37 / 115),
        "latino": pytest.approx(100 * 50 / 137),
    }
    # max gap and summaries are computed from the shown groups only
    worst, best = 100 - 100 * 37 / 115, 100 - 100 * 50 / 137  # adverse: 100 - percent
    assert result["maxRateRatio"] == pytest.approx(worst / best)


async def test_overall_reference_on_a_hidden_total_is_refused_without_its_value(
    client, fixture
) -> None:
    """2025-Q2: only two partners; the overall is hidden and must not appear in the error."""
    got = await errors_of(
        client,
        DISPARITIES,
        {"of": fixture.of, "reference": "OVERALL", "period": str(Q2)},
        fixture.viewers["funder"],
    )
    assert len(got) == 1
    assert "not published" in got[0]
    hidden_q2 = 100 * (35 + 45) / (100 + 120)
    assert f"{hidden_q2:.1f}" not in got[0]
    assert "36.36" not in got[0]


async def test_slices_ranges_and_orders_all_answer_the_same_and_hide_white(client, fixture) -> None:
    """Totals, by race, and every period range: one cell has one answer, and the total minus
    the shown races never isolates the small white cell."""
    asks = [
        {},
        {"by": ["race_ethnicity"]},
        {"by": ["race_ethnicity"], "from": str(Q1), "to": str(Q1)},
        {"by": ["race_ethnicity"], "from": str(Q2)},
        {"from": str(Q1), "to": "2025-03-31"},
        {"to": str(Q1)},
    ]
    seen: dict[tuple[str, frozenset], dict[str, Any]] = {}
    for variables in asks:
        for key, cell in cells_by_key(await ask(client, fixture, **variables)).items():
            assert seen.setdefault(key, cell) == cell, key
    q1 = {k[1]: c for k, c in seen.items() if k[0] == str(Q1)}
    white = q1[frozenset({("race_ethnicity", "white")})]
    assert white["value"] is None
    assert white["n"] is None
    shown_races = [c for k, c in q1.items() if k and c["value"] is not None]
    hidden_races = [c for k, c in q1.items() if k and c["value"] is None]
    assert len(hidden_races) >= 2  # a lone hidden part would be total minus the others
    total = q1[frozenset()]
    people_left = total["n"] - sum(c["n"] for c in shown_races)
    assert people_left != 8  # white alone has 8 people


# A two-dimensional cube. Partners P1-P3 report every race x sex cell and its margins;
# P4 reports only its total (a remainder that must stay unknown). (c, f) has 3 people.
JOINT = {
    "P1": {("a", "f"): 20, ("a", "m"): 22, ("b", "f"): 25, ("b", "m"): 18, ("c", "f"): 1,
           ("c", "m"): 15},
    "P2": {("a", "f"): 21, ("a", "m"): 19, ("b", "f"): 24, ("b", "m"): 20, ("c", "f"): 1,
           ("c", "m"): 16},
    "P3": {("a", "f"): 23, ("a", "m"): 20, ("b", "f"): 22, ("b", "m"): 21, ("c", "f"): 1,
           ("c", "m"): 14},
}  # fmt: skip
P4_TOTAL = 30
RACE, SEX = ("a", "b", "c"), ("f", "m")


def count_row(measure: Any, start: date, value: float, **cell: str) -> Observation:
    return quarterly_row(measure, start, cell, value=value, n=int(value))


@pytest.fixture
async def two_dimensions(session, settings: Settings) -> tuple[str, dict[str, str]]:
    collaborative = await make_collaborative(session)
    race = await make_dimension(session, collaborative, "race", {k: k for k in RACE})
    sex = await make_dimension(session, collaborative, "sex", {k: k for k in SEX})
    shared = await make_shared_measure(session, collaborative)  # count, sum, quarterly
    rows = []
    for name in ("P1", "P2", "P3", "P4"):
        partner = await make_partner(session, collaborative, name=name)
        measure = await make_measure(
            session, partner, shared_measure_id=shared.id, dimensions=(race, sex)
        )
        if name == "P4":
            rows.append(count_row(measure, Q1, P4_TOTAL))
            continue
        cells = JOINT[name]
        rows.append(count_row(measure, Q1, sum(cells.values())))
        for r in RACE:
            rows.append(count_row(measure, Q1, sum(cells[r, s] for s in SEX), race=r))
        for s in SEX:
            rows.append(count_row(measure, Q1, sum(cells[r, s] for r in RACE), sex=s))
        rows += [count_row(measure, Q1, v, race=r, sex=s) for (r, s), v in cells.items()]
    session.add_all(rows)
    await release_period(session, collaborative.id, Q1)
    funder_org = await make_partner(session, collaborative, name="Fund", kind="funder")
    funder = await make_member(session, collaborative, Role.FUNDER, funder_org)
    return to_global_id("SharedMeasure", shared.id), bearer(settings, funder)


def _rank(rows: list[dict[Any, Fraction]]) -> int:
    rows = [dict(r) for r in rows if r]
    rank = 0
    while rows:
        pivot_row = rows.pop()
        col = next(iter(pivot_row))
        pivot = pivot_row[col]
        rank += 1
        reduced = []
        for r in rows:
            if col in r:
                factor = r[col] / pivot
                r = {k: r.get(k, Fraction(0)) - factor * pivot_row.get(k, Fraction(0))
                     for k in r.keys() | pivot_row.keys()}  # fmt: skip
                r = {k: v for k, v in r.items() if v}
            if r:
                reduced.append(r)
        rows = reduced
    return rank


def determined(equations: list[dict[Any, int]], unknown: Any) -> bool:
    """Whether `unknown` follows exactly from the equations (its unit vector is in their span)."""
    rows = [{k: Fraction(v) for k, v in e.items() if v} for e in equations]
    return _rank(rows) == _rank([*rows, {unknown: Fraction(1)}])


async def test_no_hidden_cell_of_a_two_dimensional_cube_follows_from_all_answers(
    client, two_dimensions
) -> None:
    """Ask every grouping and order; then solve the additive relations an attacker knows,
    with P4's total-only report as ONE unknown shared by the race and the sex relations
    (it is the same number in both)."""
    of, funder = two_dimensions
    cells: dict[frozenset, dict[str, Any]] = {}
    for by in ([], ["race"], ["sex"], ["race", "sex"], ["sex", "race"]):
        body = await graphql(client, AGGREGATE, {"of": of, "by": by}, funder)
        assert "errors" not in body, body
        for (_, breakdown), cell in cells_by_key(body["data"]["aggregate"]).items():
            cell = {k: v for k, v in cell.items() if k != "breakdown"}  # listed in `by` order
            assert cells.setdefault(breakdown, cell) == cell, breakdown
    joint = {(r, s): frozenset({("race", r), ("sex", s)}) for r, s in product(RACE, SEX)}
    race = {r: frozenset({("race", r)}) for r in RACE}
    sex = {s: frozenset({("sex", s)}) for s in SEX}
    total = frozenset()
    assert cells[joint["c", "f"]]["reason"] == "SMALL_CELL"
    hidden = {k for k, c in cells.items() if c["value"] is None}
    rest = "P4's total"  # total = sum of races + rest = sum of sexes + rest
    relations = [
        (total, [race[r] for r in RACE], rest),
        (total, [sex[s] for s in SEX], rest),
        *((race[r], [joint[r, s] for s in SEX], None) for r in RACE),
        *((sex[s], [joint[r, s] for r in RACE], None) for s in SEX),
    ]

    def equations_for(hidden: set[frozenset]) -> list[dict[Any, int]]:
        equations = []
        for margin, parts, remainder in relations:
            equation = {margin: 1} if margin in hidden else {}
            for part in parts:
                if part in hidden:
                    equation[part] = -1
            if remainder:
                equation[remainder] = -1
            equations.append(equation)
        return equations

    equations = equations_for(hidden)
    leaked = [sorted(u) for u in hidden if determined(equations, u)]
    assert leaked == []
    assert not determined(equations, rest), "P4's total follows from the published cells"
    # the check has teeth: with only the small cell hidden, it would follow from its row
    assert determined(equations_for({joint["c", "f"]}), joint["c", "f"])
    assert len(hidden) > 1  # complementary cells were hidden around it


async def test_a_measure_of_another_granularity_does_not_contribute(
    client, session, fixture
) -> None:
    """A monthly measure adopting the quarterly shared measure, reporting on the first day of
    a quarter, would give 2025-Q2 its third partner if it were counted."""
    partner = await make_partner(session, fixture.collaborative, name="Monthly")
    monthly = await make_measure(
        session,
        partner,
        unit=Unit.PERCENT,
        granularity=Granularity.MONTH,
        shared_measure_id=fixture.shared.id,
    )
    quarterly = await make_measure(  # a quarterly one, with a monthly-granularity row
        session,
        await make_partner(session, fixture.collaborative, name="Mislabelled"),
        unit=Unit.PERCENT,
        shared_measure_id=fixture.shared.id,
    )
    rows = []
    for m in (monthly, quarterly):
        for start in (Q1, Q2):
            row = observation(m, start, 50, 500)
            row.granularity = Granularity.MONTH
            rows.append(row)
    session.add_all(rows)
    await release(session, fixture)  # a revision of both quarters
    q1, q2 = (await ask(client, fixture))["cells"]
    assert (q1["value"], q1["n"], q1["partners"]) == (pytest.approx(100 * 120 / 370), 370, 3)
    assert (q2["value"], q2["reason"]) == (None, "TOO_FEW_PARTNERS")


async def test_drafts_and_superseded_values_do_not_contribute(client, session, fixture) -> None:
    """A consenting third partner's draft and superseded rows would complete 2025-Q2."""
    partner = await make_partner(session, fixture.collaborative, name="E")
    m = await make_measure(session, partner, unit=Unit.PERCENT, shared_measure_id=fixture.shared.id)
    draft = observation(m, Q2, 50, 500)
    draft.status = ObservationStatus.DRAFT
    old = observation(m, Q2, 40, 400, race_ethnicity="asian")
    old.is_current = False
    session.add_all([draft, old])
    await release(session, fixture, Q2)
    q2 = (await ask(client, fixture))["cells"][1]
    assert (q2["value"], q2["reason"]) == (None, "TOO_FEW_PARTNERS")


async def test_a_measure_of_another_collaborative_cannot_adopt_this_shared_measure(
    session, fixture
) -> None:
    other = await make_collaborative(session)
    stranger = await make_partner(session, other, name="Stranger")
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await make_measure(session, stranger, shared_measure_id=fixture.shared.id)
    m = await make_measure(session, stranger)
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await (await session.connection()).execute(
                text("UPDATE performance_measure SET shared_measure_id = :s WHERE id = :m"),
                {"s": fixture.shared.id, "m": m.id},
            )


async def test_a_member_cannot_subtract_visible_partners_to_find_a_private_one(
    client, session, unreleased
) -> None:
    """The resident reads B (members-only) and C (public): every cell they share with A,
    whose measure is private, would give A away by subtraction, so none is shown; nor to the
    funder, for A's own people would otherwise find B."""
    await _members_and_public(session, unreleased)
    await release(session, unreleased)
    result = await ask(client, unreleased, "resident", by=["race_ethnicity"])
    q1 = [c for c in result["cells"] if c["period"]["start"] == str(Q1)]
    assert q1
    assert all(c["value"] is None for c in q1)
    assert {c["reason"] for c in q1} <= {"SEEN_PARTS", "SMALL_CELL", "COMPLEMENTARY"}
    for viewer in ("resident", "funder"):
        totals = await ask(client, unreleased, viewer)
        assert totals["cells"][0]["reason"] == "SEEN_PARTS"


async def _members_and_public(session, fixture: Fixture) -> None:
    """B's measure is read by members, C's by anyone (before anything is released)."""
    fixture.measures["B"].visibility = Visibility.COLLABORATIVE
    fixture.measures["C"].visibility = Visibility.PUBLIC
    session.add_all([fixture.measures["B"], fixture.measures["C"]])
    await session.flush()


# -- series --------------------------------------------------------------------------------


async def test_series_of_another_partners_private_measure_is_null(
    client, session, settings: Settings, unreleased
) -> None:
    fixture = unreleased
    await _members_and_public(session, fixture)
    staff_b = bearer(
        settings,
        await make_member(
            session,
            fixture.collaborative,
            Role.PARTNER_STAFF,
            await _partner(session, fixture, "B"),
        ),
    )
    backbone = bearer(
        settings,
        await make_member(
            session,
            fixture.collaborative,
            Role.BACKBONE,
            await make_partner(session, fixture.collaborative, name="Backbone org"),
        ),
    )
    a = to_global_id("Measure", fixture.measures["A"].id)
    d = to_global_id("Measure", fixture.measures["D"].id)  # private and not shared
    b = to_global_id("Measure", fixture.measures["B"].id)  # members only
    for headers in (
        staff_b,
        backbone,
        fixture.viewers["funder"],
        fixture.viewers["resident"],
        fixture.viewers["admin"],
        fixture.viewers["outsider"],
        {},
    ):
        for mid in (a, d):
            body = await graphql(client, SERIES, {"id": mid}, headers)
            assert body["data"]["node"] is None, body
            body = await graphql(
                client,
                SERIES,
                {"id": mid, "breakdown": [{"dimension": "race_ethnicity", "category": "white"}]},
                headers,
            )
            assert body["data"]["node"] is None, body
    for headers in (fixture.viewers["funder"], fixture.viewers["outsider"], {}):
        assert (await graphql(client, SERIES, {"id": b}, headers))["data"]["node"] is None
    mine = await graphql(client, SERIES, {"id": a}, fixture.viewers["staff of A"])
    assert [p["value"] for p in mine["data"]["node"]["series"]["points"]] == [30.0, 35.0]


async def _partner(session, fixture: Fixture, key: str):
    from services.partners.models import Partner

    return await session.get(Partner, (fixture.collaborative.id, fixture.measures[key].partner_id))


async def test_series_of_a_public_measure_hides_drafts_from_everyone_but_the_owner(
    client, session, settings: Settings, unreleased
) -> None:
    """C's measure is public; its 2025-Q2 draft (60/150) is C's alone."""
    fixture = unreleased
    await _members_and_public(session, fixture)
    c = to_global_id("Measure", fixture.measures["C"].id)
    staff_c = bearer(
        settings,
        await make_member(
            session,
            fixture.collaborative,
            Role.PARTNER_STAFF,
            await _partner(session, fixture, "C"),
        ),
    )
    for headers in (fixture.viewers["funder"], fixture.viewers["resident"],
                    fixture.viewers["staff of A"], {}):  # fmt: skip
        body = await graphql(client, SERIES, {"id": c}, headers)
        assert [p["label"] for p in body["data"]["node"]["series"]["points"]] == ["2025-Q1"]
    owner = await graphql(client, SERIES, {"id": c}, staff_c)
    assert [p["label"] for p in owner["data"]["node"]["series"]["points"]] == [
        "2025-Q1",
        "2025-Q2",
    ]


# -- the release path, called directly as the API role -------------------------------------


async def as_api(connection, statement: Any, params: dict[str, Any], **settings: str) -> list[Any]:
    """A statement as the API role under these viewer settings (the others empty)."""
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        for name in SETTINGS:
            await connection.execute(
                text("SELECT set_config(:k, :v, true)"),
                {"k": f"tablero.{name}", "v": settings.get(name, "")},
            )
        async with connection.begin_nested():  # a refusal rolls back to here
            return list(await connection.execute(statement, params))
    finally:
        await connection.exec_driver_sql("RESET ROLE")
        for name in SETTINGS:
            await connection.execute(
                text("SELECT set_config(:k, '', true)"), {"k": f"tablero.{name}"}
            )


def uuids(*values: Any) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


async def test_the_cells_answer_nothing_to_forged_settings_of_another_collaborative(
    connection, session, fixture
) -> None:
    other = await make_collaborative(session)
    other_partner = await make_partner(session, other, name="Elsewhere")
    await session.flush()
    x = fixture.collaborative.id
    forged = [
        {},
        {"member_of": uuids(other.id)},
        {"partner_ids": uuids(other_partner.id)},
        {"partner_ids": uuids(other_partner.id), "steward_of": uuids(other_partner.id)},
        {"backbone_of": uuids(x)},  # backbone without membership: not a reader by itself
        {"steward_of": uuids(fixture.measures["A"].partner_id)},
        {"account_id": str(fixture.measures["A"].id)},
        {"member_of": uuids(other.id), "backbone_of": uuids(x), "steward_of": uuids(x)},
    ]
    params = {"id": fixture.shared.id}
    for settings in forged:
        assert await as_api(connection, CELLS, params, **settings) == [], settings
        releases = text("SELECT * FROM release WHERE collaborative_id = :id")
        assert await as_api(connection, releases, {"id": x}, **settings) == [], settings
    assert await as_api(connection, CELLS, params, member_of=uuids(x)) != []


async def test_a_proposed_shared_measures_cells_stay_among_members(
    connection, session, fixture
) -> None:
    """Stored cells follow the shared measure's own rule (migration 0012,
    policy.shared_measure_visible): a proposal's are hidden from funders."""
    fund = await make_partner(session, fixture.collaborative, name="Fund 2", kind="funder")
    await session.flush()
    funder, member = {"partner_ids": uuids(fund.id)}, {"member_of": uuids(fixture.collaborative.id)}
    params = {"id": fixture.shared.id}
    assert await as_api(connection, CELLS, params, **funder) != []
    fixture.shared.status = SharedMeasureStatus.PROPOSED
    session.add(fixture.shared)
    await session.flush()
    assert await as_api(connection, CELLS, params, **funder) == []
    assert await as_api(connection, CELLS, params, **member) != []


async def test_the_cells_give_no_ids_and_no_figure_of_a_hidden_cell(connection, fixture) -> None:
    secret_ids = {str(fixture.measures[k].id) for k in "ABCD"} | {
        str(fixture.measures[k].partner_id) for k in "ABCD"
    }
    rows = await as_api(
        connection, CELLS, {"id": fixture.shared.id}, member_of=uuids(fixture.collaborative.id)
    )
    assert len(rows) == 6  # Q1's total and four race cells, Q2's total: no per-partner rows
    assert not any(str(v) in secret_ids for r in rows for v in r), "an id leaked"
    for r in rows:
        if r.reason is not None:
            assert (r.value, r.partners, r.n, r.unstable) == (None, None, None, False), r


@pytest.mark.parametrize(
    "acting_as",
    [
        {},
        {"member_of": "X"},  # a resident
        {"member_of": "X", "partner_ids": "A", "steward_of": "A"},  # a partner's steward
        {"backbone_of": "Y"},  # the backbone of another collaborative
    ],
)
async def test_only_the_backbone_releases_a_period(connection, session, fixture, acting_as) -> None:
    other = await make_collaborative(session)
    await session.flush()
    names = {"X": fixture.collaborative.id, "Y": other.id, "A": fixture.measures["A"].partner_id}
    forged = {k: uuids(names[v]) for k, v in acting_as.items()}
    call = text("SELECT tablero_release_period(:c, 'quarter', :p, '')")
    with pytest.raises(DBAPIError, match="only the backbone releases"):
        await as_api(connection, call, {"c": fixture.collaborative.id, "p": Q1}, **forged)
    backbone = {"backbone_of": uuids(fixture.collaborative.id)}
    (row,) = await as_api(connection, call, {"c": fixture.collaborative.id, "p": Q1}, **backbone)
    assert row[0] is not None


async def test_the_api_role_cannot_call_the_functions_behind_the_releases(connection) -> None:
    """Deciding cells is the owner's: the API role may release (as the backbone) and trigger
    due releases, and call nothing that computes or reads partners' values."""
    functions = (
        await connection.execute(
            text(
                "SELECT p.proname, has_function_privilege('tablero_api', p.oid, 'EXECUTE')"
                " FROM pg_proc p WHERE p.proname LIKE 'tablero\\_release%'"
                " OR p.proname LIKE 'tablero\\_cells\\_%'"
                " OR p.proname LIKE 'tablero\\_aggregate\\_%'"
            )
        )
    ).all()
    assert dict(functions) == {
        "tablero_release_period": True,
        "tablero_release_due": True,
        "tablero_aggregate_readers_of": True,
        "tablero_release": False,
        "tablero_release_measure": False,
        "tablero_release_exposed": False,
        "tablero_release_unsafe": False,
        "tablero_release_singles_out": False,
        "tablero_release_disclosed": False,
        "tablero_cells_determined": False,
    }


async def test_a_lone_partners_private_rate_is_never_shown_to_a_member(
    client, session, settings: Settings
) -> None:
    """One partner's private rate (500 of 1000): neither value nor n nor partners shows."""
    collaborative = await make_collaborative(session)
    shared = await make_shared_measure(
        session, collaborative, unit=Unit.PERCENT, aggregation=Aggregation.RATE
    )
    partner = await make_partner(session, collaborative)
    m = await make_measure(
        session,
        partner,
        unit=Unit.PERCENT,
        visibility=Visibility.PRIVATE,
        shared_measure_id=shared.id,
    )
    session.add(observation(m, Q1, 500, 1000))
    await release_period(session, collaborative.id, Q1)
    resident = bearer(settings, await make_member(session, collaborative, Role.RESIDENT))
    body = await graphql(
        client, AGGREGATE, {"of": to_global_id("SharedMeasure", shared.id)}, resident
    )
    (cell,) = body["data"]["aggregate"]["cells"]
    assert (cell["value"], cell["n"], cell["partners"], cell["reason"]) == (
        None,
        None,
        None,
        "TOO_FEW_PARTNERS",
    )


async def test_a_small_count_stays_hidden_whatever_n_the_partners_report(
    client, session, settings: Settings
) -> None:
    collaborative = await make_collaborative(session)
    shared = await make_shared_measure(session, collaborative)  # count, sum
    for name in ("P1", "P2", "P3"):
        m = await make_measure(
            session,
            await make_partner(session, collaborative, name=name),
            shared_measure_id=shared.id,
        )
        row = count_row(m, Q1, 3)
        row.n = 0
        session.add(row)
    await release_period(session, collaborative.id, Q1)
    resident = bearer(settings, await make_member(session, collaborative, Role.RESIDENT))
    body = await graphql(
        client, AGGREGATE, {"of": to_global_id("SharedMeasure", shared.id)}, resident
    )
    (cell,) = body["data"]["aggregate"]["cells"]
    assert (cell["value"], cell["reason"]) == (None, "SMALL_CELL"), cell


# -- indicators kept among members -----------------------------------------------------------

INDICATOR_PATHS = {
    "aggregate": """query($of: ID!) { aggregate(of: $of) { cells { value } } }""",
    "disparities": """query($of: ID!) { disparities(of: $of, by: "race_ethnicity") {
        groups { value } } }""",
}


@pytest.mark.parametrize("kept", ["members-only", "proposed"])
async def test_an_indicator_kept_among_members_answers_others_as_if_absent(
    client, session, settings: Settings, kept: str
) -> None:
    from services.indicators.models import IndicatorStatus
    from services.partners.models import ProfileVisibility
    from tests.measurement_factories import make_indicator, make_result, quarterly_row

    collaborative = await make_collaborative(session)
    race = await make_dimension(session, collaborative, "race_ethnicity", {"a": "A", "b": "B"})
    kept_by = (
        {"visibility": ProfileVisibility.COLLABORATIVE}
        if kept == "members-only"
        else {"status": IndicatorStatus.PROPOSED}
    )
    indicator = await make_indicator(
        session,
        await make_result(session, collaborative),
        granularity=Granularity.QUARTER,
        dimensions=(race,),
        **kept_by,
    )
    session.add_all(
        quarterly_row(indicator, Q1, cell, value=50.0, numerator=n / 2, denominator=n, n=n)
        for cell, n in (({}, 400), ({"race_ethnicity": "a"}, 200), ({"race_ethnicity": "b"}, 200))
    )
    await session.flush()
    member = bearer(settings, await make_member(session, collaborative, Role.RESIDENT))
    outsider = bearer(
        settings, await make_member(session, await make_collaborative(session), Role.RESIDENT)
    )
    funder_org = await make_partner(session, collaborative, name="Fund", kind="funder")
    funder = bearer(settings, await make_member(session, collaborative, Role.FUNDER, funder_org))
    of = to_global_id("Indicator", indicator.id)
    absent = to_global_id("Indicator", collaborative.id)
    for name, query in INDICATOR_PATHS.items():
        body = await graphql(client, query, {"of": of}, member)
        assert body["data"][name] is not None, body  # members read it
        for headers in ({}, outsider, funder):
            hidden = await graphql(client, query, {"of": of}, headers)
            missing = await graphql(client, query, {"of": absent}, headers)
            assert hidden["data"] == {name: None}
            assert hidden["errors"][0]["message"] == missing["errors"][0]["message"]
            assert NOT_FOUND in hidden["errors"][0]["message"]
    for headers in ({}, outsider, funder):
        series = await graphql(client, SERIES, {"id": of}, headers)
        assert series["data"]["node"] is None
        csv = await client.get("/export/aggregate.csv", params={"of": of}, headers=headers)
        assert csv.status_code == (401 if not headers else 404)
