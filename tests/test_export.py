"""GET /export/aggregate.csv: the aggregate as a spreadsheet, for exactly who may read it.

The fixture and its hand-computed table are in tests/aggregate_fixture.py.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest

from api.export import number, rows_of
from api.settings import Settings
from schema.relay import to_global_id
from services.analytics.aggregates import Aggregate
from services.analytics.suppression import Cell, Reason, Rules
from services.dimensions.models import Dimension, DimensionCategory
from services.measures.models import Aggregation, SharedMeasure
from services.measures.units import Direction, Unit
from services.observations.models import Observation
from services.partners.models import Partner
from services.periods import Granularity
from tests.aggregate_fixture import AGGREGATE, Q1, RACES, Fixture, build_fixture, release
from tests.factories import graphql, make_api_key
from tests.measurement_factories import make_dimension, make_indicator, make_result

EXPORT = "/export/aggregate.csv"
HEADER = ["period_start", "period", "value", "partners", "n", "status", "reason"]
HEADER += ["explanation", "unstable", "release", "released_at"]
Q1S = Q1.isoformat()


@pytest.fixture
async def fixture(session, settings: Settings) -> Fixture:
    built = await build_fixture(session, settings)
    await release(session, built)
    return built


async def export(
    client: httpx.AsyncClient, f: Fixture, viewer: str = "funder", **params: Any
) -> httpx.Response:
    query = {"of": f.of, **params}
    return await client.get(EXPORT, params=query, headers=f.viewers[viewer])


def table(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.text.startswith("\ufeff")  # so that Excel reads the labels as UTF-8
    return list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))


def row_of(rows: list[dict[str, str]], period: str, category: str | None = None) -> dict[str, str]:
    (row,) = [
        r
        for r in rows
        if r["period"] == period and r.get("race_ethnicity") == category  # None for totals
    ]
    return row


async def test_a_funder_downloads_the_hand_computed_aggregate_by_quarter_and_race(
    client, fixture
) -> None:
    # when
    response = await export(client, fixture, by="race_ethnicity")
    rows = table(response)
    # then
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="children-screened-on-time-aggregate.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert list(rows[0]) == [*HEADER[:2], "race_ethnicity", "race_ethnicity_label", *HEADER[2:]]
    asian = row_of(rows, "2025-Q1", "asian")
    assert asian == {
        "period_start": "2025-01-01",
        "period": "2025-Q1",
        "race_ethnicity": "asian",
        "race_ethnicity_label": "Asian",
        "value": repr(100 * 37 / 115),
        "partners": "3",
        "n": "115",
        "status": "shown",
        "reason": "",
        "explanation": "",
        "unstable": "false",
        "release": "1",
        "released_at": asian["released_at"],
    }
    assert asian["released_at"].startswith("20")  # an ISO moment
    assert float(row_of(rows, "2025-Q1", "latino")["value"]) == 100 * 50 / 137
    white = row_of(rows, "2025-Q1", "white")
    assert (white["value"], white["status"], white["reason"]) == (
        "suppressed",
        "suppressed",
        "small_cell",
    )
    assert "minimum cell size" in white["explanation"]
    black = row_of(rows, "2025-Q1", "black")
    assert (black["value"], black["reason"]) == ("suppressed", "complementary")
    for category in RACES:
        q2 = row_of(rows, "2025-Q2", category)
        assert (q2["value"], q2["status"], q2["reason"]) == ("no data", "no_data", "no_data")
    assert [r["period"] for r in rows] == ["2025-Q1"] * 4 + ["2025-Q2"] * 4


async def test_totals_by_quarter_with_a_suppressed_quarter_that_says_why(client, fixture) -> None:
    rows = table(await export(client, fixture))
    q1, q2 = rows
    assert list(q1) == HEADER
    assert (q1["value"], q1["partners"], q1["n"]) == (repr(100 * 120 / 370), "3", "370")
    assert (q2["value"], q2["status"], q2["reason"]) == (
        "suppressed",
        "suppressed",
        "too_few_partners",
    )
    assert q2["explanation"] == "fewer partners contribute than the collaborative's minimum"
    assert (q2["partners"], q2["n"]) == ("", "")


async def test_a_period_not_released_says_so_in_every_row(client, session, settings) -> None:
    built = await build_fixture(session, settings)
    await release(session, built, Q1)
    rows = table(await export(client, built, by="race_ethnicity"))
    q2 = [r for r in rows if r["period"] == "2025-Q2"]
    assert {(r["value"], r["status"], r["reason"], r["release"]) for r in q2} == {
        ("not released", "not_released", "not_released", "")
    }


async def test_no_hidden_cell_is_ever_blank(client, fixture) -> None:
    rows = table(await export(client, fixture, by="race_ethnicity"))
    hidden = [r for r in rows if r["status"] != "shown"]
    assert len(hidden) == 6
    for row in hidden:
        assert row["value"] in ("suppressed", "no data")
        assert row["reason"]
        assert row["explanation"]


async def test_a_period_range_slices_the_same_cells(client, fixture) -> None:
    whole = table(await export(client, fixture, by="race_ethnicity"))
    q1 = table(await export(client, fixture, by="race_ethnicity", **{"from": Q1S}))
    q2 = table(await export(client, fixture, by="race_ethnicity", to="2025-03-31"))
    assert q1 == whole
    assert q2 == whole[:4]


async def test_the_csv_is_the_graphql_aggregate_cell_by_cell(client, fixture) -> None:
    for by, period in [([], {}), (["race_ethnicity"], {}), (["race_ethnicity"], {"to": Q1S})]:
        # given
        variables: dict[str, Any] = {"of": fixture.of, "by": by, **period}
        body = await graphql(client, AGGREGATE, variables, fixture.viewers["funder"])
        cells = body["data"]["aggregate"]["cells"]
        # when
        rows = table(await export(client, fixture, by=by, **period))
        # then
        assert len(rows) == len(cells)
        for row, cell in zip(rows, cells, strict=True):
            assert row["period"] == cell["period"]["label"]
            assert row["period_start"] == cell["period"]["start"]
            for item in cell["breakdown"]:
                assert row[item["dimension"]] == item["category"]
                assert row[f"{item['dimension']}_label"] == item["categoryLabel"]
            if cell["suppressed"]:
                assert row["value"] in ("suppressed", "no data")
                assert row["reason"].upper() == cell["reason"]
                assert row["explanation"] == cell["explanation"]
            else:
                assert float(row["value"]) == cell["value"]
                assert (row["reason"], row["explanation"]) == ("", "")
            assert row["partners"] == ("" if cell["partners"] is None else str(cell["partners"]))
            assert (float(row["n"]) if row["n"] else None) == cell["n"]
            assert row["unstable"] == str(cell["unstable"]).lower()


async def test_a_partner_system_exports_with_its_api_key(client, session, fixture) -> None:
    partner = await session.get(
        Partner, (fixture.collaborative.id, fixture.measures["B"].partner_id)
    )
    key = await make_api_key(session, partner)
    response = await client.get(EXPORT, params={"of": fixture.of}, headers={"X-Api-Key": key})
    assert len(table(response)) == 2


async def test_an_indicator_exports_its_own_cells_without_partner_counts(
    client, session, fixture
) -> None:
    # given: one source's population data, so the partner rules do not apply
    result = await make_result(session, fixture.collaborative)
    indicator = await make_indicator(session, result, granularity=Granularity.QUARTER)
    session.add(
        Observation(
            collaborative_id=indicator.collaborative_id,
            indicator_id=indicator.id,
            granularity=Granularity.QUARTER,
            period_start=Q1,
            value=40.0,
            numerator=24,
            denominator=60,
            n=60,
            breakdown={},
            breakdown_key="",
        )
    )
    await session.flush()
    # when
    response = await client.get(
        EXPORT,
        params={"of": to_global_id("Indicator", indicator.id)},
        headers=fixture.viewers["resident"],
    )
    # then
    (row,) = table(response)
    assert (row["value"], row["partners"], row["n"], row["status"]) == ("40", "", "60", "shown")


async def test_an_anonymous_request_is_refused_like_graphql_refuses_credentials(
    client, fixture
) -> None:
    response = await export(client, fixture, "anonymous")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="tablero"'
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "bearer token or an API key" in error["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-Api-Key": "tbk_unknown"},
    ],
)
async def test_bad_credentials_get_the_same_401_as_graphql(
    client, fixture, headers: dict[str, str]
) -> None:
    exported = await client.get(EXPORT, params={"of": fixture.of}, headers=headers)
    asked = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert exported.status_code == asked.status_code == 401
    assert exported.json() == asked.json()
    assert exported.headers["www-authenticate"] == asked.headers["www-authenticate"]


@pytest.mark.parametrize("viewer", ["outsider", "admin"])
async def test_others_cannot_tell_a_hidden_aggregate_from_a_missing_one(
    client, fixture, viewer: str
) -> None:
    missing = to_global_id("SharedMeasure", uuid4())
    answers = []
    for of in (fixture.of, missing, "not-an-id"):
        response = await client.get(
            EXPORT, params={"of": of, "by": "race_ethnicity"}, headers=fixture.viewers[viewer]
        )
        assert response.status_code == 404
        answers.append(response.json())
    assert answers[0] == answers[1] == answers[2]
    assert answers[0] == {
        "errors": [
            {
                "message": "of: no shared measure or indicator with this id",
                "extensions": {"code": "NOT_FOUND"},
            }
        ]
    }


async def test_an_unknown_dimension_is_a_bad_request_naming_by(client, fixture) -> None:
    response = await export(client, fixture, by=["race_ethnicity", "shoe_size"])
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"] == "by.1: no dimension with the key 'shoe_size'"
    assert error["extensions"] == {
        "code": "BAD_REQUEST",
        "field": ["by", "1"],
        "reason": "not_found",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-01-01", "to": "1/4/2025"}, "to"),
        ({"by": "race\x00"}, "by.0"),
        ({"from": "2025-04-01", "to": "2025-01-01"}, "to"),
        ({"form": "2025-01-01"}, "form"),
        ({"of": ["a", "b"]}, "of"),
    ],
)
async def test_bad_input_is_a_bad_request_naming_the_parameter(
    client, fixture, params: dict[str, Any], field: str
) -> None:
    response = await export(client, fixture, **params)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"].startswith(f"{field}: ")
    assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_a_missing_subject_is_a_bad_request_naming_of(client, fixture) -> None:
    response = await client.get(EXPORT, headers=fixture.viewers["funder"])
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["field"] == ["of"]


async def test_labels_cannot_smuggle_formulas_into_a_spreadsheet(client, session, fixture) -> None:
    # given: category labels are the community's own words, and can be anything
    labels = {
        "east": '=HYPERLINK("http://evil.example","Eastside")',
        "west": "+1+1",
        "north": "@SUM(A1:A9)",
        "south": "-2+3",
        "river": "Riverbend",
    }
    await make_dimension(session, fixture.collaborative, "neighborhood", labels)
    # when
    rows = table(await export(client, fixture, by="neighborhood", to=Q1S))
    # then
    written = {r["neighborhood"]: r["neighborhood_label"] for r in rows}
    assert written == {k: v if k == "river" else "'" + v for k, v in labels.items()}


def test_rows_of_keeps_numbers_whole_and_headers_unique() -> None:
    """Pure: a dimension keyed like a fixed column gets a prefix; numbers stay numbers."""
    shared = SharedMeasure(
        collaborative_id=uuid4(),
        name="Net change in families housed",
        unit=Unit.COUNT,
        direction=Direction.HIGHER_IS_BETTER,
        aggregation=Aggregation.SUM,
        granularity=Granularity.SCHOOL_YEAR,
    )
    dimension = Dimension(collaborative_id=shared.collaborative_id, key="value", name="Value")
    categories = [
        DimensionCategory(
            collaborative_id=shared.collaborative_id,
            dimension_id=dimension.id,
            key=key,
            label=key.title(),
        )
        for key in ("low", "high")
    ]
    start = date(2024, 8, 1)
    cells = [
        Cell(start, (("value", "low"),), -12.0, 3, 40.0, None, unstable=False),
        Cell(start, (("value", "high"),), 0.1 + 0.2, 4, 41.5, None, unstable=True),
    ]
    aggregate = Aggregate(
        subject=shared,
        aggregation=Aggregation.SUM,
        rules=Rules(),
        by=((dimension, categories),),
        cells=cells,
    )
    header, low, high = rows_of(aggregate, {("value", "low"): ("Value", "Low")})
    assert header == [*HEADER[:2], "by_value", "value_label", *HEADER[2:]]
    assert low == [
        "2024-08-01",
        "2024-25",
        "low",
        "Low",
        "-12",
        "3",
        "40",
        "shown",
        "",
        "",
        "false",
        "",
        "",
    ]
    assert high[2:7] == ["high", "high", "0.30000000000000004", "4", "41.5"]  # label falls back
    assert high[-3] == "true"


def test_numbers_are_written_in_full() -> None:
    assert [number(x) for x in (370.0, -3.0, 100 * 120 / 370, 1e-7, 2.0**60)] == [
        "370",
        "-3",
        "32.432432432432435",
        "1e-07",
        "1.152921504606847e+18",
    ]


def test_reason_values_are_the_graphql_enum_in_lower_case() -> None:
    assert {r.value.upper() for r in Reason} == {r.name for r in Reason}


async def test_labels_speak_the_language_the_request_prefers(client, session, fixture) -> None:
    from sqlmodel import select

    from services.translations.models import Translation

    black = (
        await session.exec(
            select(DimensionCategory).where(
                DimensionCategory.collaborative_id == fixture.collaborative.id,
                DimensionCategory.key == "black",
            )
        )
    ).one()
    session.add(
        Translation(
            collaborative_id=fixture.collaborative.id,
            subject_kind="dimension_category",
            subject_id=black.id,
            field="label",
            language="es",
            text="Negro/a",
        )
    )
    await session.flush()

    async def labels(language: str | None) -> set[str]:
        headers = {**fixture.viewers["funder"]}
        if language:
            headers["Accept-Language"] = language
        response = await client.get(
            EXPORT, params={"of": fixture.of, "by": ["race_ethnicity"]}, headers=headers
        )
        return {r["race_ethnicity_label"] for r in table(response) if r["race_ethnicity"]}

    assert "Negro/a" in await labels("es-MX, en;q=0.5")
    assert "Black" in await labels(None)
    assert "Black" in await labels("fr")  # not one of the table's languages: its default
