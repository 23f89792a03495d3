"""The real app with settings of a test's choosing, on the test's connection (as `client`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.database import Database
from api.settings import Settings


@asynccontextmanager
async def client_with(
    settings: Settings, database: Database, connection: AsyncConnection, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose settings are `settings` changed by `overrides`."""

    async def back_to_owner(response: httpx.Response) -> None:
        await connection.exec_driver_sql("RESET ROLE")

    app = create_app(settings.model_copy(update=overrides), database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        event_hooks={"response": [back_to_owner]},
    ) as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


async def post(client: httpx.AsyncClient, body: Any, **headers: str) -> httpx.Response:
    """POST raw bytes, text or JSON to /graphql as a client may, whatever it holds."""
    if isinstance(body, bytes | str):
        return await client.post(
            "/graphql", content=body, headers={"content-type": "application/json", **headers}
        )
    return await client.post("/graphql", json=body, headers=headers)
