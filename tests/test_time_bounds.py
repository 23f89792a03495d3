"""Time and size bounds: a statement, a request, a wait for a connection and an answer each
have a limit; past it the client gets a clear error with a code (a 503 to retry when the
database could not serve), nothing is written, and other requests go on being answered.

Runs the app on a real pool against a database of its own (tests/committed.py): these tests
need several connections at once, and locks held by another transaction.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from api.auth import issue_token
from schema.relay import to_global_id
from services.viewer import Role
from services.visibility import Visibility
from tests.committed import Committed
from tests.factories import make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure, quarterly_row

DOMAINS = """query($slug: String!) { collaborative(slug: $slug) { domains { name } } }"""
RENAME = """mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
  userErrors { code } measure { name } } }"""
# Five pages of twenty measures with their latest 98 values: 9,910 of a budget of 10,000.
NEAR_BUDGET = (
    "query($slug: String!) { "
    + " ".join(
        f"c{i}: collaborative(slug: $slug) {{ measures(first: 20) {{ nodes {{"
        f" latestObservations(count: 98) {{ value }} }} }} }}"
        for i in range(5)
    )
    + " }"
)


@dataclass(frozen=True)
class Town:
    slug: str
    measure_id: str
    steward: str


async def arrange(session) -> Town:
    collaborative = await make_collaborative(session, slug=f"bounds-{uuid4().hex[:8]}")
    partner = await make_partner(session, collaborative)
    steward = await make_member(session, collaborative, Role.PARTNER_STEWARD, partner)
    measure = await make_measure(session, partner, visibility=Visibility.PUBLIC)
    return Town(collaborative.slug, to_global_id("Measure", measure.id), steward.subject)


@pytest.fixture(scope="module")
async def town(committed: Committed) -> Town:
    return await committed.arrange(arrange)


@pytest.fixture
async def locked(committed: Committed):
    """Another transaction holding a lock on `domain` until the test ends."""
    url = make_url(committed.owner_url).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("LOCK TABLE domain, performance_measure IN ACCESS EXCLUSIVE MODE")
    yield
    await transaction.rollback()
    await conn.close()


async def ask(client, query: str, variables: dict, **headers: str):
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


# -- waiting for a connection --------------------------------------------------------------


@pytest.mark.parametrize(("held", "status"), [(1, 200), (2, 503)])
async def test_a_request_that_waits_too_long_for_a_connection_gets_a_503_to_retry(
    committed: Committed, town: Town, held: int, status: int
) -> None:
    # given a pool of one connection and one overflow, `held` of them taken
    async with committed.client(database_pool_size=1, database_pool_timeout_seconds=0.3) as client:
        engine = client.app.state.database.bind  # type: ignore[attr-defined]
        taken = [await engine.connect() for _ in range(held)]
        try:
            # when
            started = time.perf_counter()
            response = await ask(client, DOMAINS, {"slug": town.slug})
            waited = time.perf_counter() - started
        finally:
            for connection in taken:
                await connection.close()
    # then
    assert response.status_code == status, response.text
    if status == 503:
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "UNAVAILABLE"
        assert "retry" in error["message"]
        assert response.headers["Retry-After"] == "5"
        assert 0.3 <= waited < 3


# -- a statement, and a whole request ---------------------------------------------------------


async def test_a_statement_past_its_timeout_is_cancelled_and_answered_as_unavailable(
    committed: Committed, town: Town, locked: None
) -> None:
    async with committed.client(statement_timeout_seconds=0.3) as client:
        started = time.perf_counter()
        response = await ask(client, DOMAINS, {"slug": town.slug})
    assert time.perf_counter() - started < 3
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


async def test_a_request_past_its_time_limit_is_answered_and_writes_nothing(
    committed: Committed, town: Town
) -> None:
    steward = {"Authorization": f"Bearer {issue_token(committed.settings(), town.steward)}"}
    rename = {"input": {"id": town.measure_id, "name": "Renamed under a lock"}}
    url = make_url(committed.owner_url).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("LOCK TABLE performance_measure IN ACCESS EXCLUSIVE MODE")
        async with committed.client(request_timeout_seconds=0.5) as client:
            started = time.perf_counter()
            response = await ask(client, RENAME, rename, **steward)
            elapsed = time.perf_counter() - started
        await transaction.rollback()
    finally:
        await conn.close()
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert 0.5 <= elapsed < 3
    # and once the lock is gone, the same request within its limit succeeds
    async with committed.client(request_timeout_seconds=5) as client:
        after = await ask(client, RENAME, rename, **steward)
    assert after.json()["data"]["updateMeasure"]["measure"] == {"name": "Renamed under a lock"}


# -- the size of an answer ---------------------------------------------------------------------


async def test_an_answer_over_the_size_limit_is_refused_and_its_writes_undone(
    committed: Committed, town: Town
) -> None:
    steward = {"Authorization": f"Bearer {issue_token(committed.settings(), town.steward)}"}
    name = f"Families {uuid4().hex}"
    rename = {"input": {"id": town.measure_id, "name": name}}
    async with committed.client() as client:
        size = len((await ask(client, RENAME, rename, **steward)).content)
    # at the limit: answered; one byte under it: refused, and the rename is undone
    async with committed.client(max_response_bytes=size) as client:
        at = await ask(client, RENAME, rename, **steward)
    assert at.json()["data"]["updateMeasure"]["measure"] == {"name": name}
    renamed = {"input": {"id": town.measure_id, "name": name.upper()}}
    async with committed.client(max_response_bytes=size - 1) as client:
        over = await ask(client, RENAME, renamed, **steward)
        [error] = over.json()["errors"]
        now = await ask(
            client,
            "query($id: ID!) { node(id: $id) { ... on Measure { name } } }",
            {"id": town.measure_id},
        )
    assert error["extensions"] == {"code": "COST_LIMIT", "bytes": size, "limit": size - 1}
    assert now.json()["data"]["node"] == {"name": name}


# -- other requests go on ------------------------------------------------------------------------


async def fill(session, slug: str) -> None:
    """Twenty public measures of 100 quarters each (2,000 published values)."""
    collaborative = await make_collaborative(session, slug=slug)
    partner = await make_partner(session, collaborative)
    for m in range(20):
        measure = await make_measure(
            session, partner, name=f"Measure {m}", visibility=Visibility.PUBLIC
        )
        session.add_all(
            quarterly_row(measure, date(2000 + q // 4, q % 4 * 3 + 1, 1), value=q, n=q)
            for q in range(100)
        )
    await session.flush()


async def test_healthz_answers_quickly_while_a_near_budget_request_runs(
    committed: Committed,
) -> None:
    # given
    slug = f"busy-{uuid4().hex[:8]}"
    await committed.arrange(lambda session: fill(session, slug))
    async with committed.client() as client:
        heavy = asyncio.create_task(ask(client, NEAR_BUDGET, {"slug": slug}))
        # when /healthz is asked again and again while it runs
        latencies = []
        while not heavy.done():
            started = time.perf_counter()
            assert (await client.get("/healthz")).status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)
        response = await heavy
    # then the heavy request was served in full, and never held /healthz up for long
    body = response.json()
    assert body["extensions"]["cost"] == {"requested": 9910, "limit": 10_000}
    assert (
        sum(len(n["latestObservations"]) for n in body["data"]["c0"]["measures"]["nodes"]) == 1960
    )
    assert len(latencies) >= 3
    assert max(latencies) < 0.25, latencies
