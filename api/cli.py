"""The `tablero` command: serve, migrate, seed, token, schema; import, export, template.

With no TABLERO_DATABASE_URL every command uses the embedded PostgreSQL under
TABLERO_DATA_DIR; it stops when the last command using it exits.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import typer

from api import people, transfer
from api.commands import (
    CommandError,
    check_migrated,
    check_reachable,
    database_urls,
    ensure_port_free,
    fail,
    load_settings,
    run_migrations,
    seed_demo_into,
)
from services.viewer import ANONYMOUS

app = typer.Typer(
    help="Tablero: the shared measurement system of a collaborative.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
seed_app = typer.Typer(help="Load data into the database.", no_args_is_help=True)
app.add_typer(seed_app, name="seed")
release_app = typer.Typer(help="Publish closed periods' aggregates.", no_args_is_help=True)
app.add_typer(release_app, name="release")
documents_app = typer.Typer(help="Persisted GraphQL documents.", no_args_is_help=True)
app.add_typer(documents_app, name="documents")


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so exit handlers run and the embedded database stops."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


@app.callback()
def main() -> None:
    _exit_cleanly_on_sigterm()


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Interface to listen on (TABLERO_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (TABLERO_PORT)."),
    migrate: bool = typer.Option(True, help="Apply migrations before serving."),
) -> None:
    """Migrate, seed the demo into an empty database, and serve the API."""
    import uvicorn

    from api.logs import logging_config

    try:
        settings = load_settings(host=host, port=port)
        ensure_port_free(settings.host, settings.port)
        urls = database_urls(settings)
        if migrate:
            run_migrations(urls)
        else:
            asyncio.run(check_migrated(urls.api))
        if settings.demo_seed and asyncio.run(seed_demo_into(urls.owner, only_if_empty=True)):
            typer.echo("Seeded the demo collaborative 'riverside'.")
        asyncio.run(check_reachable(urls.api))
    except CommandError as e:
        raise fail(e) from e
    # Each server process builds its app from the environment (api/worker.py): with the
    # database this command chose, as the API role.
    os.environ["TABLERO_DATABASE_URL"] = urls.api
    workers = settings.workers or 1
    processes = f" ({workers} processes)" if workers > 1 else ""
    typer.echo(f"Tablero on http://{settings.host}:{settings.port}/graphql{processes}")
    uvicorn.run(
        "api.worker:app",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.value,
        log_config=logging_config(settings),
        access_log=False,  # Tablero writes its own, with the operation (api/observe.py)
        lifespan="on",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command("migrate")
def migrate_command() -> None:
    """Apply the database migrations (as the owner role)."""
    try:
        run_migrations(database_urls(load_settings()))
    except CommandError as e:
        raise fail(e) from e
    typer.echo("Database is at the latest revision.")


@seed_app.command("demo")
def seed_demo_command() -> None:
    """Load the demo collaborative 'riverside' (no-op if it is there)."""
    try:
        urls = database_urls(load_settings())
        asyncio.run(check_migrated(urls.owner))
        created = asyncio.run(seed_demo_into(urls.owner, only_if_empty=False))
    except CommandError as e:
        raise fail(e) from e
    typer.echo(
        "Seeded the demo collaborative 'riverside'." if created else "The demo is already there."
    )


@seed_app.command("synthetic")
def seed_synthetic_command(
    size: str = typer.Option("S", help="S: 50 partners (203,000 observations); M: 500."),
) -> None:
    """Load a large generated collaborative for benchmarks, 'synthetic-s' or 'synthetic-m'."""
    from seeds.synthetic import SIZES, seed_synthetic

    if size.upper() not in SIZES:
        raise fail(CommandError(f"--size must be one of {', '.join(SIZES)}, not {size!r}"))
    try:
        urls = database_urls(load_settings())
        asyncio.run(check_migrated(urls.owner))
        seeded = asyncio.run(seed_synthetic(urls.owner, SIZES[size.upper()]))
    except CommandError as e:
        raise fail(e) from e
    if not seeded.observations:
        typer.echo(f"'{seeded.slug}' is already there.")
        return
    typer.echo(
        f"Seeded '{seeded.slug}': {seeded.observations:,} observations in"
        f" {seeded.seconds:.1f} s; released {len(seeded.release_seconds)} quarters in"
        f" {sum(seeded.release_seconds):.1f} s (slowest {max(seeded.release_seconds):.2f} s)."
    )


@app.command()
def token(
    email: str = typer.Option(..., help="Email of an existing account."),
    minutes: int | None = typer.Option(None, help="Lifetime (default TABLERO_TOKEN_TTL_MINUTES)."),
) -> None:
    """Print a bearer token for an existing account, for local use."""
    from datetime import timedelta

    from api.auth import issue_token

    try:
        settings = load_settings()
        if settings.jwt_secret is None and settings.uses_identity_provider:
            raise CommandError(
                "tokens come from your identity provider when TABLERO_JWKS_URL is set"
            )
        urls = database_urls(settings)
        asyncio.run(check_migrated(urls.owner))
        subject = asyncio.run(_subject_of(urls.owner, email))
    except CommandError as e:
        raise fail(e) from e
    ttl = timedelta(minutes=minutes) if minutes else None
    typer.echo(issue_token(settings, subject, ttl=ttl))


async def _subject_of(owner_url: str, email: str) -> str:
    from api.database import Database
    from services.accounts.service import find_account_by_email

    database = Database.connect(owner_url, pool_size=1)
    try:
        async with database.unit_of_work(viewer=ANONYMOUS) as session:
            account = await find_account_by_email(session=session, email=email)
    finally:
        await database.dispose()
    if account is None:
        raise CommandError(f"no account with email {email}")
    return account.subject


@release_app.command("due")
def release_due_command() -> None:
    """Release every period whose reporting deadline has passed (what `serve` does too)."""
    try:
        urls = database_urls(load_settings())
        asyncio.run(check_migrated(urls.owner))
        count = asyncio.run(_release_due(urls.owner))
    except CommandError as e:
        raise fail(e) from e
    typer.echo(f"Released {count} period(s).")


async def _release_due(owner_url: str) -> int:
    from api.database import Database
    from api.scheduler import release_due_once

    database = Database.connect(owner_url, pool_size=1)
    try:
        return await release_due_once(database)
    finally:
        await database.dispose()


@release_app.command("period")
def release_period_command(
    collaborative: str = typer.Option(..., help="The collaborative's slug."),
    start: str = typer.Option(..., help="The period's first day, YYYY-MM-DD."),
    granularity: str = typer.Option("quarter", help="month, quarter, year or school_year."),
    note: str = typer.Option("", help="What readers should know about this release."),
) -> None:
    """Release a closed period (or revise its release) as an operator, for the backbone."""
    try:
        urls = database_urls(load_settings())
        asyncio.run(check_migrated(urls.owner))
        number = asyncio.run(_release_period(urls.owner, collaborative, granularity, start, note))
    except CommandError as e:
        raise fail(e) from e
    typer.echo(f"Released {granularity} {start} of '{collaborative}': release {number}.")


async def _release_period(
    owner_url: str, slug: str, granularity: str, start: str, note: str
) -> int:
    from datetime import date

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from api.database import Database
    from services.collaboratives import service as collaboratives
    from services.periods import Granularity, expected_start, starts_a_period

    try:
        period = date.fromisoformat(start)
        kind = Granularity(granularity)
    except ValueError as e:
        raise CommandError(f"not a period: {granularity} starting {start}") from e
    if not starts_a_period(kind, period):
        raise CommandError(f"a {kind.value} starts on {expected_start(kind)}")
    database = Database.connect(owner_url, pool_size=1)
    try:
        async with database.unit_of_work(viewer=ANONYMOUS) as session:
            found = await collaboratives.get_by_slug(session=session, slug=slug)
            if found is None:
                raise CommandError(f"no collaborative with slug {slug!r}")
            release = text("SELECT tablero_release(:c, :g, :p, :note, NULL, false)")
            params = {"c": found.id, "g": kind.value, "p": period, "note": note}
            release_id = (await session.exec(release, params=params)).scalar_one()  # type: ignore[call-overload]
            number = text("SELECT number FROM release WHERE collaborative_id = :c AND id = :r")
            result = await session.exec(number, params={"c": found.id, "r": release_id})  # type: ignore[call-overload]
            return result.scalar_one()
    except DBAPIError as e:
        raise CommandError(f"the period cannot be released: {e.orig}") from e
    finally:
        await database.dispose()


@documents_app.command("register")
def register_documents(
    directory: Path = typer.Argument(..., help="A directory of .graphql files (searched deep)."),
) -> None:
    """Register a front end's documents for trusted-documents mode; prints each one's id."""
    from api.documents_registry import InvalidDocumentsError, read_documents, register_all

    try:
        try:
            found = read_documents(directory)
        except (InvalidDocumentsError, OSError, UnicodeDecodeError) as e:
            raise CommandError(f"nothing was registered:\n{e}") from e
        urls = database_urls(load_settings())
        asyncio.run(check_migrated(urls.owner))
        ids = asyncio.run(register_all(urls.owner, found))
    except CommandError as e:
        raise fail(e) from e
    for source, document_id in ids.items():
        typer.echo(f"{document_id}  {source}")
    typer.echo(f"Registered {len(ids)} document(s).")


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from schema.root import build_schema

    typer.echo(build_schema().as_str())


transfer.add_commands(app)  # import, export and template: clients of a running Tablero
people.add_commands(app)  # collaborative create|invite, key revoke, admin grant


if __name__ == "__main__":
    app()
