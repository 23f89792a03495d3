"""Where one request kind spends the server's CPU: a cProfile of the API in this process.

The benchmark says how fast; this says why. It loads size S (or uses --data-dir's
database, loaded by an earlier `python -m bench --data-dir DIR`), builds the app as
`tablero serve` does in prod, sends the kind's request through ASGI (no sockets: only the
server's own work is measured) a few times to warm up, then `--requests` times under
cProfile, and prints the CPU per request, the share of each package and the costliest
functions.

    python -m bench.profile --kind partner-dashboard [--requests 200] [--data-dir DIR]
                            [--statements]

`--statements` prints instead the SQL statements one request sends, in order: the round
trips it costs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from api import embedded
from api.app import create_app
from api.auth import issue_token
from api.settings import Settings
from bench.__main__ import environment, months_of, run
from bench.load import check
from bench.requests import KIND_NAMES, email, kinds
from seeds.synthetic import SIZES, slug_of
from tests.processes import free_port

SIZE = SIZES["S"]
PACKAGES = (
    "sqlalchemy", "sqlmodel", "graphql", "strawberry", "asyncpg", "starlette", "httpx",
    "orjson", "pydantic", "asyncio", "uvloop",
)  # fmt: skip
OURS = ("api/", "schema/", "services/", "bench/")


def where(filename: str) -> str:
    for package in PACKAGES:
        if f"/{package}/" in filename:
            return package
    for ours in OURS:
        if f"/{ours}" in filename:
            return ours.rstrip("/") + "/ (Tablero)"
    return "CPython and the rest" if filename != "~" else "CPython builtins"


async def profile(
    env: dict[str, str],
    kind_name: str,
    requests: int,
    months: list[str],
    first: int,
    statements: bool = False,
) -> int:
    """Profile the kind; the next unused batch number (each batch records new months)."""
    os.environ.update(env)
    settings = Settings()  # as `tablero serve` reads them (bench/__main__.py environment)
    kind = {k.name: k for k in kinds(months)}[kind_name]
    app = create_app(settings)
    headers = {"Accept-Encoding": "identity"}  # as bench/load.py: no compression
    if kind.viewer:
        headers["Authorization"] = f"Bearer {issue_token(settings, email(SIZE, kind.viewer))}"
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):

        async def ask(number: int) -> None:
            response = await client.post("/graphql", json=kind.body(SIZE, number), headers=headers)
            if wrong := check(response.status_code, response.content):  # as bench/load.py
                raise SystemExit(f"{kind.name} failed: {wrong}")

        numbers = iter(range(first, first + 20 + 2 * requests))
        for _ in range(20):
            await ask(next(numbers))
        if statements:
            await print_statements(ask, next(numbers))
            return first + 21
        started = time.perf_counter()
        for _ in range(requests):
            await ask(next(numbers))
        wall = (time.perf_counter() - started) / requests * 1000
        profiler = cProfile.Profile()
        started = time.process_time()
        profiler.enable()
        for _ in range(requests):
            await ask(next(numbers))
        profiler.disable()
        spent = (time.process_time() - started) / requests * 1000
    stats = pstats.Stats(profiler)
    shares: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        shares[where(filename)] += own
        total += own
    print(
        f"{kind.name}: {wall:.2f} ms per request one after another (PostgreSQL included),"
        f" {spent:.2f} ms of CPU per request while profiled, {requests} requests\n"
    )
    print("| where | share |\n|---|---|")
    for name, own in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"| {name} | {own / total:.0%} |")
    print()
    stats.sort_stats("tottime").print_stats(25)
    return first + 20 + 2 * requests


async def print_statements(ask: Callable[[int], Awaitable[None]], number: int) -> None:
    """The statements one request sends, in order (each a round trip), with the time from
    sending each to its result, as the driver sees them."""
    sent: list[tuple[str, float]] = []
    started: dict[int, float] = {}  # by cursor: another connection's statements may interleave

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        spent = (time.perf_counter() - started.pop(id(cursor))) * 1000
        sent.append((" ".join(statement.split()), spent))

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    try:
        await ask(number)
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        event.remove(Engine, "after_cursor_execute", after)
    print(f"{len(sent)} statements (BEGIN and COMMIT not shown):")
    for number, (statement, ms) in enumerate(sent, 1):
        print(f"{number:3}. {ms:6.2f} ms {statement[:300]}{' ...' if len(statement) > 300 else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kind", default="partner-dashboard", choices=KIND_NAMES)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, help="a database loaded by `python -m bench`")
    parser.add_argument(
        "--statements", action="store_true", help="print the statements of one request"
    )
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    with ExitStack() as stack:
        data_dir = args.data_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="tablero-profile-"))
        )
        db = embedded.start(data_dir)
        env = environment(db, free_port())
        if args.data_dir is None:
            run("migrate", env=env)
            run("seed", "synthetic", "--size", SIZE.name, env=env, timeout=1800)
        months = asyncio.run(months_of(db.owner_url, SIZE))
        if not months:
            raise SystemExit(f"no {slug_of(SIZE)} in {data_dir}: load it with `python -m bench`")
        counter = data_dir / "bench-next-batch"  # shared with `python -m bench`
        first = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(
            str(asyncio.run(profile(env, args.kind, args.requests, months, first, args.statements)))
        )


if __name__ == "__main__":
    main()
