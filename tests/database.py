"""The test PostgreSQL: the embedded server (or TABLERO_TEST_DATABASE_URL), provisioned once."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from api import embedded

TEST_DATABASE = "tablero_test"


@dataclass(frozen=True)
class TestServer:
    """A PostgreSQL server on which tests may create databases."""

    __test__ = False  # a fixture value, not a test class

    superuser_url: str
    keepalive: Any = None

    def url(self, user: str, database: str) -> str:
        """A URL for one of Tablero's roles (password from TABLERO_TEST_ROLE_PASSWORD, if any)."""
        password = os.environ.get("TABLERO_TEST_ROLE_PASSWORD") or None
        parsed = make_url(self.superuser_url).set(
            username=user, database=database, password=password
        )
        return parsed.render_as_string(hide_password=False)

    def api_url(self, database: str = TEST_DATABASE) -> str:
        return self.url(embedded.API_ROLE, database)

    def owner_url(self, database: str = TEST_DATABASE) -> str:
        return self.url(embedded.OWNER_ROLE, database)

    async def create_database(self, name: str) -> None:
        """A fresh, empty database owned by the owner role (dropped first if it exists)."""
        conn = await asyncpg.connect(self.superuser_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        await embedded.provision(self.superuser_url, name)

    async def allow_owner_to_become_api(self) -> None:
        """Tests run as the owner and SET ROLE to the API role per request (no inheritance)."""
        conn = await asyncpg.connect(self.superuser_url)
        try:
            await conn.execute(
                f"GRANT {embedded.API_ROLE} TO {embedded.OWNER_ROLE} WITH INHERIT FALSE, SET TRUE"
            )
        finally:
            await conn.close()


async def start_test_server() -> TestServer:
    external = os.environ.get("TABLERO_TEST_DATABASE_URL")
    if external:
        url = make_url(external).set(drivername="postgresql").render_as_string(hide_password=False)
        await embedded.provision(url, "postgres")
        return TestServer(superuser_url=url)
    data_dir = Path(tempfile.mkdtemp(prefix="tablero-test-"))
    db = await embedded.start_async(data_dir, database=TEST_DATABASE, cleanup="delete")
    return TestServer(superuser_url=db.superuser_url, keepalive=db)
