"""The viewer is declared per transaction, so a pooled connection never carries it over.

Runs the app on a real engine with a one-connection pool, logged in as the API role, on a
database of its own with the demo committed: every request reuses the same connection.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.auth import issue_token
from api.database import Database, declare_viewer
from api.embedded import API_ROLE
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


MEMBER_OF = text("SELECT current_setting('tablero.member_of', true), current_user")


def a_member() -> tuple[UUID, Viewer]:
    collaborative = uuid4()
    return collaborative, Viewer(account_id=uuid4(), grants=(Grant(collaborative, Role.RESIDENT),))


async def settings_around_a_rolled_back_savepoint(session: AsyncSession) -> list[Any]:
    """The viewer's settings and role before, inside and after a savepoint rolled back."""
    before = (await session.exec(MEMBER_OF)).one()  # type: ignore[call-overload]
    savepoint = await session.begin_nested()
    inside = (await session.exec(MEMBER_OF)).one()  # type: ignore[call-overload]
    await savepoint.rollback()
    after = (await session.exec(MEMBER_OF)).one()  # type: ignore[call-overload]
    await session.rollback()
    return [before, inside, after]


@pytest.mark.parametrize("declared", ["with the session", "once known, as a request does"])
async def test_the_viewer_and_role_hold_in_savepoints_and_after_one_rolls_back(
    pooled: TestServer, declared: str
) -> None:
    # given a member's session in the API role, on a pooled connection (savepoints declare
    # nothing again: the transaction's settings hold in them)
    database = Database.connect(pooled.api_url(POOL_DATABASE), pool_size=1, role=API_ROLE)
    collaborative, member = a_member()
    try:
        if declared == "with the session":
            async with database.session(member) as session:
                # when it reads its settings around a savepoint that rolls back
                seen = await settings_around_a_rolled_back_savepoint(session)
        else:
            async with database.session(None) as session:
                await declare_viewer(session, member)
                seen = await settings_around_a_rolled_back_savepoint(session)
    finally:
        await database.dispose()
    # then PostgreSQL knows the member, in the API role, throughout
    assert all(str(collaborative) in member_of and user == API_ROLE for member_of, user in seen)


async def test_a_viewer_is_never_declared_inside_a_savepoint(pooled: TestServer) -> None:
    # given a session opened without a viewer, inside a savepoint
    database = Database.connect(pooled.api_url(POOL_DATABASE), pool_size=1, role=API_ROLE)
    _, member = a_member()
    try:
        async with database.session(None) as session:
            await session.begin_nested()
            # when the viewer is declared there (a rollback to it would undo the declaration)
            # then it is refused
            with pytest.raises(RuntimeError, match="before any savepoint"):
                await declare_viewer(session, member)
            await session.rollback()
    finally:
        await database.dispose()
