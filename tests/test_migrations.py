"""Migrations apply, match the tables declared in services/, and reverse cleanly."""

from __future__ import annotations

import asyncio

from alembic import command

from api.migrate import alembic_config, upgrade
from tests.database import TestServer


async def test_the_tables_in_services_match_the_migrations(migrated: TestServer) -> None:
    # `alembic check` raises when autogenerate would produce any operation.
    await asyncio.to_thread(command.check, alembic_config(migrated.owner_url()))


async def test_migrations_downgrade_to_nothing_and_upgrade_again(migrated: TestServer) -> None:
    await migrated.create_database("tablero_roundtrip")
    url = migrated.owner_url("tablero_roundtrip")
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(command.check, alembic_config(url))
