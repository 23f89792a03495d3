"""Fixtures: one PostgreSQL per session, migrated once; every test in a rolled-back transaction.

Tests connect as the owner role (to arrange data with factories) and the app under test
switches to the API role for each request, so every request really runs under row-level
security; the outer transaction is rolled back at the end of each test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from api import embedded
from api.app import create_app
from api.database import Database, async_url
from api.migrate import upgrade
from api.settings import Settings
from tests.committed import Committed, committed_database
from tests.database import TEST_DATABASE, TestServer, start_test_server
from tests.demo_server import Demo, serve_demo


@pytest.fixture(scope="session")
async def server() -> TestServer:
    # The embedded server stops (and its data is deleted) when the session's process exits.
    return await start_test_server()


@pytest.fixture(scope="session")
async def migrated(server: TestServer) -> TestServer:
    await server.create_database(TEST_DATABASE)
    await asyncio.to_thread(upgrade, server.owner_url())
    await server.allow_owner_to_become_api()
    return server


@pytest.fixture(scope="session")
async def committed(migrated: TestServer) -> Committed:
    """A database of its own, migrated once, for tests whose writes must be committed."""
    return await committed_database(migrated)


@pytest.fixture(scope="session")
async def demo(migrated: TestServer) -> AsyncIterator[Demo]:
    """The demo served by `tablero serve`, for the examples, front-end tools and browsers."""
    await migrated.create_database("tablero_demo")
    with serve_demo(migrated, "tablero_demo") as served:
        yield served


@pytest.fixture(scope="session")
async def owner_engine(migrated: TestServer) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(migrated.owner_url()), poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
def settings(migrated: TestServer) -> Settings:
    # Without a rate limit by default: answers compared across viewers would otherwise differ
    # by what each client has left; tests of the limit turn it on (tests/test_rate_limit.py).
    return Settings(  # type: ignore[call-arg]
        _env_file=None, environment="dev", database_url=migrated.api_url(), rate_limit_per_minute=0
    )


@pytest.fixture
async def connection(owner_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's connection, inside a transaction that is rolled back at the end."""
    async with owner_engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """An owner session for arranging data (factories); writes land in the test transaction."""
    async with AsyncSession(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    ) as s:
        yield s


@pytest.fixture
def database(connection: AsyncConnection) -> Database:
    return Database(connection, role=embedded.API_ROLE, join_transaction_mode="create_savepoint")


@pytest.fixture
async def client(
    settings: Settings, database: Database, connection: AsyncConnection, session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app over ASGI, on the test's connection, as the API role."""

    async def back_to_owner(response: httpx.Response) -> None:
        await connection.exec_driver_sql("RESET ROLE")

    await session.flush()
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", event_hooks={"response": [back_to_owner]}
    ) as c:
        yield c


class StatementCounter:
    """Counts the SQL statements a block sends (for N+1 regressions)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(connection: AsyncConnection) -> Any:
    """`with count_statements() as counter:` counts statements on the test connection."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Any:
        counter = StatementCounter()
        sync_conn = connection.sync_connection
        assert sync_conn is not None
        event.listen(sync_conn, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(sync_conn, "before_cursor_execute", counter)

    return counting
