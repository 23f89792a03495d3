"""`make bench`: Tablero's requests beside a floor of hand-written SQL, on generated data.

Starts the embedded PostgreSQL in a directory of its own, migrates it, loads the synthetic
collaboratives (seeds/synthetic.py) of each size, then serves the API as `tablero serve`
in production settings and the floor (bench/floor.py: the same answers from asyncpg and a
minimal Starlette route, under the same row-level security) side by side. For every size,
request kind and concurrency, a driver in a process of its own (bench/load.py) posts for a
few seconds to each; the table shows requests/s and p50/p95/p99 of both and their ratio.
Everything shares the machine's cores: compare figures taken on the same machine only.

    python -m bench [--sizes S,M] [--seconds 5] [--concurrency 1,16] [--kinds a,b]
                    [--data-dir DIR]  # keep the loaded data between runs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from api import embedded
from api.settings import MOST_DEFAULT_WORKERS
from bench.requests import KIND_NAMES, Kind, email, kinds, listed
from seeds.synthetic import SIZES, Size, slug_of, synthetic_id
from tests.processes import clean_env, free_port, serving, tablero, wait_until_ready

VIEWERS = ("staff", "resident", "funder", "reporter")


def environment(db: embedded.EmbeddedDatabase, port: int) -> dict[str, str]:
    """Production settings, as an operator would run them, without the rate limit (one
    client asking thousands of times a second is the point here)."""
    return clean_env(
        TABLERO_ENVIRONMENT="prod",
        TABLERO_DATABASE_URL=db.api_url,
        TABLERO_OWNER_DATABASE_URL=db.owner_url,
        TABLERO_JWT_SECRET=secrets.token_urlsafe(48),
        TABLERO_PORT=str(port),
        TABLERO_LOG_LEVEL="warning",
        TABLERO_RATE_LIMIT_PER_MINUTE="0",
        TABLERO_RELEASE_CHECK_SECONDS="0",
        TABLERO_DEMO_SEED="false",
    )


def run(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    result = tablero(*args, env=env, timeout=timeout)
    if result.returncode != 0:
        sys.exit(f"tablero {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


@contextmanager
def floor_server(env: dict[str, str], port: int) -> Any:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.floor", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_ready(process, port)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


async def periods_of(owner_url: str, size: Size, granularity: str) -> list[str]:
    """The first days of the synthetic collaborative's reporting periods, oldest first."""
    return await _first_days(
        owner_url,
        "SELECT period_start FROM reporting_period WHERE collaborative_id = $1"
        " AND granularity = $2 ORDER BY period_start",
        synthetic_id(size, "collaborative"),
        granularity,
    )


async def months_of(owner_url: str, size: Size) -> list[str]:
    """The first days of the synthetic data's months, oldest first: those its first
    partner's first measure reported, not the collaborative's reporting periods, which
    the submitted batches extend ever further back."""
    return await _first_days(
        owner_url,
        "SELECT period_start FROM observation WHERE collaborative_id = $1"
        " AND subject_id = $2 AND breakdown_key = '' AND is_current ORDER BY period_start",
        synthetic_id(size, "collaborative"),
        synthetic_id(size, "measure", 0, 0),
    )


async def _first_days(owner_url: str, query: str, *args: Any) -> list[str]:
    conn = await asyncpg.connect(owner_url)
    try:
        rows = await conn.fetch(query, *args)
    finally:
        await conn.close()
    return [r["period_start"].isoformat() for r in rows]


def drive(
    url: str, kind: Kind, size: Size, months: list[str], token: str | None, concurrency: int,
    seconds: float, first_number: int,
) -> dict[str, Any]:  # fmt: skip
    command = [
        sys.executable, "-m", "bench.load", "--url", url, "--kind", kind.name,
        "--size", size.name, "--months", ",".join(months), "--concurrency", str(concurrency),
        "--seconds", str(seconds), "--first-number", str(first_number),
    ]  # fmt: skip
    if token:
        command += ["--token", token]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"the load driver failed:\n{result.stderr}")
    return json.loads(result.stdout)


def row(kind: Kind, concurrency: int, api: dict[str, Any], floor: dict[str, Any] | None) -> str:
    unit = "obs/s" if kind.items > 1 else "req/s"
    rate = "items_per_second" if kind.items > 1 else "per_second"
    text = (
        f"| {kind.name} | {concurrency} | {api[rate]:,.0f} {unit} | {api['p50']:.1f} |"
        f" {api['p95']:.1f} | {api['p99']:.1f} |"
    )
    if floor is None:
        return text + " | | |"
    ratio = api[rate] / floor[rate] if floor[rate] else 0
    return text + f" {floor[rate]:,.0f} | {floor['p50']:.1f} | {ratio:.0%} |"


def problems(name: str, result: dict[str, Any]) -> str:
    if not result["errors"]:
        return ""
    return f"\n  {name}: {result['errors']} errors, first: {result['first_error']}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="S,M")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--kinds", help="comma-separated kinds (default: every one)")
    parser.add_argument("--no-floor", action="store_true", help="the API alone")
    parser.add_argument("--data-dir", type=Path, help="keep the database here between runs")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(os.cpu_count() or 1, MOST_DEFAULT_WORKERS),
        help="server processes of the API and of the floor each (prod's default)",
    )
    args = parser.parse_args()
    try:
        sizes = [SIZES[s] for s in listed(args.sizes.upper(), list(SIZES), "--sizes")]
        chosen = listed(args.kinds, KIND_NAMES, "--kinds") if args.kinds else KIND_NAMES
    except ValueError as e:
        parser.error(str(e))
    try:
        levels = [int(c) for c in args.concurrency.split(",")]
    except ValueError:
        parser.error("--concurrency: whole numbers separated by commas, e.g. 1,16")
    if any(level < 1 for level in levels) or args.seconds <= 0:
        parser.error("--concurrency levels and --seconds must be positive")
    with ExitStack() as stack:
        data_dir = args.data_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="tablero-bench-"))
        )
        db = embedded.start(data_dir)
        api_port, floor_port = free_port(), free_port()
        env = environment(db, api_port) | {"TABLERO_WORKERS": str(args.workers)}
        print(
            f"Tablero bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()},"
            f" {os.cpu_count()} cores, Python {platform.python_version()},"
            f" {args.workers} server processes each for the API and the floor"
        )
        run("migrate", env=env)
        for size in sizes:
            started = time.perf_counter()
            print(run("seed", "synthetic", "--size", size.name, env=env, timeout=1800))
            print(f"  ({time.perf_counter() - started:.1f} s with the command's start-up)")
            started = time.perf_counter()
            quarters = asyncio.run(periods_of(db.owner_url, size, "quarter"))
            run(
                "release", "period", "--collaborative", slug_of(size),
                "--start", quarters[-1], env=env,
            )  # fmt: skip
            print(
                f"  releasing {slug_of(size)}'s latest quarter again (a revision) took"
                f" {time.perf_counter() - started:.2f} s with the command's start-up"
            )
        stack.enter_context(serving(env, api_port))
        if not args.no_floor:
            stack.enter_context(floor_server(env, floor_port))
        print(
            "\n| request | c | Tablero | p50 ms | p95 ms | p99 ms | floor | floor p50 ms |"
            " Tablero/floor |\n|---|---|---|---|---|---|---|---|---|"
        )
        failures = ""
        # Batches' numbers go on across runs on the same data: each batch is a new one.
        numbers = data_dir / "bench-next-batch"
        number = int(numbers.read_text()) if numbers.exists() else 0
        for size in sizes:
            months = asyncio.run(months_of(db.owner_url, size))
            tokens = {v: run("token", "--email", email(size, v), env=env) for v in VIEWERS} | {
                None: None
            }
            print(f"| **size {size.name}** | | | | | | | | |")
            for kind in kinds(months):
                if kind.name not in chosen:
                    continue
                for concurrency in levels:
                    api = drive(
                        f"http://127.0.0.1:{api_port}/graphql", kind, size, months,
                        tokens[kind.viewer], concurrency, args.seconds, number,
                    )  # fmt: skip
                    # only batches use up numbers (each records months never recorded)
                    number = api["next_number"] if kind.items > 1 else number
                    floor = None
                    if not args.no_floor:
                        floor = drive(
                            f"http://127.0.0.1:{floor_port}/floor/{kind.name}", kind, size,
                            months, tokens[kind.viewer], concurrency, args.seconds, number,
                        )  # fmt: skip
                        number = floor["next_number"] if kind.items > 1 else number
                        failures += problems(f"floor {kind.name} c={concurrency}", floor)
                    numbers.write_text(str(number))
                    failures += problems(f"Tablero {kind.name} c={concurrency}", api)
                    print(row(kind, concurrency, api, floor), flush=True)
        if failures:
            print("\nErrors:" + failures)
            sys.exit(1)


if __name__ == "__main__":
    main()
