"""Concurrent retries of one batch (one client key) all get the first result, written once.

Runs the app on a real pool against a database of its own: twenty requests at once, each on
its own connection and transaction, as a partner's system retrying in a hurry would send.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import uuid4

from sqlalchemy import text

from api.auth import issue_token
from schema.relay import to_global_id
from services.viewer import Role
from tests.committed import Committed
from tests.factories import make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure

SUBMIT = """mutation($input: SubmitObservationsInput!) { submitObservations(input: $input) {
  replayed userErrors { field code message } observations { id value } } }"""


@dataclass(frozen=True)
class Reporter:
    measure_id: str
    subject: str


async def arrange(session) -> Reporter:
    collaborative = await make_collaborative(session, slug=f"race-{uuid4().hex[:8]}")
    partner = await make_partner(session, collaborative)
    staff = await make_member(session, collaborative, Role.PARTNER_STAFF, partner)
    measure = await make_measure(session, partner)
    return Reporter(to_global_id("Measure", measure.id), staff.subject)


async def test_twenty_concurrent_identical_batches_all_get_the_first_result(
    committed: Committed,
) -> None:
    # given
    reporter = await committed.arrange(arrange)
    key = f"nightly-{uuid4()}"
    batch = {
        "input": {
            "subjectId": reporter.measure_id,
            "clientKey": key,
            "observations": [
                {"periodStart": "2025-01-01", "value": 40, "n": 40},
                {"periodStart": "2025-04-01", "value": 44, "n": 44},
            ],
        }
    }
    headers = {"Authorization": f"Bearer {issue_token(committed.settings(), reporter.subject)}"}
    async with committed.client(database_pool_size=10) as client:
        # when twenty identical requests arrive at once
        responses = await asyncio.gather(
            *(
                client.post("/graphql", json={"query": SUBMIT, "variables": batch}, headers=headers)
                for _ in range(20)
            )
        )
    # then every caller gets the same success, one of them as the writer
    payloads = [r.json()["data"]["submitObservations"] for r in responses]
    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert {tuple(o["id"] for o in p["observations"]) for p in payloads} == {
        tuple(o["id"] for o in payloads[0]["observations"])
    }
    assert sorted(p["replayed"] for p in payloads) == [False] + [True] * 19
    # and the batch is there once
    assert await committed.arrange(lambda session: written(session, key)) == (1, 2)


async def written(session, key: str) -> tuple[int, int]:
    """Batches under `key`, and the observations they hold."""
    row = (
        await session.exec(
            text(
                "SELECT (SELECT count(*) FROM observation_batch WHERE client_key = :key),"
                " (SELECT count(*) FROM observation o JOIN observation_batch b"
                "  ON b.id = o.batch_id WHERE b.client_key = :key)"
            ).bindparams(key=key)
        )
    ).one()
    return tuple(row)
