"""Throughput of the served API on the demo collaborative, over loopback.

Starts `tablero serve` on a fresh embedded database (or uses --url), then for each scenario
runs C concurrent clients for D seconds and prints requests/s and latency percentiles.
The load generator shares the machine's cores with the server, so compare figures taken
on the same machine only.

    python -m bench [--seconds 10] [--concurrency 16] [--url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.processes import clean_env, free_port, serving, tablero

PARTNER_PAGE = """{ collaborative(slug: "riverside") { partners(first: 20) {
  totalCount nodes { id name kind visibility collaborative { slug } } } } }"""
MEMBER_VIEW = """{ viewer { account { email } memberships { role partner { name } } }
  collaborative(slug: "riverside") { partners(first: 20) { nodes { name contact { email } } } } }"""


DASHBOARD = """{ collaborative(slug: "riverside") { measures(first: 20) { nodes {
  name partner { name } latestObservations(count: 8) { period { label } value n } } } } }"""
SCREENED = "U2hhcmVkTWVhc3VyZToxOWY1OWVmNC1hY2M4LTUwNTEtODZmOS01MzkyNDVmN2M1ZWM="  # demo
FUNDER_AGGREGATE = f"""{{ aggregate(of: "{SCREENED}", by: ["race_ethnicity"]) {{
  cells {{ period {{ label }} breakdown {{ categoryLabel }} value partners n reason }} }} }}"""
CHARTS = """{ collaborative(slug: "riverside") { measures(first: 20) { nodes {
  name series { points { label value } target { value } latestVsForecast
    forecast { points { value } } } } } } }"""
PUBLIC_DASHBOARD_ES = """{ dashboard(collaborativeSlug: "riverside", slug: "community-dashboard",
  language: "es") { title panels { title chart subject { name }
    series { breakdown { categoryLabel } points { label value } forecast { points { value } } }
  } } }"""


@dataclass(frozen=True)
class Scenario:
    name: str
    query: str
    as_email: str | None = None


SCENARIOS = (
    Scenario("anonymous partner page", PARTNER_PAGE),
    Scenario(
        "backbone viewer + partners with contacts", MEMBER_VIEW, "backbone@demo.tablero.example"
    ),
    Scenario("20 measures x latest 8 observations", DASHBOARD, "resident@demo.tablero.example"),
    Scenario(
        "funder aggregate, 12 quarters x race (suppressed cube)",
        FUNDER_AGGREGATE,
        "funder@demo.tablero.example",
    ),
    Scenario("20 measures x series with forecast", CHARTS, "resident@demo.tablero.example"),
    Scenario("public dashboard in Spanish, 8 panels (anonymous)", PUBLIC_DASHBOARD_ES),
)


async def _client(url: str, body: dict, headers: dict, until: float, latencies: list[float]) -> int:
    errors = 0
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            started = time.perf_counter()
            response = await client.post("/graphql", json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or "errors" in response.json():
                errors += 1
    return errors


async def measure(
    url: str, scenario: Scenario, token: str | None, seconds: float, concurrency: int
) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": scenario.query}
    # warm up: caches, pool, JIT-less but import-heavy first requests
    await _client(url, body, headers, time.monotonic() + 1, [])
    latencies: list[float] = []
    until = time.monotonic() + seconds
    errors = sum(
        await asyncio.gather(
            *(_client(url, body, headers, until, latencies) for _ in range(concurrency))
        )
    )
    q = statistics.quantiles(latencies, n=100)
    return (
        f"{scenario.name:45s} {len(latencies) / seconds:8.1f} req/s   "
        f"p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms   errors {errors}"
    )


def run(url: str, env: dict[str, str], seconds: float, concurrency: int) -> None:
    print(f"{concurrency} concurrent clients, {seconds:.0f} s per scenario, {url}")
    for scenario in SCENARIOS:
        token = None
        if scenario.as_email:
            result = tablero("token", "--email", scenario.as_email, env=env)
            token = result.stdout.strip()
        print(asyncio.run(measure(url, scenario, token, seconds, concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    args = parser.parse_args()
    if args.url:
        run(args.url, clean_env(), args.seconds, args.concurrency)
        return
    with tempfile.TemporaryDirectory(prefix="tablero-bench-") as data_dir:
        port = free_port()
        env = clean_env(
            TABLERO_DATA_DIR=str(Path(data_dir)),
            TABLERO_PORT=str(port),
            TABLERO_LOG_LEVEL="warning",
            # Throughput, not fairness: one client's budget per minute would cap it.
            TABLERO_RATE_LIMIT_PER_MINUTE="0",
        )
        with serving(env, port):
            run(f"http://127.0.0.1:{port}", env, args.seconds, args.concurrency)


if __name__ == "__main__":
    main()
