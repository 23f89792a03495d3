"""Sign-in for browsers: tokens from an OpenID Connect provider found by discovery, verified
by its JWKS over HTTP, its key rotation picked up without a restart, and its subject bound
to the account when an invitation is redeemed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import Database
from api.settings import Settings
from services.viewer import Role
from tests.apps import client_with
from tests.factories import make_account, make_collaborative, make_member
from tests.oidc_issuer import API_AUDIENCE, CLIENT_ID, Issuer, running_issuer, sign_in
from tests.people import INVITE, REDEEM, VIEWER, make_town

WHO = "{ viewer { isAnonymous account { email displayName } } }"


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    with running_issuer() as running:
        yield running


@pytest.fixture
async def oidc(
    issuer: Issuer, settings: Settings, database: Database, connection: AsyncConnection, session
) -> AsyncIterator[httpx.AsyncClient]:
    await session.flush()
    async with client_with(
        settings,
        database,
        connection,
        oidc_issuer=issuer.url,
        jwt_audience=API_AUDIENCE,
        jwks_refresh_seconds=0,
    ) as client:
        yield client


async def ask(client: httpx.AsyncClient, token: str, query: str = WHO, **variables):
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_a_provider_token_signs_in_its_account(oidc, issuer: Issuer, session) -> None:
    user = issuer.add_user("ada@example.org", name="Ada")
    account = await make_account(session, subject=user.sub, email="ada@example.org")
    await make_member(session, await make_collaborative(session), Role.RESIDENT, account=account)
    response = await ask(oidc, await sign_in(issuer, "ada@example.org"))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["account"]["email"] == "ada@example.org"


async def test_a_rotated_key_is_picked_up_without_a_restart(oidc, issuer: Issuer, session) -> None:
    user = issuer.add_user("bo@example.org")
    await make_account(session, subject=user.sub, email="bo@example.org")
    before = await sign_in(issuer, "bo@example.org")
    assert (await ask(oidc, before)).status_code == 200
    fetches = issuer.jwks_fetches
    issuer.rotate()
    after = await sign_in(issuer, "bo@example.org")
    assert (await ask(oidc, after)).status_code == 200
    assert issuer.jwks_fetches == fetches + 1
    # a token signed with a key the provider no longer publishes fails once keys refresh
    issuer.retire("key-1")
    issuer.rotate()
    newest = await sign_in(issuer, "bo@example.org")
    assert (await ask(oidc, newest)).status_code == 200
    refused = await ask(oidc, before)
    assert refused.status_code == 401
    assert "signing key is unknown" in refused.json()["errors"][0]["message"]


async def test_made_up_key_ids_do_not_flood_the_provider(
    issuer: Issuer, settings: Settings, database: Database, connection, session
) -> None:
    user = issuer.add_user("cy@example.org")
    await make_account(session, subject=user.sub, email="cy@example.org")
    await session.flush()
    async with client_with(
        settings,
        database,
        connection,
        oidc_issuer=issuer.url,
        jwt_audience=API_AUDIENCE,
        jwks_refresh_seconds=60,
    ) as client:
        assert (await ask(client, await sign_in(issuer, "cy@example.org"))).status_code == 200
        fetches = issuer.jwks_fetches
        kid, key = issuer.keys[-1]
        for n in range(10):
            issuer.keys[-1] = (f"made-up-{n}", key)
            forged = issuer.sign(user.sub, API_AUDIENCE)
            assert (await ask(client, forged)).status_code == 401
        issuer.keys[-1] = (kid, key)
        assert issuer.jwks_fetches == fetches  # none within the minute


async def test_a_token_for_another_audience_or_issuer_is_refused(oidc, issuer: Issuer) -> None:
    issuer.add_user("dee@example.org")
    id_token = await sign_in(issuer, "dee@example.org", token="id_token")  # aud: the web client
    refused = await ask(oidc, id_token)
    assert refused.status_code == 401
    assert "not meant for this API" in refused.json()["errors"][0]["message"]
    assert CLIENT_ID != API_AUDIENCE


async def test_a_discovery_document_naming_another_issuer_is_not_trusted(
    issuer: Issuer, settings: Settings, database: Database, connection, session
) -> None:
    issuer.add_user("eve@example.org")
    token = await sign_in(issuer, "eve@example.org")
    await session.flush()
    async with client_with(
        settings, database, connection, oidc_issuer=issuer.url + "/", jwt_audience=API_AUDIENCE
    ) as client:
        refused = await ask(client, token)
    assert refused.status_code == 401


async def test_redeeming_binds_the_providers_subject_to_the_new_account(
    oidc, issuer: Issuer, session, settings: Settings, client
) -> None:
    town = await make_town(session, settings)
    invited = await client.post(
        "/graphql",
        json={
            "query": INVITE,
            "variables": {
                "input": {
                    "collaborativeId": town.id(),
                    "email": "Fay@Example.org",
                    "role": "RESIDENT",
                }
            },
        },
        headers=town.as_("backbone"),
    )
    code = invited.json()["data"]["createInvitation"]["code"]
    user = issuer.add_user("fay@example.org", name="Fay")
    token = await sign_in(issuer, "fay@example.org")
    redeemed = await ask(oidc, token, REDEEM, input={"code": code})
    assert redeemed.json()["data"]["redeemInvitation"]["userErrors"] == []
    viewer = (await ask(oidc, token, VIEWER)).json()["data"]["viewer"]
    assert viewer["account"] == {"email": "fay@example.org", "displayName": "Fay"}
    bound = await session.exec(text("SELECT subject FROM account WHERE email = 'fay@example.org'"))
    assert bound.scalar_one() == user.sub
