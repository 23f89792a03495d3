"""End to end: `tablero serve` on the embedded PostgreSQL, as a newcomer would run it.

Starts the real command in a subprocess with a fresh data directory, queries it over
HTTP, stops it like Ctrl-C would, checks the embedded database stopped too, and starts
it again to find the data kept.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from tests.processes import clean_env, free_port, serving, tablero

pytestmark = pytest.mark.served


def post(port: int, query: str, token: str | None = None, variables: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


PARTNERS = '{ collaborative(slug: "riverside") { id partners(first: 50) { nodes { name } } } }'
CREATE = """
mutation($input: CreatePartnerInput!) {
  createPartner(input: $input) { partner { name } userErrors { field message } }
}
"""


def _serve_stop_and_serve_again(data_dir: Path) -> None:
    port = free_port()
    env = clean_env(TABLERO_DATA_DIR=str(data_dir), TABLERO_PORT=str(port))
    with serving(env, port) as process:
        # the README's first curl, with its cost and what is left of the minute's budget
        first = post(port, "{ viewer { __typename } }")
        assert first["data"] == {"viewer": {"__typename": "Viewer"}}
        assert first["extensions"]["cost"] == {"requested": 1, "limit": 10_000}
        assert first["extensions"]["rateLimit"]["remaining"] < 60_000
        token = tablero("token", "--email", "backbone@demo.tablero.example", env=env)
        assert token.returncode == 0, token.stderr
        collaborative = post(port, PARTNERS)["data"]["collaborative"]
        created = post(
            port,
            CREATE,
            token.stdout.strip(),
            {
                "input": {
                    "collaborativeId": collaborative["id"],
                    "name": "Riverside Library",
                    "kind": "PUBLIC_AGENCY",
                }
            },
        )
        assert created["data"]["createPartner"] == {
            "partner": {"name": "Riverside Library"},
            "userErrors": [],
        }
    assert process.returncode == 0
    # the embedded PostgreSQL stopped with the server
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()

    with serving(env, port, stop_signal=signal.SIGTERM):
        names = [
            p["name"] for p in post(port, PARTNERS)["data"]["collaborative"]["partners"]["nodes"]
        ]
        assert "Riverside Library" in names
        assert "Casa de la Familia" in names
    # SIGTERM (what process managers send) stops it cleanly too
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


async def test_serve_answers_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    await asyncio.to_thread(_serve_stop_and_serve_again, tmp_path / "data")


def worker_processes(parent: int) -> list[int]:
    """The server processes uvicorn spawned under `parent` (not multiprocessing's tracker)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if int(fields.get("PPid", "0")) == parent and b"spawn_main" in command:
            found.append(int(status.parent.name))
    return found


def _serve_with_two_processes(data_dir: Path) -> None:
    port = free_port()
    env = clean_env(TABLERO_DATA_DIR=str(data_dir), TABLERO_PORT=str(port), TABLERO_WORKERS="2")
    with serving(env, port, stop_signal=signal.SIGTERM) as process:
        workers = worker_processes(process.pid)
        assert len(workers) == 2
        with httpx.Client(timeout=30) as client:
            for _ in range(20):  # connections spread over both; every one is answered
                response = client.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": "{ viewer { __typename } }"},
                    headers={"Connection": "close"},
                )
                assert response.json()["data"] == {"viewer": {"__typename": "Viewer"}}
    assert process.returncode == 0
    assert not [w for w in workers if Path(f"/proc/{w}").exists()]
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


async def test_serve_runs_several_processes_on_one_port_and_stops_them_all(
    tmp_path: Path,
) -> None:
    await asyncio.to_thread(_serve_with_two_processes, tmp_path / "data")
