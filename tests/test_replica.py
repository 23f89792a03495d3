"""TABLERO_REPLICA_DATABASE_URL: GraphQL queries read the replica; mutations, authentication
and the rate limit's writes stay on the primary; a replica session cannot write.

The primary is the test's rolled-back connection; the "replica" is the committed database,
holding a stale copy of the test's collaborative (its old name), as a replica that has not
replayed the latest write yet would. Where an answer comes from shows where it ran. The
real streaming standby is tests/test_standby.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from api import embedded
from api.app import create_app
from api.database import Database
from api.rate_limit import client_of
from api.replica import ReplicatedDatabase, on_replica, reads_only, replica_engine
from api.settings import Settings
from schema.relay import to_global_id
from services.collaboratives.models import Collaborative
from services.partners.models import PartnerKind
from services.viewer import ANONYMOUS, Role, Viewer
from tests.apps import client_with
from tests.committed import Committed
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner

NAME = "query($slug: String!) { collaborative(slug: $slug) { name } }"
RENAME = """mutation($input: UpdateCollaborativeInput!) { updateCollaborative(input: $input) {
  collaborative { name } userErrors { code } } }"""


@pytest.fixture
async def replicated(
    connection: AsyncConnection, committed: Committed
) -> AsyncIterator[ReplicatedDatabase]:
    replica = replica_engine(committed.api_url, pool_size=2, pool_timeout=5)
    database = ReplicatedDatabase(
        connection, replica, role=embedded.API_ROLE, join_transaction_mode="create_savepoint"
    )
    yield database
    await replica.dispose()


@pytest.fixture
async def table(session, settings: Settings, committed: Committed) -> dict:
    """One collaborative on both servers, renamed on the primary only; its backbone's
    account exists on the primary only."""
    slug = f"replicated-{uuid4().hex[:12]}"
    collaborative = await make_collaborative(session, slug=slug, name="Renamed on the primary")
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    account = await make_member(session, collaborative, Role.BACKBONE, backbone)

    async def stale_copy(owner) -> None:
        owner.add(Collaborative(id=collaborative.id, slug=slug, name="Still the old name"))

    await committed.arrange(stale_copy)
    await session.flush()
    return {
        "slug": slug,
        "id": to_global_id("Collaborative", collaborative.id),
        "account": account,
        "headers": bearer(settings, account),
    }


@pytest.fixture
async def client(settings, replicated, connection) -> AsyncIterator[httpx.AsyncClient]:
    async with client_with(settings, replicated, connection) as client:
        yield client


async def test_queries_read_the_replica_by_post_and_by_get(client, table) -> None:
    # when anyone asks, by POST or GET
    posted = await graphql(client, NAME, {"slug": table["slug"]})
    got = await client.get(
        "/graphql",
        params={"query": NAME, "variables": json.dumps({"slug": table["slug"]})},
    )
    # then the replica answers, with what it has replayed so far
    assert posted["data"] == {"collaborative": {"name": "Still the old name"}}
    assert got.json()["data"] == posted["data"]


async def test_mutations_write_the_primary_and_answer_from_it(client, table, session) -> None:
    # when the backbone renames its collaborative
    renamed = await graphql(
        client, RENAME, {"input": {"id": table["id"], "name": "New"}}, table["headers"]
    )
    # then the primary has it, and the mutation's payload says so at once
    assert renamed["data"]["updateCollaborative"] == {
        "collaborative": {"name": "New"},
        "userErrors": [],
    }
    name = await session.scalar(
        text("SELECT name FROM collaborative WHERE slug = :s"), {"s": table["slug"]}
    )
    assert name == "New"
    # while a query reads the replica, which has not replayed it (its lag, docs/scaling.md)
    read = await graphql(client, NAME, {"slug": table["slug"]}, table["headers"])
    assert read["data"] == {"collaborative": {"name": "Still the old name"}}


async def test_authentication_reads_the_primary(client, table) -> None:
    # given an account the replica does not have yet: its token still authenticates,
    # because credentials are looked up on the primary (a revoked key is refused at once)
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { isAnonymous } }"},
        headers=table["headers"],
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"viewer": {"isAnonymous": False}}


async def test_the_rate_limits_writes_stay_on_the_primary(
    settings, replicated, connection, table, committed
) -> None:
    # given a rate-limited app with a replica
    async with client_with(settings, replicated, connection, rate_limit_per_minute=1000) as c:
        # when a client's query runs on the replica and the process syncs its charges
        response = await c.post(
            "/graphql",
            json={"query": NAME, "variables": {"slug": table["slug"]}},
            headers=table["headers"],
        )
        assert response.json()["data"]["collaborative"]["name"] == "Still the old name"
        await c.app.state.rate_limiter.sync()  # type: ignore[attr-defined]
    # then the shared totals are written on the primary, never on the replica
    payer = client_of(Viewer(account_id=table["account"].id), request=None)  # type: ignore[arg-type]
    counted = "SELECT coalesce(sum(used), 0) FROM rate_limit_usage WHERE client = :c"
    assert (await connection.scalar(text(counted), {"c": payer})) > 0
    owner = Database.connect(committed.owner_url, pool_size=1)
    try:
        async with owner.connection() as conn:
            assert (await conn.scalar(text(counted), {"c": payer})) == 0
    finally:
        await owner.dispose()


async def test_a_replica_session_is_read_only_and_others_are_not(replicated) -> None:
    # given a session marked for the replica and one that is not
    async with replicated.session(ANONYMOUS) as reader, replicated.session(ANONYMOUS) as other:
        reads_only(reader)
        # then the first runs on the replica in a read-only transaction, the other on the
        # primary as before
        assert await reader.scalar(text("SELECT current_database()")) == "tablero_committed"
        assert await reader.scalar(text("SHOW transaction_read_only")) == "on"
        assert await other.scalar(text("SHOW transaction_read_only")) == "off"
        assert on_replica(reader)
        assert not on_replica(other)
        # each as the API role, with the viewer declared, wherever it runs
        assert await reader.scalar(text("SELECT current_user")) == embedded.API_ROLE
        assert await other.scalar(text("SELECT current_user")) == embedded.API_ROLE
        # and the replica refuses a write even where the server itself could take it
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await reader.exec(text("DELETE FROM rate_limit_usage"))  # type: ignore[call-overload]


async def test_a_session_bound_before_it_is_marked_stays_on_the_primary(replicated) -> None:
    async with replicated.session(ANONYMOUS) as session:
        first = await session.scalar(text("SELECT current_database()"))
        reads_only(session)  # too late: one session, one server
        assert await session.scalar(text("SELECT current_database()")) == first
        assert not on_replica(session)


async def test_the_setting_puts_a_replica_beside_the_primary(
    monkeypatch: pytest.MonkeyPatch, committed: Committed
) -> None:
    # given the environment names a replica
    monkeypatch.setenv("TABLERO_DATABASE_URL", committed.api_url)
    monkeypatch.setenv("TABLERO_REPLICA_DATABASE_URL", committed.api_url)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.replica_database_url == committed.api_url
    # then the app reads queries from it
    app = create_app(settings)
    try:
        assert isinstance(app.state.database, ReplicatedDatabase)
    finally:
        await app.state.database.dispose()
    # and without it, there is only the primary
    monkeypatch.delenv("TABLERO_REPLICA_DATABASE_URL")
    alone = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    try:
        assert type(alone.state.database) is Database
    finally:
        await alone.state.database.dispose()
