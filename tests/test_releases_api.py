"""Releases through the API: the backbone publishes closed periods, revisions say what
changed without singling anyone out, and a period is locked between releases.

The shared measure and its hand-computed table are in tests/aggregate_fixture.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.releases.models import Release
from services.viewer import Role
from tests.aggregate_fixture import AGGREGATE, Q1, Fixture, build_fixture, observation
from tests.factories import (
    bearer,
    graphql,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)
from tests.measurement_factories import make_measure

RELEASE = """mutation($input: ReleasePeriodInput!) { releasePeriod(input: $input) {
  release { id number revises period { label } automatic note summary
    cellsShown cellsHidden cellsWithheld cellsChanged cellsNewlyShown }
  userErrors { field code message } } }"""

RELEASES = """query($slug: String!) { collaborative(slug: $slug) {
  releaseAfterDays
  releases(first: 10) { nodes { number period { label } automatic summary } }
  reportingPeriods(first: 10) { nodes { period { label } deadline
    latestRelease { number } } } } }"""


@dataclass
class Table:
    fixture: Fixture
    backbone: dict[str, str]

    def input(self, start: date = Q1, **extra: Any) -> dict[str, Any]:
        collaborative = to_global_id("Collaborative", self.fixture.collaborative.id)
        return {
            "input": {
                "collaborativeId": collaborative,
                "granularity": "QUARTER",
                "periodStart": str(start),
                **extra,
            }
        }


@pytest.fixture
async def table(session, settings: Settings) -> Table:
    fixture = await build_fixture(session, settings)
    org = await make_partner(session, fixture.collaborative, name="Backbone", kind="backbone")
    backbone = await make_member(session, fixture.collaborative, Role.BACKBONE, org)
    return Table(fixture, bearer(settings, backbone))


async def release(client, table: Table, start: date = Q1, **extra: Any) -> dict[str, Any]:
    body = await graphql(client, RELEASE, table.input(start, **extra), table.backbone)
    payload = body["data"]["releasePeriod"]
    assert payload["userErrors"] == [], payload
    return payload["release"]


async def total(client, table: Table, viewer: str = "funder", **variables: Any) -> dict:
    body = await graphql(
        client, AGGREGATE, {"of": table.fixture.of, **variables}, table.fixture.viewers[viewer]
    )
    assert "errors" not in body, body
    return {c["period"]["label"]: c for c in body["data"]["aggregate"]["cells"]}


async def test_the_backbone_releases_a_closed_quarter_and_every_reader_gets_it(
    client, table
) -> None:
    assert (await total(client, table))["2025-Q1"]["reason"] == "NOT_RELEASED"
    released = await release(client, table, note="First look at the year.")
    assert (released["number"], released["revises"], released["automatic"]) == (1, None, False)
    assert released["period"]["label"] == "2025-Q1"
    assert (released["cellsShown"], released["cellsHidden"]) == (3, 2)
    assert released["summary"].startswith("Release 1 of 2025-Q1, published ")
    assert released["summary"].endswith("3 cells shown, 2 cells hidden. First look at the year.")
    for viewer in ("funder", "resident", "staff of A"):
        cells = await total(client, table, viewer)
        assert cells["2025-Q1"]["value"] == pytest.approx(100 * 120 / 370)
        assert cells["2025-Q1"]["release"] == {"number": 1, "revises": None}
        assert cells["2025-Q2"]["reason"] == "NOT_RELEASED"


@pytest.mark.parametrize("viewer", ["funder", "resident", "staff of A", "admin", "outsider"])
async def test_only_the_backbone_releases_a_period(client, session, table, viewer) -> None:
    body = await graphql(client, RELEASE, table.input(), table.fixture.viewers[viewer])
    payload = body["data"]["releasePeriod"]
    assert payload["release"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["collaborativeId"], "FORBIDDEN")
    ]
    assert await _releases(session, table) == 0


async def test_a_partners_system_cannot_release_with_its_api_key(client, session, table) -> None:
    partner = await make_partner(session, table.fixture.collaborative, name="Systems")
    key = await make_api_key(session, partner)
    body = await graphql(client, RELEASE, table.input(), {"X-Api-Key": key})
    assert body["data"]["releasePeriod"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert await _releases(session, table) == 0


async def test_the_backbone_of_another_collaborative_cannot_release_this_one(
    client, session, settings, table
) -> None:
    other = await make_collaborative(session)
    org = await make_partner(session, other, name="Other backbone", kind="backbone")
    stranger = bearer(settings, await make_member(session, other, Role.BACKBONE, org))
    body = await graphql(client, RELEASE, table.input(), stranger)
    assert body["data"]["releasePeriod"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert await _releases(session, table) == 0


async def _releases(session, table: Table) -> int:
    found = await session.exec(
        text("SELECT count(*) FROM release WHERE collaborative_id = :c"),
        params={"c": table.fixture.collaborative.id},
    )
    return found.scalar_one()


@pytest.mark.parametrize(
    ("start", "extra", "field", "code"),
    [
        (date(2025, 2, 1), {}, "periodStart", "INVALID"),  # not the first day of a quarter
        (None, {}, "periodStart", "OUT_OF_RANGE"),  # the current quarter has not ended
        (Q1, {"note": "x" * 2001}, "note", "TOO_LONG"),
    ],
)
async def test_a_wrong_release_names_its_field_and_writes_nothing(
    client, session, table, start, extra, field, code
) -> None:
    today = datetime.now(UTC).date()
    start = start or date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    body = await graphql(client, RELEASE, table.input(start, **extra), table.backbone)
    errors = body["data"]["releasePeriod"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [([field], code)]
    assert await _releases(session, table) == 0


async def test_a_released_period_is_locked_until_a_revision_publishes_the_change(
    client, session, table
) -> None:
    first = await release(client, table)
    await _backdate(session, table, days=2)  # as if released the day before yesterday
    before = (await total(client, table))["2025-Q1"]
    # a partner corrects its Q1 total: accepted and kept, but readers see release 1
    corrected = observation(table.fixture.measures["A"], Q1, 45, 110)
    await _correct(session, table, "A", corrected)
    assert (await total(client, table))["2025-Q1"] == before
    second = await release(client, table, note="Partner A corrected its count.")
    assert (second["number"], second["revises"]) == (2, 1)
    after = (await total(client, table))["2025-Q1"]
    assert after["release"]["number"] == 2
    # one partner's change alone: total minus total would be A's correction, so withheld
    assert after["reason"] == "REVISION"
    assert "earlier release" in after["explanation"]
    assert second["cellsWithheld"] >= 1
    assert "withheld so that the change cannot single out a partner" in second["summary"]
    # the earlier release is still there to read, by date or by id
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (await total(client, table, asOf=yesterday))["2025-Q1"] == before
    earlier = await graphql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Release { number } } }",
        {"id": first["id"]},
        table.fixture.viewers["funder"],
    )
    assert earlier["data"]["node"] == {"number": 1}


async def _backdate(session, table: Table, days: int) -> None:
    await session.exec(
        text(
            "UPDATE release SET released_at = released_at - make_interval(days => :days)"
            " WHERE collaborative_id = :c"
        ),
        params={"c": table.fixture.collaborative.id, "days": days},
    )


async def _correct(session, table: Table, key: str, corrected: Any) -> None:
    from sqlmodel import select

    from services.observations.models import Observation

    measure = table.fixture.measures[key]
    old = (
        await session.exec(
            select(Observation).where(
                Observation.measure_id == measure.id,
                Observation.period_start == corrected.period_start,
                Observation.breakdown_key == corrected.breakdown_key,
                Observation.is_current,
            )
        )
    ).one()
    old.is_current = False
    session.add(old)
    await session.flush()
    corrected.revision, corrected.previous_id = old.revision + 1, old.id
    session.add(corrected)
    await session.flush()


async def test_a_late_value_or_a_withdrawal_cannot_be_found_by_differencing_releases(
    client, session, table
) -> None:
    """A funder reads a quarter twice; between the two, one partner reports late and another
    withdraws consent. Neither answer alone, nor both together, gives away either partner."""
    await release(client, table)
    first = (await total(client, table))["2025-Q1"]
    assert first["partners"] == 3
    late = await make_measure(
        session,
        await make_partner(session, table.fixture.collaborative, name="Late"),
        unit=table.fixture.shared.unit,
        shared_measure_id=table.fixture.shared.id,
    )
    session.add(observation(late, Q1, 20, 90))
    await session.flush()
    await release(client, table)
    after_late = (await total(client, table))["2025-Q1"]
    assert (after_late["value"], after_late["reason"]) == (None, "REVISION")
    table.fixture.measures["C"].share_in_aggregates = False
    session.add(table.fixture.measures["C"])
    await session.flush()
    await release(client, table)
    after_withdrawal = (await total(client, table))["2025-Q1"]
    assert (after_withdrawal["value"], after_withdrawal["reason"]) == (None, "REVISION")
    # every release of the quarter, as a funder may read it: only the first shows the total
    listed = await graphql(
        client,
        RELEASES,
        {"slug": table.fixture.collaborative.slug},
        table.fixture.viewers["funder"],
    )
    numbers = [r["number"] for r in listed["data"]["collaborative"]["releases"]["nodes"]]
    assert numbers == [3, 2, 1]


async def test_releasing_does_not_show_the_backbone_private_values_in_its_audit_trail(
    client, session, settings, table
) -> None:
    await release(client, table)
    trail = """query($slug: String!) { collaborative(slug: $slug) {
      auditTrail(first: 100) { nodes { table after } } } }"""
    body = await graphql(client, trail, {"slug": table.fixture.collaborative.slug}, table.backbone)
    rows = body["data"]["collaborative"]["auditTrail"]["nodes"]
    tables = {r["table"] for r in rows}
    assert "release" in tables  # the backbone sees its own release
    assert not tables & {"release_share", "observation"}, tables


async def test_periods_are_released_on_their_reporting_deadline(client, session, table) -> None:
    update = """mutation($input: UpdateCollaborativeInput!) { updateCollaborative(input: $input) {
      collaborative { releaseAfterDays } userErrors { field code } } }"""
    collaborative = to_global_id("Collaborative", table.fixture.collaborative.id)
    for days, code in ((-1, "OUT_OF_RANGE"), (367, "OUT_OF_RANGE")):
        body = await graphql(
            client,
            update,
            {"input": {"id": collaborative, "releaseAfterDays": days}},
            table.backbone,
        )
        errors = body["data"]["updateCollaborative"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(["releaseAfterDays"], code)]
    refused = await graphql(
        client,
        update,
        {"input": {"id": collaborative, "releaseAfterDays": 30}},
        table.fixture.viewers["resident"],
    )
    assert refused["data"]["updateCollaborative"]["userErrors"][0]["code"] == "FORBIDDEN"
    body = await graphql(
        client, update, {"input": {"id": collaborative, "releaseAfterDays": 30}}, table.backbone
    )
    assert body["data"]["updateCollaborative"]["collaborative"] == {"releaseAfterDays": 30}
    other = await build_fixture(session, Settings(_env_file=None))  # type: ignore[call-arg]
    released = (await session.exec(text("SELECT tablero_release_due()"))).scalar_one()
    assert released >= 2  # 2025-Q1 and 2025-Q2 of this table, long past their deadline
    listed = await graphql(
        client,
        RELEASES,
        {"slug": table.fixture.collaborative.slug},
        table.fixture.viewers["funder"],
    )
    data = listed["data"]["collaborative"]
    assert data["releaseAfterDays"] == 30
    assert {
        (r["period"]["label"], r["number"], r["automatic"]) for r in data["releases"]["nodes"]
    } == {("2025-Q1", 1, True), ("2025-Q2", 1, True)}
    assert "on its reporting deadline" in data["releases"]["nodes"][0]["summary"]
    periods = {p["period"]["label"]: p for p in data["reportingPeriods"]["nodes"]}
    assert periods["2025-Q1"]["deadline"] == "2025-04-30"
    assert periods["2025-Q1"]["latestRelease"] == {"number": 1}
    # a table that releases by hand is left alone, and asking again releases nothing twice
    assert await _releases(session, Table(other, {})) == 0
    assert (await session.exec(text("SELECT tablero_release_due()"))).scalar_one() == 0


async def test_others_see_no_release_nor_reporting_period(client, table) -> None:
    released = await release(client, table)
    for viewer in ("anonymous", "outsider", "admin"):
        body = await graphql(
            client,
            RELEASES,
            {"slug": table.fixture.collaborative.slug},
            table.fixture.viewers[viewer],
        )
        data = body["data"]["collaborative"]
        assert data["releases"]["nodes"] == []
        assert data["reportingPeriods"]["nodes"] == []
        node = await graphql(
            client,
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": released["id"]},
            table.fixture.viewers[viewer],
        )
        assert node["data"]["node"] is None


async def test_partners_see_their_reporting_deadline_with_their_completeness(
    client, session, table
) -> None:
    table.fixture.collaborative.release_after_days = 45
    session.add(table.fixture.collaborative)
    await session.flush()
    query = """query($slug: String!) { accountability(slug: $slug, asOf: "2025-05-10") {
      partners { partner { name } reporting { measures { period { label } reported deadline }
      } } } }"""
    body = await graphql(
        client,
        query,
        {"slug": table.fixture.collaborative.slug},
        table.fixture.viewers["staff of A"],
    )
    rows = {p["partner"]["name"]: p for p in body["data"]["accountability"]["partners"]}
    (measure,) = rows["A"]["reporting"]["measures"]
    assert measure == {"period": {"label": "2025-Q1"}, "reported": True, "deadline": "2025-05-15"}


async def test_the_api_role_cannot_write_release_cells_itself(connection, table) -> None:
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        with pytest.raises(DBAPIError, match="permission denied"):
            async with connection.begin_nested():
                await connection.execute(
                    text(
                        "INSERT INTO release_cell (collaborative_id, release_id, "
                        "shared_measure_id, breakdown_key, period_start, breakdown, dimensions, "
                        "value, unstable) VALUES (:c, gen_random_uuid(), :s, '', :p, '{}', '',"
                        " 1, false)"
                    ),
                    {"c": table.fixture.collaborative.id, "s": table.fixture.shared.id, "p": Q1},
                )
    finally:
        await connection.exec_driver_sql("RESET ROLE")
    assert Release  # the table the API role reads but never writes
