"""The audit trail: every change recorded by the database, append-only, read as owned."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.audit.models import UNAUDITED
from services.observations.models import Observation, ObservationStatus
from services.partners.models import PartnerKind
from services.periods import Granularity
from services.tables import metadata
from services.viewer import Role, Scope
from services.visibility import Visibility
from tests.factories import (
    bearer,
    graphql,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)
from tests.measurement_factories import make_measure

UPDATE = """mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
  userErrors { field code message } measure { name } } }"""
TRAIL = """query($slug: String!, $subject: ID) { collaborative(slug: $slug) {
  auditTrail(first: 50, subjectId: $subject) { nodes {
    operation table subjectId accountId apiKeyId requestId before after } } } }"""


@pytest.fixture
async def table(session, settings: Settings) -> dict[str, Any]:
    collaborative = await make_collaborative(session)
    outsider_home = await make_collaborative(session)
    casa = await make_partner(session, collaborative, name="Casa")
    food = await make_partner(session, collaborative, name="Food Bank")
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    funder = await make_partner(session, collaborative, kind=PartnerKind.FUNDER)
    people = {
        "casa": await make_member(session, collaborative, Role.PARTNER_STEWARD, casa),
        "food": await make_member(session, collaborative, Role.PARTNER_STEWARD, food),
        "backbone": await make_member(session, collaborative, Role.BACKBONE, backbone),
        "funder": await make_member(session, collaborative, Role.FUNDER, funder),
        "resident": await make_member(session, collaborative, Role.RESIDENT),
        "outsider": await make_member(
            session, outsider_home, Role.BACKBONE, await make_partner(session, outsider_home)
        ),
    }
    measures = {
        v: await make_measure(session, casa, name=f"Casa {v.value}", visibility=v)
        for v in Visibility
    }
    return {
        "collaborative": collaborative,
        "casa": casa,
        "people": people,
        "measures": measures,
        "viewers": {k: bearer(settings, a) for k, a in people.items()} | {"anonymous": {}},
    }


async def rename(client, table, visibility: Visibility, name: str) -> str:
    measure_id = to_global_id("Measure", table["measures"][visibility].id)
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": measure_id, "name": name}},
        table["viewers"]["casa"],
    )
    assert body["data"]["updateMeasure"]["userErrors"] == []
    return measure_id


async def trail(client, table, viewer: str, subject: str | None = None) -> list[dict[str, Any]]:
    body = await graphql(
        client,
        TRAIL,
        {"slug": table["collaborative"].slug, "subject": subject},
        table["viewers"][viewer],
    )
    return body["data"]["collaborative"]["auditTrail"]["nodes"]


async def test_a_mutation_records_who_what_when_before_and_after(client, table) -> None:
    measure_id = await rename(client, table, Visibility.COLLABORATIVE, "Families housed")
    inserted, updated = reversed(await trail(client, table, "casa", measure_id))
    assert inserted["operation"] == "INSERT"  # the factory's, before the test's request
    assert inserted["accountId"] is None
    event = updated
    assert event["operation"] == "UPDATE"
    assert event["table"] == "performance_measure"
    assert event["subjectId"] == measure_id
    assert event["accountId"] == to_global_id("Account", table["people"]["casa"].id)
    assert event["before"]["name"] == "Casa collaborative"
    assert event["after"]["name"] == "Families housed"


async def test_the_trail_reads_newest_first_and_one_mutation_shares_its_request_id(
    client, table
) -> None:
    measure_id = await rename(client, table, Visibility.PUBLIC, "First")
    await rename(client, table, Visibility.PUBLIC, "Second")
    events = (await trail(client, table, "casa", measure_id))[:2]
    assert [e["after"]["name"] for e in events] == ["Second", "First"]
    assert events[0]["requestId"] != events[1]["requestId"]
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": measure_id, "visibility": "COLLABORATIVE"}},
        table["viewers"]["casa"],
    )
    assert body["data"]["updateMeasure"]["userErrors"] == []
    changed = [
        e
        for e in await trail(client, table, "casa")
        if e["requestId"] not in {None, events[0]["requestId"], events[1]["requestId"]}
    ]
    tables = {e["table"] for e in changed}
    assert {"performance_measure", "measure_visibility_change"} <= tables
    assert len({e["requestId"] for e in changed}) == 1


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("casa", {"private", "collaborative", "public"}),
        ("backbone", {"collaborative", "public"}),
        ("food", set()),
        ("resident", set()),
        ("funder", set()),
        ("outsider", set()),
        ("anonymous", set()),
    ],
)
async def test_owners_and_the_backbone_read_the_audit_of_what_they_may_see(
    client, table, viewer, sees
) -> None:
    for visibility in Visibility:
        await rename(client, table, visibility, f"Renamed {visibility.value}")
    events = await trail(client, table, viewer)
    renamed = [e for e in events if e["table"] == "performance_measure" and e["before"]]
    assert {e["before"]["visibility"] for e in renamed} == sees


ADD_STORY = """mutation($input: AddStoryInput!) { addStory(input: $input) {
  userErrors { field code message } story { id } } }"""


async def test_a_residents_private_story_is_theirs_alone_in_the_trail(client, table) -> None:
    subject = to_global_id("Measure", table["measures"][Visibility.PUBLIC].id)
    story = {
        "subjectId": subject,
        "kind": "COMMUNITY_VOICE",
        "title": "Mine",
        "visibility": "PRIVATE",
    }
    body = await graphql(client, ADD_STORY, {"input": story}, table["viewers"]["resident"])
    assert body["data"]["addStory"]["userErrors"] == []
    story_id = body["data"]["addStory"]["story"]["id"]
    [event] = await trail(client, table, "resident", story_id)
    assert event["after"]["title"] == "Mine"
    for other in ("backbone", "casa", "food"):
        assert await trail(client, table, other, story_id) == []


SET_TRANSLATIONS = """mutation($input: SetTranslationsInput!) { setTranslations(input: $input) {
  userErrors { field code message } } }"""


@pytest.mark.parametrize(
    ("visibility", "backbone_sees"),
    [(Visibility.PRIVATE, False), (Visibility.COLLABORATIVE, True)],
)
async def test_a_measures_translations_are_audited_as_the_measure_is_seen(
    client, table, visibility, backbone_sees
) -> None:
    measure = table["measures"][visibility]
    translations = {
        "subjectId": to_global_id("Measure", measure.id),
        "field": "name",
        "translations": [{"language": "es", "text": "Familias atendidas"}],
    }
    body = await graphql(
        client, SET_TRANSLATIONS, {"input": translations}, table["viewers"]["casa"]
    )
    assert body["data"]["setTranslations"]["userErrors"] == []

    def translated(events: list[dict[str, Any]]) -> list[str]:
        return [e["after"]["text"] for e in events if e["table"] == "translation"]

    assert translated(await trail(client, table, "casa")) == ["Familias atendidas"]
    backbone = translated(await trail(client, table, "backbone"))
    assert backbone == (["Familias atendidas"] if backbone_sees else [])
    assert translated(await trail(client, table, "food")) == []


async def test_a_draft_is_its_owner_alone_in_the_trail(client, table, session) -> None:
    measure = table["measures"][Visibility.COLLABORATIVE]
    session.add(
        Observation(
            collaborative_id=measure.collaborative_id,
            measure_id=measure.id,
            granularity=Granularity.QUARTER,
            period_start=date(2025, 1, 1),
            value=4,
            status=ObservationStatus.DRAFT,
        )
    )
    await session.flush()
    assert [e for e in await trail(client, table, "casa") if e["table"] == "observation"]
    assert not [e for e in await trail(client, table, "backbone") if e["table"] == "observation"]


async def test_an_api_key_is_recorded_as_who_and_its_secret_never_is(
    client, table, session, connection
) -> None:
    key = await make_api_key(session, table["casa"], scopes=frozenset({Scope.MEASURES_WRITE}))
    key_id = (await connection.execute(text("SELECT id FROM api_key"))).scalar_one()
    measure_id = to_global_id("Measure", table["measures"][Visibility.PUBLIC].id)
    body = await graphql(
        client, UPDATE, {"input": {"id": measure_id, "name": "By system"}}, {"X-Api-Key": key}
    )
    assert body["data"]["updateMeasure"]["userErrors"] == []
    event = (await trail(client, table, "casa", measure_id))[0]
    assert event["apiKeyId"] == to_global_id("ApiKey", key_id)
    assert event["accountId"] is None
    hashes = await connection.execute(
        text(
            "SELECT count(*) FROM audit_event WHERE table_name = 'api_key'"
            " AND (after ? 'key_hash' OR before ? 'key_hash')"
        )
    )
    assert hashes.scalar_one() == 0
    recorded = await connection.execute(
        text("SELECT count(*) FROM audit_event WHERE table_name = 'api_key'")
    )
    assert recorded.scalar_one() == 1


async def test_a_malformed_subject_id_matches_nothing(client, table) -> None:
    await rename(client, table, Visibility.PUBLIC, "Renamed")
    assert await trail(client, table, "casa", "not-an-id") == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET after = '{}'",
        "DELETE FROM audit_event",
        "INSERT INTO audit_event (table_name, operation) VALUES ('forged', 'insert')",
        "TRUNCATE audit_event",
    ],
)
async def test_the_api_role_cannot_rewrite_the_trail(connection, table, statement) -> None:
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    with pytest.raises(DBAPIError, match="permission denied"):
        async with connection.begin_nested():
            await connection.execute(text(statement))


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET after = '{}'", "DELETE FROM audit_event"]
)
async def test_not_even_the_owner_rewrites_the_trail(connection, table, statement) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin_nested():
            await connection.execute(text(statement))


async def test_every_table_is_audited(connection) -> None:
    audited = await connection.execute(
        text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = 'audit' AND t.tgfoid = 'tablero_audit()'::regprocedure"
        )
    )
    assert {row[0] for row in audited} == set(metadata.tables) - UNAUDITED


# -- every table's rows are read as their subject is (migration 0015) ------------------------

# The specification: how each audited table is read. `own`: by the row's visibility;
# `measure`: as its measure; `private`: by its owner alone; `members`: the table's business.
REACH = {
    "account": "members",  # no collaborative: each person reads only their own changes
    "action_item": "members",
    "action_item_status_change": "members",
    "api_key": "private",
    "collaborative": "members",
    "dashboard": "own",
    "dashboard_panel": "members",
    "dimension": "members",
    "dimension_category": "members",
    "domain": "members",
    "indicator": "own",
    "indicator_dimension": "members",
    "indicator_version": "members",
    "invitation": "private",  # its partner's people and whoever changed it; never its code
    "measure_contribution": "measure",
    "measure_dimension": "measure",
    "measure_visibility_change": "private",
    "membership": "members",
    "observation": "own",
    "observation_batch": "measure",
    "partner": "own",
    "partner_contact": "members",
    "performance_measure": "own",
    "persisted_document": "members",
    "proposal": "members",
    "proposal_comment": "members",
    "proposal_vote": "members",
    "release": "members",  # releases and their cells: publishable, by construction
    "release_cell": "members",
    "release_share": "own",  # what a release counted: as its contribution could be read
    "reporting_period": "members",
    "result": "members",
    "shared_measure": "members",
    "story": "own",
    "target": "measure",
    "translation": "measure",
}


async def test_every_audited_table_is_read_as_the_specification_says(connection) -> None:
    reach = await connection.execute(
        text(
            "SELECT c.relname, tablero_audit_reach(c.relname) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = 'audit' AND t.tgfoid = 'tablero_audit()'::regprocedure"
        )
    )
    assert dict(reach.all()) == REACH
    # a table nobody classified is its owner's alone
    unknown = await connection.execute(text("SELECT tablero_audit_reach('a_new_table')"))
    assert unknown.scalar_one() == "private"


async def test_the_backbone_reads_no_visibility_change_of_another_partners_measure(
    client, table
) -> None:
    # given Casa's steward opens its private measure to members, then closes it again
    measure_id = to_global_id("Measure", table["measures"][Visibility.PRIVATE].id)
    for visibility in ("COLLABORATIVE", "PRIVATE"):
        body = await graphql(
            client,
            UPDATE,
            {"input": {"id": measure_id, "visibility": visibility}},
            table["viewers"]["casa"],
        )
        assert body["data"]["updateMeasure"]["userErrors"] == []
    # then Casa reads both changes; the backbone, another partner and a resident none
    changes = [
        e for e in await trail(client, table, "casa") if e["table"] == "measure_visibility_change"
    ]
    assert len(changes) == 2
    for other in ("backbone", "food", "resident"):
        tables = {e["table"] for e in await trail(client, table, other)}
        assert "measure_visibility_change" not in tables, other


async def test_a_measure_made_private_hides_its_past_from_the_backbone(client, table) -> None:
    # given a members' measure the backbone watched being renamed
    measure_id = await rename(client, table, Visibility.COLLABORATIVE, "Families housed")
    assert await trail(client, table, "backbone", measure_id)
    # when its steward makes it private
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": measure_id, "visibility": "PRIVATE"}},
        table["viewers"]["casa"],
    )
    assert body["data"]["updateMeasure"]["userErrors"] == []
    # then the backbone no longer reads any of its history; its owner still reads all
    assert await trail(client, table, "backbone", measure_id) == []
    assert len(await trail(client, table, "casa", measure_id)) >= 3


async def test_a_partners_api_keys_are_in_its_own_trail_only(
    client, table, session, connection
) -> None:
    await make_api_key(session, table["casa"])
    key_id = (await connection.execute(text("SELECT id FROM api_key"))).scalar_one()
    subject = to_global_id("ApiKey", key_id)
    assert len(await trail(client, table, "casa", subject)) == 1
    for other in ("backbone", "food"):
        assert await trail(client, table, other, subject) == []
