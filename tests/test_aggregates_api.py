"""Aggregates through the API: hand-computed answers, suppression, and who may ask.

The fixture and its hand-computed table are in tests/aggregate_fixture.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.observations.models import Observation
from services.periods import Granularity
from tests.aggregate_fixture import AGGREGATE, Q1, Q2, RACES, Fixture, build_fixture, release
from tests.factories import graphql
from tests.measurement_factories import make_dimension, make_indicator, make_result


@pytest.fixture
async def fixture(session, settings: Settings) -> Fixture:
    built = await build_fixture(session, settings)
    await release(session, built)
    return built


async def ask(client, f: Fixture, viewer: str = "funder", **variables: Any) -> dict[str, Any]:
    body = await graphql(client, AGGREGATE, {"of": f.of, **variables}, f.viewers[viewer])
    assert "errors" not in body, body
    return body["data"]["aggregate"]


def cell_of(result: dict[str, Any], label: str, category: str | None = None) -> dict[str, Any]:
    for cell in result["cells"]:
        categories = [b["category"] for b in cell["breakdown"]]
        if cell["period"]["label"] == label and categories == ([category] if category else []):
            return cell
    raise AssertionError(f"no cell {label} {category}")


async def test_a_funder_sees_what_all_partners_achieved_by_quarter_and_race(
    client, fixture
) -> None:
    result = await ask(client, fixture, by=["race_ethnicity"])
    assert (result["aggregation"], result["unit"], result["by"]) == (
        "RATE",
        "PERCENT",
        ["race_ethnicity"],
    )
    assert result["rules"] == {"minPartners": 3, "minCell": 11, "maxDominanceShare": 0.8}
    asian = cell_of(result, "2025-Q1", "asian")
    assert asian["value"] == pytest.approx(100 * 37 / 115)
    assert (asian["partners"], asian["n"], asian["suppressed"]) == (3, 115, False)
    assert asian["breakdown"][0]["categoryLabel"] == "Asian"
    assert cell_of(result, "2025-Q1", "latino")["value"] == pytest.approx(100 * 50 / 137)
    white = cell_of(result, "2025-Q1", "white")
    assert (white["value"], white["n"], white["reason"]) == (None, None, "SMALL_CELL")
    assert "minimum cell size" in white["explanation"]
    # black (110 people) is the smallest cell left: hidden so white cannot be subtracted out
    black = cell_of(result, "2025-Q1", "black")
    assert (black["value"], black["reason"]) == (None, "COMPLEMENTARY")
    # Q2: two partners reported, one draft does not count; every cell is present, with why
    for category in RACES:
        assert cell_of(result, "2025-Q2", category)["reason"] == "NO_DATA"
    assert [c["period"]["label"] for c in result["cells"]] == ["2025-Q1"] * 4 + ["2025-Q2"] * 4


async def test_totals_by_quarter(client, fixture) -> None:
    result = await ask(client, fixture)
    q1, q2 = result["cells"]
    assert q1["value"] == pytest.approx(100 * 120 / 370)
    assert (q1["partners"], q1["n"], q1["unstable"]) == (3, 370, False)
    assert (q2["value"], q2["reason"]) == (None, "TOO_FEW_PARTNERS")


async def test_any_slice_answers_the_same_for_a_cell(client, fixture) -> None:
    whole = await ask(client, fixture, by=["race_ethnicity"])
    q1_only = await ask(
        client, fixture, by=["race_ethnicity"], **{"from": "2025-01-01"}, to="2025-01-01"
    )
    assert q1_only["cells"] == whole["cells"][:4]
    totals = await ask(client, fixture, **{"from": "2025-01-01"}, to="2025-03-01")
    assert totals["cells"][0]["reason"] is None  # the total stays shown whatever is asked


async def test_a_partner_that_declined_is_left_out_and_counts_once_a_revision_says_so(
    client, session, fixture
) -> None:
    before = cell_of(await ask(client, fixture), "2025-Q2")
    assert before["reason"] == "TOO_FEW_PARTNERS"
    fixture.measures["D"].share_in_aggregates = True
    session.add(fixture.measures["D"])
    await session.flush()
    # the released quarter is locked: the consent reaches readers only in a revision
    assert cell_of(await ask(client, fixture), "2025-Q2") == before
    await release(session, fixture, Q2)
    q2 = cell_of(await ask(client, fixture), "2025-Q2")
    assert q2["value"] == pytest.approx(100 * (35 + 45 + 30) / (100 + 120 + 80))
    assert (q2["partners"], q2["release"]["number"], q2["release"]["revises"]) == (3, 2, 1)


async def test_every_reader_of_the_collaborative_gets_the_same_cells(client, fixture) -> None:
    funder = await ask(client, fixture, "funder", by=["race_ethnicity"])
    for viewer in ("resident", "staff of A"):
        assert await ask(client, fixture, viewer, by=["race_ethnicity"]) == funder


async def test_what_any_reader_already_reads_never_singles_out_the_rest(
    client, session, settings: Settings
) -> None:
    # B is read by members and C by anyone: the total minus them would be A's private value
    # to a resident, and to A's own people, B's; so nobody gets Q1.
    built = await build_fixture(session, settings)
    for key, visibility in (("B", "collaborative"), ("C", "public")):
        built.measures[key].visibility = visibility
        session.add(built.measures[key])
    await session.flush()
    await release(session, built)
    for viewer in ("resident", "funder", "staff of A"):
        q1 = cell_of(await ask(client, built, viewer), "2025-Q1")
        assert (q1["value"], q1["reason"]) == (None, "SEEN_PARTS")
        assert "already read" in q1["explanation"]


async def test_a_period_not_released_says_so_to_everyone(client, session, settings) -> None:
    built = await build_fixture(session, settings)
    await release(session, built, Q1)
    for viewer in ("funder", "resident", "staff of A"):
        result = await ask(client, built, viewer, by=["race_ethnicity"])
        q2 = [c for c in result["cells"] if c["period"]["label"] == "2025-Q2"]
        assert [c["reason"] for c in q2] == ["NOT_RELEASED"] * 4
        assert {(c["value"], c["n"], c["partners"], c["release"]) for c in q2} == {
            (None, None, None, None)
        }
        assert "not been released" in q2[0]["explanation"]
    assert [r["number"] for r in result["releases"]] == [1]


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "admin"])
async def test_others_cannot_tell_a_hidden_aggregate_from_a_missing_one(
    client, fixture, viewer: str
) -> None:
    missing = to_global_id("SharedMeasure", fixture.measures["A"].id)  # right type, no such row
    answers = []
    for of in (fixture.of, missing):
        body = await graphql(client, AGGREGATE, {"of": of}, fixture.viewers[viewer])
        assert body["data"] == {"aggregate": None}
        answers.append([e["message"] for e in body["errors"]])
    assert answers[0] == answers[1] == [answers[0][0]]
    assert "no shared measure or indicator with this id" in answers[0][0]


async def test_an_unknown_dimension_is_named_in_the_error(client, fixture) -> None:
    body = await graphql(
        client,
        AGGREGATE,
        {"of": fixture.of, "by": ["race_ethnicity", "shoe_size"]},
        fixture.viewers["funder"],
    )
    assert "by.1" in body["errors"][0]["message"]
    assert "shoe_size" in body["errors"][0]["message"]


async def test_a_period_range_that_ends_before_it_starts_is_refused(client, fixture) -> None:
    body = await graphql(
        client,
        AGGREGATE,
        {"of": fixture.of, "from": "2025-04-01", "to": "2025-01-01"},
        fixture.viewers["funder"],
    )
    assert body["errors"][0]["message"] == "to: must not come before `from`"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("Race Ethnicity", "by.0: not a dimension key"),
        ("race\u0000", "by.0: text cannot contain the NUL character (U+0000)"),
    ],
)
async def test_a_malformed_dimension_key_is_refused_before_any_query(
    client, fixture, key, message
) -> None:
    body = await graphql(
        client, AGGREGATE, {"of": fixture.of, "by": [key]}, fixture.viewers["funder"]
    )
    assert body["errors"][0]["message"] == message


async def test_the_database_hands_cells_only_to_members_and_funders(connection, fixture) -> None:
    """The stored cells as the API role: nothing without the viewer's settings, nothing for
    another collaborative, and only publishable cells; what releases counted, never."""
    cells = text("SELECT * FROM release_cell WHERE shared_measure_id = :id")

    async def as_api(statement: Any, *settings_sql: str) -> list[Any]:
        await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
        try:
            for setting in settings_sql:
                await connection.exec_driver_sql(setting)
            return list(await connection.execute(statement, {"id": fixture.shared.id}))
        finally:
            await connection.exec_driver_sql("RESET ROLE")
            await connection.exec_driver_sql("RESET tablero.member_of")
            await connection.exec_driver_sql("RESET tablero.partner_ids")

    assert await as_api(cells) == []
    other = await make_collaborative_id(connection)
    assert await as_api(cells, f"SET LOCAL tablero.member_of = '{{{other}}}'") == []
    member = f"SET LOCAL tablero.member_of = '{{{fixture.collaborative.id}}}'"
    rows = await as_api(cells, member)
    # one row per cell: Q1's total and its four race cells, Q2's total; no draft, no D
    assert sorted((r.period_start, r.breakdown_key) for r in rows) == [
        (Q1, ""),
        *((Q1, f"race_ethnicity={race}") for race in ("asian", "black", "latino", "white")),
        (Q2, ""),
    ]
    for r in rows:
        if r.reason is not None:
            assert (r.value, r.partners, r.n, r.unstable) == (None, None, None, False), r
    partner = (  # a funder's partner grant reads them too
        await connection.execute(
            text("SELECT id FROM partner WHERE collaborative_id = :c AND kind = 'funder'"),
            {"c": fixture.collaborative.id},
        )
    ).scalar_one()
    assert len(await as_api(cells, f"SET LOCAL tablero.partner_ids = '{{{partner}}}'")) == 6
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        await connection.exec_driver_sql(member)
        with pytest.raises(DBAPIError, match="permission denied"):
            async with connection.begin_nested():
                await connection.execute(text("SELECT * FROM release_share"))
    finally:
        await connection.exec_driver_sql("RESET ROLE")


async def make_collaborative_id(connection) -> str:
    return str((await connection.execute(text("SELECT gen_random_uuid()"))).scalar_one())


async def test_the_api_role_cannot_read_private_rows_around_the_narrow_path(
    connection, fixture
) -> None:
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        await connection.exec_driver_sql(
            f"SET LOCAL tablero.member_of = '{{{fixture.collaborative.id}}}'"
        )
        private = await connection.execute(
            text("SELECT count(*) FROM observation WHERE measure_id = :id"),
            {"id": fixture.measures["A"].id},
        )
        assert private.scalar_one() == 0
    finally:
        await connection.exec_driver_sql("RESET ROLE")


async def test_an_indicator_aggregates_its_own_cells_with_the_cell_rules_only(
    client, session, settings: Settings, fixture
) -> None:
    result = await make_result(session, fixture.collaborative)
    race = await make_dimension(session, fixture.collaborative, "race_detail", {"x": "X"})
    indicator = await make_indicator(
        session, result, granularity=Granularity.QUARTER, dimensions=(race,)
    )
    rows = [
        Observation(
            collaborative_id=indicator.collaborative_id,
            indicator_id=indicator.id,
            granularity=Granularity.QUARTER,
            period_start=Q1,
            value=round(100 * a / b, 1),
            numerator=a,
            denominator=b,
            n=b,
            breakdown=cell,
            breakdown_key=";".join(f"{k}={v}" for k, v in cell.items()),
        )
        for cell, (a, b) in [({}, (40, 60)), ({"race_detail": "x"}, (5, 9))]
    ]
    session.add_all(rows)
    await session.flush()
    answer = await graphql(
        client,
        AGGREGATE,
        {"of": to_global_id("Indicator", indicator.id), "by": ["race_detail"]},
        fixture.viewers["anonymous"],
    )
    aggregate = answer["data"]["aggregate"]
    assert aggregate["partnerRules"] is False
    assert aggregate["indicator"]["name"] == indicator.name
    (x,) = aggregate["cells"]
    assert x["reason"] == "SMALL_CELL"  # 9 people; the total (60) is shown with no partners
    totals = await graphql(client, AGGREGATE, {"of": to_global_id("Indicator", indicator.id)}, {})
    (total,) = totals["data"]["aggregate"]["cells"]
    assert (total["value"], total["partners"]) == (pytest.approx(100 * 40 / 60), None)


async def test_an_aggregate_costs_the_same_statements_however_many_cells(
    client, fixture, count_statements
) -> None:
    with count_statements() as totals:
        await ask(client, fixture)
    with count_statements() as by_race:
        await ask(client, fixture, by=["race_ethnicity"])
    assert by_race.count <= totals.count + 1  # the grouping's dimension lookup
