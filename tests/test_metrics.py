"""GET /metrics: what was asked, how it went and how long it took, for Prometheus."""

from __future__ import annotations

import re

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
