"""A lean HTTP/1.1 load driver: C keep-alive connections POST one request kind for D seconds.

Run in a process of its own so that its work does not share the server's event loop, and
written on asyncio streams rather than an HTTP client library so that the driver is not
what bounds the figures (the floor answers in well under a millisecond). Prints one JSON
line: requests, errors, the first error, and latency percentiles in milliseconds.

    python -m bench.load --url http://127.0.0.1:8000/graphql --kind partner-dashboard \
        --size S --concurrency 16 --seconds 5 [--token JWT]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.requests import Kind


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def error(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what[:500]

    def summary(self, seconds: float, items: int) -> dict[str, Any]:
        done = len(self.latencies)
        q = statistics.quantiles(self.latencies, n=100) if done > 1 else [0.0] * 99
        return {
            "requests": done,
            "per_second": done / seconds,
            "items_per_second": done * items / seconds,
            "p50": q[49] * 1000,
            "p95": q[94] * 1000,
            "p99": q[98] * 1000,
            "errors": self.errors,
            "first_error": self.first_error,
        }


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response's status and body (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = bytearray()
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, bytes(body)
        body += chunk[:-2]


def check(status: int, body: bytes) -> str | None:
    """What is wrong with an answer, or None: a 200 without errors nor user errors."""
    if status != 200:
        return f"HTTP {status}: {body[:300]!r}"
    if b'"errors"' in body:
        return body[:500].decode("utf-8", "replace")
    if b'"userErrors"' in body and _user_errors(json.loads(body)):
        return body[:500].decode("utf-8", "replace")
    return None


def _user_errors(answer: Any) -> bool:
    """Whether a mutation's answer holds a non-empty userErrors list anywhere."""
    if isinstance(answer, dict):
        return bool(answer.get("userErrors")) or any(map(_user_errors, answer.values()))
    return isinstance(answer, list) and any(map(_user_errors, answer))


async def client(
    url: str, kind: Kind, size: Any, headers: str, numbers: Any, until: float, tally: Tally
) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < until:
            body = json.dumps(kind.body(size, next(numbers))).encode()
            request = (
                f"POST {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                f"{headers}\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            try:
                status, answer = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as e:
                tally.error(f"connection: {e!r}")
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            tally.latencies.append(time.perf_counter() - started)
            problem = check(status, answer)
            if problem:
                tally.error(problem)
    finally:
        writer.close()


async def drive(
    url: str, kind: Kind, size: Any, token: str | None, concurrency: int, seconds: float,
    *, first_number: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """Warm up for a second, then drive `concurrency` clients for `seconds`."""
    headers = f"Authorization: Bearer {token}\r\n" if token else ""
    numbers = itertools.count(first_number)
    await client(url, kind, size, headers, numbers, time.monotonic() + 1, Tally())
    tally = Tally()
    until = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(
        *(client(url, kind, size, headers, numbers, until, tally) for _ in range(concurrency))
    )
    return tally.summary(time.monotonic() - started, kind.items) | {"next_number": next(numbers)}


def main() -> None:
    from bench.requests import kinds
    from seeds.synthetic import SIZES

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--kind", required=True)
    parser.add_argument("--size", default="S", choices=sorted(SIZES))
    parser.add_argument("--months", required=True, help="the data's months, oldest first")
    parser.add_argument("--token")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--first-number", type=int, default=0, help="batches' first number")
    args = parser.parse_args()
    kind = {k.name: k for k in kinds(args.months.split(","))}[args.kind]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(
        drive(
            args.url, kind, SIZES[args.size], args.token, args.concurrency, args.seconds,
            first_number=args.first_number,
        )
    )  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
