"""A bounded soak: normal readers keep their latency while hostile clients do their worst.

Starts `tablero serve` on a fresh embedded database (or uses --url), measures the latency of
member readers asking for a dashboard alone, then again while hostile clients send what the
issue of hostile traffic listed: fragment fan-outs, alias floods, near-budget queries,
documents slow to validate, oversized and undecodable bodies, deep JSON and token
forgeries. Every hostile answer must be a clear refusal (never a 5xx), and the readers' p50
and p95 must stay within a small factor of their own baseline. Exits 1 otherwise.

    python -m bench.soak [--seconds 20] [--url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.processes import clean_env, free_port, serving, tablero

DASHBOARD = """{ collaborative(slug: "riverside") { measures(first: 20) { nodes {
  name partner { name } latestObservations(count: 8) { period { label } value n } } } } }"""
# Readers are different people, each with a budget of their own (one account would be
# rate-limited like any client asking twenty dashboards a second).
READERS = tuple(
    f"{who}@demo.tablero.example" for who in ("resident", "staff", "steward", "backbone")
)
# p50 and p95 under attack may be this many times the baseline's, plus a little for the
# two cores the load generator shares with the server.
SLACK = {"p50": (2.0, 0.05), "p95": (3.0, 0.1)}


def fan_out(levels: int = 8, fan: int = 2) -> str:
    fragments = [
        f"fragment F{i} on Observation {{ value "
        + " ".join(f"r{j}: revisions {{ ...F{i + 1} }}" for j in range(fan))
        + " }"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Observation {{ value }}")
    return 'query { node(id: "x") { ... on Observation { ...F0 } } }\n' + "\n".join(fragments)


ALIASES = "{ " + " ".join(f'a{i}: aggregate(of: "x") {{ unit }}' for i in range(1000)) + " }"
NEAR_BUDGET = (
    "{ "
    + " ".join(
        f'c{i}: collaborative(slug: "riverside") {{ measures(first: 20) {{ nodes {{'
        f" latestObservations(count: 48) {{ value }} }} }} }}"
        for i in range(10)
    )
    + " }"
)
SLOW_TO_VALIDATE = "{ " + 'collaborative(slug: "x") { name } ' * 200 + "}"
HOSTILE: dict[str, Callable[[], dict]] = {
    # a new variant each time, so that it is never prepared already
    "slow to validate": lambda: {"json": {"query": f"{SLOW_TO_VALIDATE} # {time.time_ns()}"}},
    "fragment fan-out": lambda: {"json": {"query": fan_out()}},
    "1,000 aliases of aggregate": lambda: {"json": {"query": ALIASES}},
    "near-budget query": lambda: {"json": {"query": NEAR_BUDGET}},
    "2 MB body": lambda: {
        "content": b'{"query": "{ viewer { isAnonymous } } #' + b"x" * 2_000_000 + b'"}',
        "headers": {"content-type": "application/json"},
    },
    "not UTF-8": lambda: {
        "content": b'{"query": "\xff\xfe"}',
        "headers": {"content-type": "application/json"},
    },
    "deep JSON": lambda: {
        "content": b'{"query": "{ viewer { isAnonymous } }", "variables": {"v": '
        + b"[" * 50_000
        + b"]" * 50_000
        + b"}}",
        "headers": {"content-type": "application/json"},
    },
    "forged token": lambda: {
        "json": {"query": "{ viewer { isAnonymous } }"},
        "headers": {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
    },
}


async def read(url: str, token: str, until: float, latencies: list[float], failures: Counter):
    """One person reading their dashboard again and again, noting how long each took."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": DASHBOARD})
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or "errors" in response.json():
                failures[response.status_code] += 1
            await asyncio.sleep(0.05)  # a person, not a benchmark


async def attack(url: str, name: str, until: float, answers: Counter) -> None:
    """One hostile client sending one kind of hostile request, five a second.

    What matters here is that no request costs the service more than its limits allow;
    floods of cheap requests (thousands a second) are for the proxy in front to shed.
    """
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < until:
            try:
                response = await client.post("/graphql", **HOSTILE[name]())
                answers[(name, response.status_code)] += 1
            except httpx.TransportError:  # refused before the body was read: fine
                answers[(name, "closed")] += 1
            await asyncio.sleep(0.2)


async def phase(url: str, tokens: list[str], seconds: float, hostile: bool):
    until = time.monotonic() + seconds
    latencies: list[float] = []
    failures: Counter = Counter()
    answers: Counter = Counter()
    tasks = [read(url, token, until, latencies, failures) for token in tokens]
    if hostile:
        tasks += [attack(url, name, until, answers) for name in HOSTILE]
    await asyncio.gather(*tasks)
    q = statistics.quantiles(latencies, n=100)
    return {"p50": q[49], "p95": q[94], "n": len(latencies)}, failures, answers


def verdict(baseline: dict, attacked: dict, failures: Counter, answers: Counter) -> list[str]:
    problems = [
        f"readers' {p} {attacked[p] * 1000:.1f} ms is over {factor}x the baseline's "
        f"{baseline[p] * 1000:.1f} ms"
        for p, (factor, extra) in SLACK.items()
        if attacked[p] > baseline[p] * factor + extra
    ]
    if failures:
        problems.append(f"readers were refused: {dict(failures)}")
    problems += [
        f"{name} got a {status}"
        for (name, status), _ in answers.items()
        if isinstance(status, int) and status >= 500
    ]
    return problems


async def soak(url: str, tokens: list[str], seconds: float) -> int:
    await phase(url, tokens, 2, hostile=False)  # warm up
    baseline, _, _ = await phase(url, tokens, seconds / 2, hostile=False)
    attacked, failures, answers = await phase(url, tokens, seconds, hostile=True)
    for name, numbers in (("alone", baseline), ("under attack", attacked)):
        print(
            f"readers {name:13s} {numbers['n']:6d} requests   "
            f"p50 {numbers['p50'] * 1000:6.1f} ms   p95 {numbers['p95'] * 1000:6.1f} ms"
        )
    for (name, status), count in sorted(answers.items(), key=str):
        print(f"  hostile {name:28s} {status!s:>6}  x{count}")
    problems = verdict(baseline, attacked, failures, answers)
    for problem in problems:
        print(f"FAIL: {problem}")
    print("PASS" if not problems else "FAILED")
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--url", help="soak a running server (seeded with the demo)")
    args = parser.parse_args()
    if args.url:
        sys.exit(asyncio.run(soak(args.url, tokens(clean_env()), args.seconds)))
    with tempfile.TemporaryDirectory(prefix="tablero-soak-") as data_dir:
        port = free_port()
        env = clean_env(
            TABLERO_DATA_DIR=str(Path(data_dir)),
            TABLERO_PORT=str(port),
            TABLERO_LOG_LEVEL="warning",
        )
        with serving(env, port):
            code = asyncio.run(soak(f"http://127.0.0.1:{port}", tokens(env), args.seconds))
    sys.exit(code)


def tokens(env: dict[str, str]) -> list[str]:
    return [tablero("token", "--email", email, env=env).stdout.strip() for email in READERS]


if __name__ == "__main__":
    main()
