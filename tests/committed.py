"""A database of its own whose writes are committed, for tests that need several connections
at once (races, a full pool, locks, a server that goes away): the rolled-back test
transaction cannot hold more than one. Tests here arrange data under names of their own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.database import Database
from api.migrate import upgrade
from api.settings import Settings
from services.viewer import ANONYMOUS
from tests.database import TestServer

T = TypeVar("T")
COMMITTED_DATABASE = "tablero_committed"


@dataclass(frozen=True)
class Committed:
    server: TestServer

    @property
    def api_url(self) -> str:
        return self.server.api_url(COMMITTED_DATABASE)

    @property
    def owner_url(self) -> str:
        return self.server.owner_url(COMMITTED_DATABASE)

    async def arrange(self, build: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `build` as the owner and commit what it wrote."""
        owner = Database.connect(self.owner_url, pool_size=1)
        try:
            async with owner.unit_of_work(ANONYMOUS) as session:
                return await build(session)
        finally:
            await owner.dispose()

    def settings(self, **overrides: Any) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=self.api_url, rate_limit_per_minute=0, **overrides
        )

    @asynccontextmanager
    async def client(self, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        """A client of the app on a real pool of API-role connections (not the lifespan's
        background tasks: ASGITransport does not run them)."""
        settings = self.settings(**overrides)
        assert settings.database_url is not None
        database = Database.connect(
            settings.database_url,
            pool_size=settings.database_pool_size,
            pool_timeout=settings.database_pool_timeout_seconds,
            statement_timeout=settings.statement_timeout_seconds,
        )
        app = create_app(settings, database=database)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60
            ) as client:
                client.app = app  # type: ignore[attr-defined]
                yield client
        finally:
            await database.dispose()


async def committed_database(server: TestServer) -> Committed:
    await server.create_database(COMMITTED_DATABASE)
    await asyncio.to_thread(upgrade, server.owner_url(COMMITTED_DATABASE))
    return Committed(server)
