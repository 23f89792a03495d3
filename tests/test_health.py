"""/healthz says the process is up; /readyz that the database answers and is at head."""

from __future__ import annotations

import asyncio

import httpx

from api.app import create_app
from api.database import Database
from api.migrate import head_revision, upgrade
from api.settings import Settings
from tests.database import TestServer


async def test_healthz_answers_without_touching_the_database(client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_on_a_migrated_database(client) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "revision": head_revision()}


async def test_readyz_is_unavailable_until_the_database_is_migrated(migrated: TestServer) -> None:
    # given a fresh, empty database
    await migrated.create_database("tablero_readyz")
    settings = Settings(_env_file=None, database_url=migrated.api_url("tablero_readyz"))  # type: ignore[call-arg]
    database = Database.connect(migrated.api_url("tablero_readyz"), pool_size=1)
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        # when
        before = await c.get("/readyz")
        await asyncio.to_thread(upgrade, migrated.owner_url("tablero_readyz"))
        after = await c.get("/readyz")
    await database.dispose()
    # then
    assert before.status_code == 503
    assert before.json() == {"status": "unavailable", "reason": "database is not migrated"}
    assert after.status_code == 200


async def test_readyz_is_unavailable_when_the_database_is_unreachable(migrated: TestServer) -> None:
    url = "postgresql://tablero_api@127.0.0.1:1/tablero"
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    database = Database.connect(url, pool_size=1)
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    await database.dispose()
    assert response.status_code == 503
    assert response.json()["reason"].startswith("database unreachable")
