"""The benchmark's requests stay lean: few statements each, and plans that use the indexes.

On the synthetic collaborative of size S (seeds/synthetic.py: 50 partners, 203,000
observations, analyzed) in a database of its own, loaded once for the module, every request
kind of `make bench` (bench/requests.py) is sent through the real app as its viewer. The
statements it sends are counted at the engine (no more than after the speed work, so that
a resolver turning N+1 again fails here), and every statement that reads or writes the
observation table is explained with its own parameters, as the API role with the viewer's
settings: none may scan the table sequentially. Size S rather than M for time; the planner
weighs the table as it physically is, and at S a sequential scan already costs tenfold.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from api.app import create_app
from api.auth import Credentials, issue_token, viewer_of
from api.database import Database
from api.migrate import upgrade
from api.settings import Settings
from bench.requests import Kind, email, kinds
from seeds.synthetic import SIZES, seed_synthetic, synthetic_id
from services.viewer import ANONYMOUS, Identity, Viewer
from tests.database import TestServer

DATABASE = "tablero_hot_paths"
SIZE = SIZES["S"]
# Statements per request after the speed work (identification and the viewer's settings
# included; BEGIN and COMMIT are not statements the engine sees). The dashboards and the
# page of measures are compiled reads (schema/compiled): one statement answers them.
MOST_STATEMENTS = {
    "partner-dashboard": 3,
    "member-dashboard": 3,
    "measures-page": 3,
    "funder-aggregate": 7,
    "series": 6,
    "public-dashboard": 10,
    "submit": 12,
}
# Tables that grow with the data: a sequential scan of them is what must never come back.
LARGE_TABLES = ("observation", "release_cell", "release_share")
READS_LARGE_TABLE = re.compile(r"\b(observation|release_cell|release_share)\b(?!_)")


@dataclass
class Recorder:
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.statements.append((statement, parameters))


@dataclass
class Synthetic:
    server: TestServer
    months: list[str]

    def settings(self) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=self.server.api_url(DATABASE),
            rate_limit_per_minute=0,
            release_check_seconds=0,
        )


@pytest.fixture(scope="module")
async def synthetic(migrated: TestServer) -> Synthetic:
    await migrated.create_database(DATABASE)
    owner_url = migrated.owner_url(DATABASE)
    await asyncio.to_thread(upgrade, owner_url)
    await seed_synthetic(owner_url, SIZE)
    owner = Database.connect(owner_url, pool_size=1)
    try:
        async with owner.connection() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT period_start FROM reporting_period WHERE granularity = 'month'"
                f" AND collaborative_id = '{synthetic_id(SIZE, 'collaborative')}'"
                " ORDER BY period_start"
            )
            months = [r[0].isoformat() for r in rows]
    finally:
        await owner.dispose()
    return Synthetic(migrated, months)


@pytest.fixture(scope="module")
async def served(synthetic: Synthetic) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    settings = synthetic.settings()
    assert settings.database_url is not None
    database = Database.connect(settings.database_url, pool_size=2)
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60
    ) as client:
        yield client, database
    await database.dispose()


async def send(
    served: tuple[httpx.AsyncClient, Database], synthetic: Synthetic, kind: Kind, number: int
) -> tuple[dict[str, Any], Recorder]:
    client, database = served
    headers = {}
    if kind.viewer:
        token = issue_token(synthetic.settings(), email(SIZE, kind.viewer))
        headers["Authorization"] = f"Bearer {token}"
    recorder = Recorder()
    engine = database.bind.sync_engine  # type: ignore[union-attr]
    event.listen(engine, "before_cursor_execute", recorder)
    try:
        response = await client.post("/graphql", json=kind.body(SIZE, number), headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", recorder)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body, recorder


async def viewer_for(synthetic: Synthetic, kind: Kind, database: Database) -> Viewer:
    if kind.viewer is None:
        return ANONYMOUS
    async with database.unit_of_work(ANONYMOUS) as session:
        return await viewer_of(
            Credentials(identity=Identity(subject=email(SIZE, kind.viewer))), session
        )


def sequential_scans(plan: Any) -> list[str]:
    """The relations a plan (EXPLAIN's JSON) scans sequentially."""
    found = []
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan":
            found.append(plan.get("Relation Name", "?"))
        for value in plan.values():
            found += sequential_scans(value)
    elif isinstance(plan, list):
        for value in plan:
            found += sequential_scans(value)
    return found


def kind_names() -> list[str]:
    return [k.name for k in kinds(["2020-01-01"])]


@pytest.mark.parametrize("name", kind_names())
async def test_each_benchmark_request_sends_few_statements(synthetic, served, name) -> None:
    kind = {k.name: k for k in kinds(synthetic.months)}[name]
    _, recorder = await send(served, synthetic, kind, number=1)
    print(name, len(recorder.statements))
    assert len(recorder.statements) <= MOST_STATEMENTS[name], [
        s[:120] for s, _ in recorder.statements
    ]


@pytest.mark.parametrize("name", kind_names())
async def test_no_benchmark_request_scans_a_large_table(synthetic, served, name) -> None:
    kind = {k.name: k for k in kinds(synthetic.months)}[name]
    _, recorder = await send(served, synthetic, kind, number=2)
    reading = [(s, p) for s, p in recorder.statements if READS_LARGE_TABLE.search(s)]
    assert reading or name == "measures-page", "the request should read the data"
    _, database = served
    viewer = await viewer_for(synthetic, kind, database)
    async with database.unit_of_work(viewer) as session:
        connection = await session.connection()
        for statement, parameters in reading:
            if isinstance(parameters, list) and parameters and isinstance(parameters[0], tuple):
                parameters = parameters[0]  # executemany: the plan is the same for each row
            explained = await connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            )
            plan = explained.scalar_one()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scanned = set(sequential_scans(plan)) & set(LARGE_TABLES)
            assert not scanned, (statement[:300], plan)
        await session.rollback()
