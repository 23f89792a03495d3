"""Odd inputs found in the final review: each gets a userError (or an error naming its
argument), never "Unexpected error"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.settings import Settings
from schema.relay import to_global_id
from tests.factories import bearer, graphql
from tests.story_factories import World, make_story, make_world

RULE = """mutation($input: ProposeRuleChangeInput!) { proposeRuleChange(input: $input) {
  proposal { id } userErrors { field code message } } }"""
ACCOUNTABILITY = """query($slug: String!, $asOf: Date) {
  accountability(slug: $slug, asOf: $asOf) { asOf partners { partner { name } } } }"""
SETTINGS = """mutation($input: UpdateCollaborativeInput!) { updateCollaborative(input: $input) {
  collaborative { timeZone } userErrors { field code message } } }"""


@pytest.fixture
async def world(session) -> World:
    return await make_world(session)


async def propose_closing_at(client, settings: Settings, world: World, closes_at: str) -> dict:
    variables = {
        "input": {
            "collaborativeId": to_global_id("Collaborative", world.collaborative.id),
            "changes": {"quorum": 7},
            "rationale": "More voices",
            "closesAt": closes_at,
        }
    }
    body = await graphql(client, RULE, variables, bearer(settings, world.backbone))
    assert "errors" not in body, body
    return body["data"]["proposeRuleChange"]


@pytest.mark.parametrize(
    ("closes_at", "code"),
    [
        ("2030-01-31T17:00:00", "INVALID"),  # no offset: whose 5 pm?
        ("9999-12-31T23:59:59-12:00", "OUT_OF_RANGE"),  # past year 9999 in UTC
        ("9000-01-01T00:00:00+00:00", "OUT_OF_RANGE"),
    ],
)
async def test_a_vote_closes_at_a_moment_with_an_offset_within_the_next_years(
    client, settings: Settings, world: World, closes_at: str, code: str
) -> None:
    payload = await propose_closing_at(client, settings, world, closes_at)
    assert payload["proposal"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["closesAt"], code)]


async def test_a_vote_may_close_a_year_ahead(client, settings: Settings, world: World) -> None:
    closes_at = (datetime.now(UTC) + timedelta(days=365)).astimezone(timezone(timedelta(hours=-8)))
    payload = await propose_closing_at(client, settings, world, closes_at.isoformat())
    assert payload["userErrors"] == []
    assert payload["proposal"] is not None


@pytest.mark.parametrize("as_of", ["0001-01-01", "0002-06-30", "1899-12-31"])
async def test_accountability_long_ago_names_as_of(
    client, settings: Settings, world: World, as_of: str
) -> None:
    variables = {"slug": world.collaborative.slug, "asOf": as_of}
    body = await graphql(client, ACCOUNTABILITY, variables, bearer(settings, world.backbone))
    assert body["data"]["accountability"] is None
    assert [e["message"] for e in body["errors"]] == ["asOf: from 1900-01-01 on"]


async def test_accountability_far_ahead_still_answers(
    client, settings: Settings, world: World
) -> None:
    variables = {"slug": world.collaborative.slug, "asOf": "9999-12-31"}
    body = await graphql(client, ACCOUNTABILITY, variables, bearer(settings, world.backbone))
    assert body["data"]["accountability"]["asOf"] == "9999-12-31"


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "america/los_angeles"])
async def test_a_time_zone_is_an_iana_name_not_a_file_of_this_server(
    client, settings: Settings, world: World, zone: str
) -> None:
    variables = {"input": {"id": to_global_id("Collaborative", world.collaborative.id),
                           "timeZone": zone}}  # fmt: skip
    body = await graphql(client, SETTINGS, variables, bearer(settings, world.backbone))
    payload = body["data"]["updateCollaborative"]
    assert payload["collaborative"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["timeZone"], "INVALID")]


async def test_stories_are_filtered_by_language_as_addstory_matches_it(
    client, session, world: World
) -> None:
    await make_story(session, world.indicator, world.resident, title="Lo que vemos", language="es")
    query = """query($id: ID!, $language: String) {
      node(id: $id) { ... on Series { stories(language: $language) { title } } } }"""
    for asked in ("es", " ES ", "Es"):
        body = await graphql(client, query, {"id": world.gid(world.indicator), "language": asked})
        assert body["data"]["node"]["stories"] == [{"title": "Lo que vemos"}], asked
