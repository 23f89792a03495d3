"""The `tablero` command, run for real in a subprocess against the test PostgreSQL."""

from __future__ import annotations

import asyncio
import socket

import jwt
import pytest

from api.settings import DEV_JWT_SECRET
from tests.database import TestServer
from tests.processes import clean_env, free_port, tablero

CLI_DATABASE = "tablero_cli"


@pytest.fixture(scope="module")
async def cli_env(migrated: TestServer) -> dict[str, str]:
    """A database of its own: the CLI commits, so it must not share the tests' database."""
    await migrated.create_database(CLI_DATABASE)
    return clean_env(
        TABLERO_DATABASE_URL=migrated.api_url(CLI_DATABASE),
        TABLERO_OWNER_DATABASE_URL=migrated.owner_url(CLI_DATABASE),
    )


async def run(*args: str, env: dict[str, str]):
    return await asyncio.to_thread(tablero, *args, env=env)


async def test_schema_prints_the_sdl() -> None:
    result = await run("schema", env=clean_env())
    assert result.returncode == 0, result.stderr
    assert "type Query {" in result.stdout
    assert "createPartner(input: CreatePartnerInput!): PartnerPayload!" in result.stdout


async def test_migrate_seed_and_token_give_a_working_bearer_token(cli_env: dict[str, str]) -> None:
    # when
    migrated = await run("migrate", env=cli_env)
    seeded = await run("seed", "demo", env=cli_env)
    seeded_again = await run("seed", "demo", env=cli_env)
    token = await run("token", "--email", "backbone@demo.tablero.example", env=cli_env)
    # then
    assert migrated.returncode == 0, migrated.stderr
    assert "latest revision" in migrated.stdout
    assert seeded.returncode == 0, seeded.stderr
    assert "Seeded the demo collaborative" in seeded.stdout
    assert "already there" in seeded_again.stdout
    assert token.returncode == 0, token.stderr
    claims = jwt.decode(
        token.stdout.strip(), DEV_JWT_SECRET, algorithms=["HS256"], audience="tablero-api"
    )
    assert claims["sub"] == "backbone@demo.tablero.example"
    assert claims["iss"] == "tablero"


async def test_token_for_an_unknown_email_says_so(cli_env: dict[str, str]) -> None:
    await run("migrate", env=cli_env)
    result = await run("token", "--email", "nobody@example.org", env=cli_env)
    assert result.returncode == 1
    assert "no account with email nobody@example.org" in result.stderr


async def test_commands_on_an_unmigrated_database_say_to_migrate(migrated: TestServer) -> None:
    await migrated.create_database("tablero_cli_empty")
    env = clean_env(
        TABLERO_DATABASE_URL=migrated.api_url("tablero_cli_empty"),
        TABLERO_OWNER_DATABASE_URL=migrated.owner_url("tablero_cli_empty"),
    )
    result = await run("token", "--email", "someone@example.org", env=env)
    assert result.returncode == 1
    assert "is not migrated" in result.stderr
    assert "run `tablero migrate`" in result.stderr


async def test_a_wrong_database_url_is_named_in_the_error() -> None:
    env = clean_env(TABLERO_DATABASE_URL="postgresql://tablero_api:secret@127.0.0.1:1/tablero")
    result = await run("migrate", env=env)
    assert result.returncode == 1
    assert "cannot connect to the database at postgresql://tablero_api:***@127.0.0.1:1/tablero" in (
        result.stderr
    )
    assert "secret" not in result.stderr


async def test_serve_refuses_a_port_in_use(cli_env: dict[str, str]) -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = await run("serve", env={**cli_env, "TABLERO_PORT": str(port)})
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr


async def test_prod_refuses_to_start_without_a_secret_and_database() -> None:
    result = await run("migrate", env=clean_env(TABLERO_ENVIRONMENT="prod"))
    assert result.returncode == 1
    assert "refusing to start in prod" in result.stderr
    assert "TABLERO_JWT_SECRET" in result.stderr
    assert "TABLERO_DATABASE_URL" in result.stderr
