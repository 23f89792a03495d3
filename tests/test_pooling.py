"""The viewer is declared per transaction, so a pooled connection never carries it over.

Runs the app on a real engine with a one-connection pool, logged in as the API role, on a
database of its own with the demo committed: every request reuses the same connection.
"""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text

from api.app import create_app
from api.auth import issue_token
from api.database import Database
from api.migrate import upgrade
from api.settings import Settings
from seeds.demo import seed_demo
from services.viewer import ANONYMOUS, Grant, Role, Viewer
from tests.database import TestServer
from tests.factories import DEMO_TODAY

POOL_DATABASE = "tablero_pooling"
CONTACTS = """{ collaborative(slug: "riverside") { partners(first: 50) {
  nodes { name contact { email } } } } }"""


@pytest.fixture(scope="module")
async def pooled(migrated: TestServer) -> TestServer:
    await migrated.create_database(POOL_DATABASE)
    await asyncio.to_thread(upgrade, migrated.owner_url(POOL_DATABASE))
    owner = Database.connect(migrated.owner_url(POOL_DATABASE), pool_size=1)
    async with owner.unit_of_work(ANONYMOUS) as session:
        await seed_demo(session, today=DEMO_TODAY)
    await owner.dispose()
    return migrated


async def test_a_members_viewer_does_not_outlive_its_request_on_a_pooled_connection(
    pooled: TestServer,
) -> None:
    # given one pooled connection, logged in as the API role itself
    url = pooled.api_url(POOL_DATABASE)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    database = Database.connect(url, pool_size=1)
    app = create_app(settings, database=database)
    member = {"Authorization": f"Bearer {issue_token(settings, 'resident@demo.tablero.example')}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        # when a member asks, then anonymous asks on the same connection
        as_member = (await client.post("/graphql", json={"query": CONTACTS}, headers=member)).json()
        as_anonymous = (await client.post("/graphql", json={"query": CONTACTS})).json()
    async with database.connection() as conn:
        user = await conn.scalar(text("SELECT current_user"))
        leftover = await conn.scalar(text("SELECT current_setting('tablero.member_of', true)"))
    await database.dispose()
    # then
    member_nodes = as_member["data"]["collaborative"]["partners"]["nodes"]
    anonymous_nodes = as_anonymous["data"]["collaborative"]["partners"]["nodes"]
    assert all(n["contact"] for n in member_nodes)
    assert "Tenants United Riverside" in {n["name"] for n in member_nodes}
    assert all(n["contact"] is None for n in anonymous_nodes)
    assert "Tenants United Riverside" not in {n["name"] for n in anonymous_nodes}
    assert user == "tablero_api"
    assert leftover in (None, "")


async def test_the_viewer_holds_in_savepoints_and_after_one_rolls_back(
    pooled: TestServer,
) -> None:
    # given a session of a member, on a pooled connection whose savepoints declare nothing
    url = pooled.api_url(POOL_DATABASE)
    database = Database.connect(url, pool_size=1)
    collaborative = uuid4()
    member = Viewer(account_id=uuid4(), grants=(Grant(collaborative, Role.RESIDENT),))
    setting = text("SELECT current_setting('tablero.member_of', true)")
    try:
        async with database.session(member) as session:
            # when it reads its settings before, inside and after a rolled-back savepoint
            before = await session.scalar(setting)
            savepoint = await session.begin_nested()
            inside = await session.scalar(setting)
            await savepoint.rollback()
            after = await session.scalar(setting)
            await session.rollback()
    finally:
        await database.dispose()
    # then the viewer PostgreSQL knows is the member throughout
    assert before == inside == after
    assert str(collaborative) in before
