"""`tablero collaborative create|invite`, `tablero key revoke` and `tablero admin grant`, run
for real in a subprocess against a database of their own (the CLI commits)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from api.database import async_url
from api.migrate import upgrade
from services.accounts.service import issue_api_key
from tests.database import TestServer
from tests.processes import clean_env, tablero

DATABASE = "tablero_people_cli"


@pytest.fixture(scope="module")
async def env(migrated: TestServer) -> dict[str, str]:
    await migrated.create_database(DATABASE)
    await asyncio.to_thread(upgrade, migrated.owner_url(DATABASE))
    return clean_env(
        TABLERO_DATABASE_URL=migrated.api_url(DATABASE),
        TABLERO_OWNER_DATABASE_URL=migrated.owner_url(DATABASE),
        TABLERO_INVITATION_LINK="https://app.example.org/invitation#code={code}",
    )


async def run(*args: str, env: dict[str, str]):
    return await asyncio.to_thread(tablero, *args, env=env)


async def owner_sql(migrated: TestServer, statement: str, **params) -> list:
    engine = create_async_engine(async_url(migrated.owner_url(DATABASE)))
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_collaborative_create_founds_it_and_prints_each_stewards_link(
    env, migrated: TestServer
) -> None:
    result = await run(
        "collaborative",
        "create",
        "--slug",
        "eastside",
        "--name",
        "Eastside Rising",
        "--backbone-name",
        "Eastside Together",
        "--steward",
        "Ana@Example.org",
        "--steward",
        "ben@example.org",
        "--language",
        "en",
        "--language",
        "es",
        "--time-zone",
        "America/Chicago",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Founded 'eastside' with Eastside Together." in result.stdout
    links = re.findall(r"https://app\.example\.org/invitation#code=(tbi_\S+)", result.stdout)
    assert len(links) == 2
    assert "ana@example.org" in result.stdout
    rows = await owner_sql(
        migrated,
        "SELECT c.languages, c.time_zone, p.kind, i.role, i.issued_as, i.invited_by"
        " FROM collaborative c JOIN partner p ON p.collaborative_id = c.id"
        " JOIN invitation i ON i.collaborative_id = c.id WHERE c.slug = 'eastside'",
    )
    assert len(rows) == 2
    for languages, time_zone, kind, role, issued_as, invited_by in rows:
        assert (languages, time_zone, kind) == (["en", "es"], "America/Chicago", "backbone")
        assert (role, issued_as, invited_by) == ("backbone_steward", "operator", None)


async def test_collaborative_create_names_what_is_wrong(env) -> None:
    taken = await run(
        "collaborative",
        "create",
        "--slug",
        "eastside",
        "--name",
        "Again",
        "--backbone-name",
        "B",
        "--steward",
        "c@example.org",
        env=env,
    )
    bad = await run(
        "collaborative",
        "create",
        "--slug",
        "Not A Slug",
        "--name",
        "X",
        "--backbone-name",
        "B",
        "--steward",
        "not-an-address",
        env=env,
    )
    assert taken.returncode == bad.returncode == 1
    assert "slug: the slug 'eastside' is taken" in taken.stderr
    assert "slug:" in bad.stderr


async def test_collaborative_invite_names_a_first_backbone_steward(env) -> None:
    result = await run(
        "collaborative",
        "invite",
        "--collaborative",
        "eastside",
        "--email",
        "cy@example.org",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "cy@example.org" in result.stdout
    unknown = await run(
        "collaborative",
        "invite",
        "--collaborative",
        "nowhere",
        "--email",
        "d@example.org",
        env=env,
    )
    assert unknown.returncode == 1
    assert "no collaborative 'nowhere'" in unknown.stderr


async def test_key_revoke_stops_a_leaked_key(env, migrated: TestServer) -> None:
    [(collaborative, partner)] = await owner_sql(
        migrated,
        "SELECT collaborative_id, id FROM partner WHERE name = 'Eastside Together'",
    )
    issued = issue_api_key(collaborative_id=collaborative, partner_id=partner, name="Leaky")
    await owner_sql(
        migrated,
        "INSERT INTO api_key (collaborative_id, id, partner_id, name, prefix, key_hash)"
        " VALUES (:c, :i, :p, 'Leaky', :prefix, :hash)",
        c=collaborative,
        i=issued.record.id,
        p=partner,
        prefix=issued.record.prefix,
        hash=issued.record.key_hash,
    )
    revoked = await run("key", "revoke", issued.secret, env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert f"Revoked key {issued.record.prefix}" in revoked.stdout
    [(revoked_at,)] = await owner_sql(
        migrated, "SELECT revoked_at FROM api_key WHERE id = :i", i=issued.record.id
    )
    assert revoked_at is not None
    again = await run("key", "revoke", issued.secret, env=env)
    assert again.returncode == 1
    assert "no active key matches" in again.stderr


async def test_admin_grant_makes_an_instance_admin(env, migrated: TestServer) -> None:
    missing = await run("admin", "grant", "--email", "ada@example.org", env=env)
    assert missing.returncode == 1
    assert "give its identity provider's subject" in missing.stderr
    granted = await run(
        "admin", "grant", "--email", "Ada@example.org", "--subject", "idp|ada", env=env
    )
    assert granted.returncode == 0, granted.stderr
    [(flag,)] = await owner_sql(
        migrated, "SELECT instance_admin FROM account WHERE subject = 'idp|ada'"
    )
    assert flag is True
