"""API keys through the API: a partner's stewards issue, list, rotate and revoke them; the
secret is shown once and never read back; nobody else reaches another partner's keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import raw_id
from tests.factories import graphql, make_api_key
from tests.people import Town, asks_to_sign_in, codes, make_town

CREATE = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  apiKey { id name prefix scopes createdAt lastUsedAt expiresAt active }
  secret userErrors { field code message } } }"""
ROTATE = """mutation($input: RotateApiKeyInput!) { rotateApiKey(input: $input) {
  apiKey { id name scopes active } secret previous { id expiresAt active replacedBy { id } }
  userErrors { field code message } } }"""
REVOKE = """mutation($input: ApiKeyIdInput!) { revokeApiKey(input: $input) {
  apiKey { id active revokedAt } userErrors { field code message } } }"""
KEYS = """query($id: ID!) { node(id: $id) { ... on Partner {
  apiKeys(first: 10, includeInactive: true) {
    totalCount nodes { id name active lastUsedAt } } } } }"""
KEY_NODE = "query($id: ID!) { node(id: $id) { id ... on ApiKey { name } } }"
WHO = "{ viewer { isApiKey memberships { role partner { name } } } }"


@pytest.fixture
async def town(session, settings: Settings) -> Town:
    return await make_town(session, settings)


async def create(client, town: Town, who: str = "steward_a", partner: str = "a", **fields):
    variables = {"input": {"partnerId": town.id(partner), "name": "Case system", **fields}}
    body = await graphql(client, CREATE, variables, town.as_(who))
    return body["data"]["createApiKey"]


async def works(client, secret: str) -> bool:
    response = await client.post("/graphql", json={"query": WHO}, headers={"X-Api-Key": secret})
    return response.status_code == 200 and response.json()["data"]["viewer"]["isApiKey"]


async def test_a_steward_issues_a_key_whose_secret_is_shown_once(client, town: Town) -> None:
    issued = await create(client, town, scopes=["READ", "OBSERVATIONS_WRITE"])
    assert issued["userErrors"] == []
    key = issued["apiKey"]
    assert issued["secret"].startswith(key["prefix"])
    assert key["scopes"] == ["OBSERVATIONS_WRITE", "READ"]
    assert (key["lastUsedAt"], key["expiresAt"], key["active"]) == (None, None, True)
    assert await works(client, issued["secret"])
    listed = await graphql(client, KEYS, {"id": town.id("a")}, town.as_("steward_a"))
    [node] = listed["data"]["node"]["apiKeys"]["nodes"]
    assert node["name"] == "Case system"
    assert node["lastUsedAt"] is not None  # the request above used it
    assert "secret" not in str(listed)


async def test_a_key_acts_as_its_partners_staff_within_its_scopes(client, town: Town) -> None:
    issued = await create(client, town, scopes=["OBSERVATIONS_WRITE"])
    response = await client.post(
        "/graphql", json={"query": WHO}, headers={"X-Api-Key": issued["secret"]}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # no READ


async def test_rotation_keeps_the_old_key_for_its_grace_period(client, town: Town, session) -> None:
    old = await create(client, town)
    body = await graphql(
        client,
        ROTATE,
        {"input": {"id": old["apiKey"]["id"], "graceHours": 2}},
        town.as_("steward_a"),
    )
    rotated = body["data"]["rotateApiKey"]
    assert rotated["userErrors"] == []
    assert rotated["secret"] != old["secret"]
    assert rotated["apiKey"]["name"] == "Case system"
    assert rotated["previous"]["replacedBy"] == {"id": rotated["apiKey"]["id"]}
    grace = datetime.fromisoformat(rotated["previous"]["expiresAt"]) - datetime.now(UTC)
    assert timedelta(hours=1, minutes=59) < grace <= timedelta(hours=2)
    assert await works(client, old["secret"])
    assert await works(client, rotated["secret"])
    # when the grace period is over
    await session.exec(
        text(
            "UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = :id"
        ).bindparams(id=raw_id(old["apiKey"]["id"], "ApiKey"))
    )
    assert not await works(client, old["secret"])
    assert await works(client, rotated["secret"])
    again = await graphql(
        client, ROTATE, {"input": {"id": old["apiKey"]["id"]}}, town.as_("steward_a")
    )
    assert codes(again["data"]["rotateApiKey"]) == ["INVALID"]


async def test_a_revoked_key_stops_at_once(client, town: Town) -> None:
    issued = await create(client, town)
    body = await graphql(
        client, REVOKE, {"input": {"id": issued["apiKey"]["id"]}}, town.as_("steward_a")
    )
    assert body["data"]["revokeApiKey"]["apiKey"]["active"] is False
    assert not await works(client, issued["secret"])


async def test_an_expiry_ends_a_key(client, town: Town, session) -> None:
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    issued = await create(client, town, expiresAt=soon)
    assert issued["apiKey"]["expiresAt"] is not None
    assert await works(client, issued["secret"])
    await session.exec(
        text("UPDATE api_key SET expires_at = now() WHERE id = :id").bindparams(
            id=raw_id(issued["apiKey"]["id"], "ApiKey")
        )
    )
    assert not await works(client, issued["secret"])


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"name": " "}, ["name"], "REQUIRED"),
        ({"scopes": []}, ["scopes"], "REQUIRED"),
        ({"expiresAt": "2020-01-01T00:00:00Z"}, ["expiresAt"], "INVALID"),
        ({"expiresAt": "2030-01-01T00:00:00"}, ["expiresAt"], "INVALID"),
        ({"expiresAt": "2099-01-01T00:00:00Z"}, ["expiresAt"], "OUT_OF_RANGE"),
    ],
)
async def test_a_wrong_key_names_its_field_and_writes_nothing(
    client, town: Town, connection, fields, field, code
) -> None:
    refused = await create(client, town, **fields)
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(field, code)]
    assert refused["secret"] is None
    count = await connection.execute(text("SELECT count(*) FROM api_key"))
    assert count.scalar_one() == 0


@pytest.mark.parametrize(
    "who", ["staff_a", "steward_b", "backbone", "resident", "funder", "outsider", "anonymous"]
)
async def test_nobody_but_its_stewards_issues_reads_rotates_or_revokes_a_partners_keys(
    client, town: Town, who
) -> None:
    issued = await create(client, town)
    key_id = issued["apiKey"]["id"]
    if who == "anonymous":  # told to sign in, whatever the arguments
        creating = {"input": {"partnerId": town.id("a"), "name": "Case system"}}
        assert await asks_to_sign_in(client, CREATE, creating)
        assert await asks_to_sign_in(client, ROTATE, {"input": {"id": key_id}})
        assert await asks_to_sign_in(client, REVOKE, {"input": {"id": key_id}})
    else:
        assert codes(await create(client, town, who=who)) == ["NOT_FOUND"]
        rotated = await graphql(client, ROTATE, {"input": {"id": key_id}}, town.as_(who))
        revoked = await graphql(client, REVOKE, {"input": {"id": key_id}}, town.as_(who))
        assert codes(rotated["data"]["rotateApiKey"]) == ["NOT_FOUND"]
        assert codes(revoked["data"]["revokeApiKey"]) == ["NOT_FOUND"]
    node = await graphql(client, KEY_NODE, {"id": key_id}, town.as_(who))
    assert node["data"]["node"] is None
    listed = await graphql(client, KEYS, {"id": town.id("a")}, town.as_(who))
    keys = (listed["data"]["node"] or {}).get("apiKeys", {"nodes": []})["nodes"]
    assert keys == []
    assert await works(client, issued["secret"])


async def test_a_key_issues_no_key(client, town: Town, session) -> None:
    key = await make_api_key(session, town.partners["a"])
    variables = {"input": {"partnerId": town.id("a"), "name": "Another"}}
    body = await graphql(client, CREATE, variables, {"X-Api-Key": key})
    assert codes(body["data"]["createApiKey"]) == ["NOT_FOUND"]


async def test_below_the_api_a_keys_hash_is_never_read(client, town: Town, connection) -> None:
    await create(client, town)
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        await connection.execute(
            text(
                "SELECT set_config('tablero.account_id', :me, true),"
                " set_config('tablero.steward_of', :a, true)"
            ),
            {"me": str(town.people["steward_a"].id), "a": "{" + str(town.partners["a"].id) + "}"},
        )
        visible = await connection.execute(text("SELECT count(*) FROM (SELECT id FROM api_key) k"))
        assert visible.scalar_one() == 1
        with pytest.raises(DBAPIError, match="permission denied"):
            async with connection.begin_nested():
                await connection.execute(text("SELECT key_hash FROM api_key"))
    finally:
        await connection.exec_driver_sql("RESET ROLE")
