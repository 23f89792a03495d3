"""What every `tablero` command needs: its settings, the database's URLs and checks, and a
way to fail with a message instead of a traceback (api/cli.py and the commands of
api/people.py use them)."""

from __future__ import annotations

import asyncio
import errno
import socket
from dataclasses import dataclass
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from api.settings import Settings, SettingsError
from services.viewer import ANONYMOUS


class CommandError(Exception):
    """A problem the person running the command can fix; printed without a traceback."""


@dataclass(frozen=True)
class DatabaseUrls:
    api: str
    owner: str
    embedded: Any = None  # keeps the embedded server alive while the command runs


def load_settings(**overrides: Any) -> Settings:
    try:
        settings = Settings()
    except (ValidationError, SettingsError) as e:
        raise CommandError(f"invalid configuration: {e}") from e
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


def database_urls(settings: Settings) -> DatabaseUrls:
    if settings.uses_embedded_database:
        from api import embedded

        try:
            db = embedded.start(settings.data_dir)
        except Exception as e:
            raise CommandError(
                f"could not start the embedded PostgreSQL in {settings.data_dir}: {e}"
            ) from e
        return DatabaseUrls(api=db.api_url, owner=db.owner_url, embedded=db)
    assert settings.database_url is not None
    return DatabaseUrls(
        api=settings.database_url, owner=settings.owner_database_url or settings.database_url
    )


def describe(url: str) -> str:
    """A database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


async def check_reachable(url: str) -> None:
    from api.database import Database

    database = Database.connect(url, pool_size=1)
    try:
        async with database.connection() as conn:
            await conn.exec_driver_sql("SELECT 1")
    except Exception as e:
        raise CommandError(f"cannot connect to the database at {describe(url)}: {e}") from e
    finally:
        await database.dispose()


async def check_migrated(url: str) -> None:
    from api.database import Database
    from api.migrate import current_revision, head_revision

    database = Database.connect(url, pool_size=1)
    try:
        async with database.connection() as conn:
            revision = await current_revision(conn)
    finally:
        await database.dispose()
    if revision != head_revision():
        raise CommandError(
            f"the database at {describe(url)} is not migrated "
            f"(at {revision or 'no revision'}, expected {head_revision()}): run `tablero migrate`"
        )


def run_migrations(urls: DatabaseUrls) -> None:
    from api.migrate import upgrade

    asyncio.run(check_reachable(urls.owner))
    try:
        upgrade(urls.owner)
    except Exception as e:
        raise CommandError(
            f"migrating {describe(urls.owner)} failed: {e}\n"
            "Migrations need the owner role: set TABLERO_OWNER_DATABASE_URL."
        ) from e


async def seed_demo_into(owner_url: str, *, only_if_empty: bool) -> bool:
    from sqlmodel import select

    from api.database import Database
    from seeds.demo import seed_demo
    from services.collaboratives.models import Collaborative

    database = Database.connect(owner_url, pool_size=1)
    try:
        async with database.unit_of_work(viewer=ANONYMOUS) as session:
            if only_if_empty and (await session.exec(select(Collaborative))).first():
                return False
            return await seed_demo(session)
    finally:
        await database.dispose()


def ensure_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on. The probe reuses the address, as uvicorn
    does, so connections the previous server closed (TIME_WAIT) do not block a restart."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is already in use: stop the other server "
                    "or set TABLERO_PORT"
                ) from e
            raise CommandError(f"cannot listen on {host}:{port}: {e.strerror}") from e


def fail(error: CommandError) -> typer.Exit:
    typer.secho(f"tablero: {error}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)
