"""GET /metrics: what was asked, how it went and how long it took, for Prometheus."""

from __future__ import annotations

import re

import httpx

from api.app import create_app
from api.metrics import MAX_OPERATION_NAMES, OperationNames
from api.settings import Settings
from tests.factories import graphql


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


async def test_requests_are_counted_and_timed_by_route_and_status(client) -> None:
    await graphql(client, "{ viewer { isAnonymous } }")
    await client.get("/healthz")
    await client.get("/no/such/page")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    total = "tablero_http_requests_total"
    assert sample(text, total, method="POST", route="/graphql", status="200") == 1
    assert sample(text, total, method="GET", route="/healthz", status="200") == 1
    assert sample(text, total, method="GET", route="other", status="404") == 1
    count = "tablero_http_request_duration_seconds_count"
    assert sample(text, count, route="/graphql") == 1
    assert "process_cpu_seconds_total" in text


async def test_an_unknown_path_never_becomes_a_label_of_its_own(client) -> None:
    for i in range(3):
        await client.get(f"/probe-{i}")
    text = (await client.get("/metrics")).text
    assert "probe-" not in text


OPERATIONS = "tablero_graphql_operations_total"


async def test_graphql_operations_are_counted_by_name_with_their_errors_by_code(client) -> None:
    # given / when
    for _ in range(2):
        await graphql(client, "query Readiness { viewer { isAnonymous } }")
    await graphql(client, "{ viewer { isAnonymous } }")
    await graphql(client, "query Broken { viewer { nope } }")
    await client.post("/graphql", content=b"{", headers={"content-type": "application/json"})
    text = (await client.get("/metrics")).text
    # then
    assert sample(text, OPERATIONS, operation="Readiness", type="query", outcome="ok") == 2
    assert sample(text, OPERATIONS, operation="(none)", type="query", outcome="ok") == 1
    assert sample(text, OPERATIONS, operation="Broken", type="query", outcome="error") == 1
    errors = "tablero_graphql_errors_total"
    assert sample(text, errors, operation="Broken", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert sample(text, errors, operation="(none)", code="BAD_USER_INPUT") == 1  # refused body
    duration = "tablero_graphql_operation_duration_seconds_count"
    assert sample(text, duration, operation="Readiness") == 2


async def test_client_chosen_operation_names_cannot_grow_the_labels_without_bound(client) -> None:
    for i in range(MAX_OPERATION_NAMES + 5):
        await graphql(client, f"query Probe{i} {{ viewer {{ isAnonymous }} }}")
    text = (await client.get("/metrics")).text
    named = {
        line.split('operation="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith(OPERATIONS + "{")
    }
    assert len(named) == MAX_OPERATION_NAMES + 1
    assert sample(text, OPERATIONS, operation="(other)", type="query", outcome="ok") == 5


def test_only_valid_graphql_names_become_labels() -> None:
    names = OperationNames(limit=2)
    assert names.label(None) == "(none)"
    assert names.label('x"} 1\nevil') == "(other)"
    assert names.label("A" * 65) == "(other)"
    assert [names.label(n) for n in ("One", "Two", "Three", "One")] == [
        "One",
        "Two",
        "(other)",
        "One",
    ]


async def test_the_database_pool_is_measured(settings: Settings) -> None:
    # given: an app with a pool of its own, as `tablero serve` runs it
    app = create_app(settings.model_copy(update={"database_pool_size": 3}))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as c:
            await graphql(c, '{ collaborative(slug: "none") { name } }')
            text = (await c.get("/metrics")).text
    finally:
        await app.state.database.dispose()
    # then
    assert sample_plain(text, "tablero_db_pool_max_connections") == 6  # 3 and 3 overflow
    in_use = sample(text, "tablero_db_pool_connections", state="in_use")
    idle = sample(text, "tablero_db_pool_connections", state="idle")
    assert in_use == 0  # every request gave its connection back
    assert idle >= 1


def sample_plain(text: str, name: str) -> float:
    (value,) = [line.split()[1] for line in text.splitlines() if line.startswith(name + " ")]
    return float(value)
