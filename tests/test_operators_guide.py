"""docs/operators.md, run as written against a demo served in production mode: a refused
configuration, the dashboard's documents registered, health and metrics, a backup with
pg_dump, a restore drill served and read (its JSON log included), migrations."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import pytest
from sqlalchemy.engine import make_url

from tests.database import TestServer
from tests.guides import run_guide, served_demo
from tests.processes import free_port

pytestmark = pytest.mark.served

DATABASE = "tablero_operators_guide"
METRICS_TOKEN = "operators-guide-metrics-token"


def postgres_variables(server: TestServer) -> dict[str, str]:
    """libpq's variables for the test server's superuser, as the guide asks of an operator."""
    url = make_url(server.superuser_url)
    socket = parse_qs(str(url).partition("?")[2]).get("host", [None])[0]
    return {
        "PGHOST": url.host or socket or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": DATABASE,
        "TABLERO_API_PASSWORD": os.environ.get("TABLERO_TEST_ROLE_PASSWORD", ""),
    }


@pytest.fixture(scope="module")
async def served(migrated: TestServer) -> AsyncIterator[tuple[str, dict[str, str]]]:
    await migrated.create_database(DATABASE)
    await drop(migrated, "tablero_drill")  # the drill creates it (a failed run may have left it)
    with served_demo(
        migrated,
        DATABASE,
        TABLERO_ENVIRONMENT="prod",
        TABLERO_JWT_SECRET="operators-guide-secret-of-forty-characters",
        TABLERO_METRICS_TOKEN=METRICS_TOKEN,
        TABLERO_WORKERS="1",  # one process, scraped whole, as the guide says to run it
        **postgres_variables(migrated),
    ) as found:
        yield found


async def drop(server: TestServer, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server.superuser_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def test_every_command_of_the_operators_guide_runs_against_the_demo(served, tmp_path) -> None:
    # given
    url, env = served
    drill_port = str(free_port())
    # when
    result = run_guide("operators.md", url, env, tmp_path, **{"8001": drill_port})
    # then
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "refusing to start in prod without a TABLERO_JWT_SECRET of at least 32" in out
    assert "refused, as it should be" in out
    assert "Registered 3 document(s)." in out
    assert '"status":"ready"' in out
    assert 'tablero_graphql_operations_total{operation="Health",outcome="ok",type="query"}' in out
    assert "tablero_db_pool_max_connections" in out
    assert (tmp_path / "tablero.dump").stat().st_size > 100_000
    assert "CREATE ROLE tablero_api" in (tmp_path / "roles.sql").read_text()
    # the restored copy serves the demo's public dashboard...
    assert '{"data":{"dashboard":{"title":"Riverside Thrives","panels":[' in out
    # ...and logs each request as one JSON line, as prod does
    drill = [
        json.loads(line)
        for line in (tmp_path / "drill.log").read_text().splitlines()
        if line.startswith("{")
    ]
    read = [line for line in drill if line.get("operation") == "Drill"]
    assert len(read) == 1
    assert (read[0]["status"], read[0]["viewer"], read[0]["errors"]) == (200, "anonymous", [])
    assert "Database is at the latest revision." in out
