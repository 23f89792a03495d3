"""From an empty database to a working collaborative, through the command line's first step
and then the API alone, every person signing in with a real OpenID Connect provider:
a backbone, two partners with stewards and staff, a funder, residents and a scoped key that
submits data, is rotated, and a person removed whose next request shows it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.database import Database
from api.migrate import upgrade
from api.settings import Settings
from tests.database import TestServer
from tests.oidc_issuer import API_AUDIENCE, Issuer, running_issuer, sign_in
from tests.processes import clean_env, tablero

DATABASE = "tablero_onboarding"

REDEEM = """mutation($code: String!) { redeemInvitation(input: { code: $code }) {
  roles { role } userErrors { field code message } } }"""
CREATE_PARTNER = """mutation($input: CreatePartnerInput!) { createPartner(input: $input) {
  partner { id name } userErrors { field code message } } }"""
INVITE = """mutation($input: CreateInvitationInput!) { createInvitation(input: $input) {
  code userErrors { field code message } } }"""
COLLABORATIVE = """{ collaborative(slug: "town") { id } }"""
VIEWER = "{ viewer { account { email } memberships { role partner { name } } } }"
CREATE_MEASURE = """mutation($input: CreateMeasureInput!) { createMeasure(input: $input) {
  measure { id } userErrors { field code message } } }"""
CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  apiKey { id scopes } secret userErrors { field code message } } }"""
ROTATE_KEY = """mutation($id: ID!) { rotateApiKey(input: { id: $id, graceHours: 24 }) {
  secret previous { expiresAt } userErrors { field code message } } }"""
SUBMIT = """mutation($input: SubmitObservationsInput!) { submitObservations(input: $input) {
  observations { value } userErrors { field code message } } }"""
MEMBERS = """query { collaborative(slug: "town") { members(first: 20) {
  nodes { id role person { email } } } } }"""
REMOVE = """mutation($id: ID!) { removeMember(input: { id: $id }) {
  removedId userErrors { field code message } } }"""
MEASURE = "query($id: ID!) { node(id: $id) { ... on Measure { name } } }"

PEOPLE = {
    "ben": "backbone steward",
    "ana": "steward of A",
    "bo": "steward of B",
    "sam": "staff of A",
    "sue": "staff of B",
    "fay": "funder",
    "rosa": "resident",
    "ray": "resident",
}


@pytest.fixture(scope="module")
async def empty(migrated: TestServer) -> TestServer:
    await migrated.create_database(DATABASE)
    return migrated


class Town:
    """The API of the new deployment, as each person signed in with the provider."""

    def __init__(self, client: httpx.AsyncClient, issuer: Issuer) -> None:
        self.client, self.issuer = client, issuer
        self.tokens: dict[str, str] = {}

    async def sign_in(self, who: str) -> None:
        self.issuer.add_user(f"{who}@town.example", name=who.title())
        self.tokens[who] = await sign_in(self.issuer, f"{who}@town.example")

    async def ask(self, who: str | None, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return await self.ask_with(headers, query, **variables)

    async def ask_with(self, headers: dict[str, str], query: str, **variables: Any) -> dict:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def mutate(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        data = await self.ask(who, query, **variables)
        (payload,) = data.values()
        assert payload["userErrors"] == [], payload
        return payload

    async def redeem(self, who: str, code: str) -> None:
        await self.sign_in(who)
        await self.mutate(who, REDEEM, code=code)

    async def invite(self, who: str, invitee: str, role: str, partner: str | None) -> str:
        collaborative = (await self.ask(who, COLLABORATIVE))["collaborative"]["id"]
        payload = await self.mutate(
            who,
            INVITE,
            input={
                "collaborativeId": collaborative,
                "email": f"{invitee}@town.example",
                "role": role,
                "partnerId": partner,
            },
        )
        return str(payload["code"])


@pytest.fixture
async def town(empty: TestServer) -> AsyncIterator[Town]:
    with running_issuer() as issuer:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=empty.api_url(DATABASE),
            oidc_issuer=issuer.url,
            jwt_audience=API_AUDIENCE,
            jwks_refresh_seconds=0,  # the provider rotates and signs at once, below
            rate_limit_per_minute=0,
            release_check_seconds=0,
        )
        database = Database.connect(empty.api_url(DATABASE), pool_size=2)
        app = create_app(settings, database=database)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60
            ) as client:
                yield Town(client, issuer)
        finally:
            await database.dispose()


async def test_a_collaborative_comes_to_life_through_the_api(empty: TestServer, town: Town):
    # the very first step, on an empty database: migrate, found, invite the first steward
    await asyncio.to_thread(upgrade, empty.owner_url(DATABASE))
    env = clean_env(
        TABLERO_DATABASE_URL=empty.api_url(DATABASE),
        TABLERO_OWNER_DATABASE_URL=empty.owner_url(DATABASE),
    )
    founded = await asyncio.to_thread(
        tablero,
        *("collaborative", "create", "--slug", "town", "--name", "Town Thrives"),
        *("--backbone-name", "Town Together", "--steward", "ben@town.example"),
        env=env,
    )
    assert founded.returncode == 0, founded.stderr
    (code,) = re.findall(r"#code=(tbi_\S+)", founded.stdout)

    # the backbone steward signs in with the provider and accepts
    await town.redeem("ben", code)
    assert (await town.ask("ben", VIEWER))["viewer"]["memberships"] == [
        {"role": "BACKBONE", "partner": {"name": "Town Together"}},
        {"role": "PARTNER_STEWARD", "partner": {"name": "Town Together"}},
    ]

    # the backbone brings in two partners and a funder, with their first people
    collaborative = (await town.ask("ben", COLLABORATIVE))["collaborative"]["id"]
    partners = {}
    for key, name, kind in (
        ("a", "Casa A", "COMMUNITY_ORG"),
        ("b", "Clinic B", "HEALTH"),
        ("f", "Town Fund", "FUNDER"),
    ):
        created = await town.mutate(
            "ben",
            CREATE_PARTNER,
            input={"collaborativeId": collaborative, "name": name, "kind": kind},
        )
        partners[key] = created["partner"]["id"]
    await town.redeem("ana", await town.invite("ben", "ana", "PARTNER_STEWARD", partners["a"]))
    await town.redeem("bo", await town.invite("ben", "bo", "PARTNER_STEWARD", partners["b"]))
    await town.redeem("fay", await town.invite("ben", "fay", "FUNDER", partners["f"]))
    for resident in ("rosa", "ray"):
        await town.redeem(resident, await town.invite("ben", resident, "RESIDENT", None))
    # the provider rotates its signing key: new sign-ins are accepted without a restart
    fetches = town.issuer.jwks_fetches
    town.issuer.rotate()
    # each steward brings in its own staff
    await town.redeem("sam", await town.invite("ana", "sam", "PARTNER_STAFF", partners["a"]))
    await town.redeem("sue", await town.invite("bo", "sue", "PARTNER_STAFF", partners["b"]))
    assert town.issuer.jwks_fetches == fetches + 1
    for who, role in (("fay", "FUNDER"), ("rosa", "RESIDENT"), ("sue", "PARTNER_STAFF")):
        memberships = (await town.ask(who, VIEWER))["viewer"]["memberships"]
        assert [m["role"] for m in memberships] == [role], who

    # A's steward defines a private measure and issues a key that reads and reports
    measure = (
        await town.mutate(
            "ana",
            CREATE_MEASURE,
            input={
                "partnerId": partners["a"],
                "name": "Families housed",
                "quadrant": "BETTER_OFF",
                "unit": "COUNT",
                "direction": "HIGHER_IS_BETTER",
                "granularity": "QUARTER",
            },
        )
    )["measure"]["id"]
    key = await town.mutate(
        "ana",
        CREATE_KEY,
        input={
            "partnerId": partners["a"],
            "name": "Case system",
            "scopes": ["READ", "OBSERVATIONS_WRITE"],
        },
    )
    assert key["apiKey"]["scopes"] == ["OBSERVATIONS_WRITE", "READ"]

    async def submit(secret: str, client_key: str, period: str) -> None:
        data = await town.ask_with(
            {"X-Api-Key": secret},
            SUBMIT,
            input={
                "subjectId": measure,
                "clientKey": client_key,
                "observations": [{"periodStart": period, "value": 12}],
            },
        )
        assert data["submitObservations"]["userErrors"] == []

    await submit(key["secret"], "q1", "2025-01-01")
    # the key is rotated: old and new both work during the grace period
    rotated = await town.mutate("ana", ROTATE_KEY, id=key["apiKey"]["id"])
    await submit(key["secret"], "q2", "2025-04-01")
    await submit(rotated["secret"], "q3", "2025-07-01")

    # A's staff read A's private measure; after A's steward removes them, they do not
    assert (await town.ask("sam", MEASURE, id=measure))["node"] == {"name": "Families housed"}
    assert (await town.ask("fay", MEASURE, id=measure))["node"] is None
    members = (await town.ask("ana", MEMBERS))["collaborative"]["members"]["nodes"]
    (sam,) = [m for m in members if m["person"]["email"] == "sam@town.example"]
    assert (await town.mutate("ana", REMOVE, id=sam["id"]))["removedId"] == sam["id"]
    assert (await town.ask("sam", MEASURE, id=measure))["node"] is None
    assert (await town.ask("sam", VIEWER))["viewer"]["memberships"] == []
    assert {who for who in PEOPLE if who in town.tokens} == set(PEOPLE)
