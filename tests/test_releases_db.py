"""The attack, against the database itself: random histories are played in PostgreSQL, and
each audience, as the API role under row-level security, reads every release's cells and
every observation it may read at each step of the history; then solves them all together.
No private single-partner value (version, or a partner's share of a cell) may follow.
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.release_database import DatabaseWorld
from tests.release_history import History, histories, solved

EXAMPLES = int(os.environ.get("TABLERO_PRIVACY_DB_EXAMPLES", "12"))
SETTINGS = ("member_of", "partner_ids")


class Attack(DatabaseWorld):
    """A history in the database, watched after every step by every audience."""

    connection: AsyncConnection
    audiences: dict[str, dict[str, str]]
    read: dict[str, set[UUID]]
    answers: dict[str, list[tuple[str, dict[UUID, int]]]]

    async def watch(self, connection: AsyncConnection) -> Attack:
        self.connection = connection
        members = {"member_of": f"{{{self.collaborative.id}}}"}
        self.audiences = {"public": {"partner_ids": f"{{{self.watcher.id}}}"}, "members": members}
        if self.history.rules[0] >= 3:  # with 2, each of two partners finds the other
            for p, partner in enumerate(self.partners):
                grant = {"partner_ids": f"{{{partner.id}}}"}
                if p in self.history.funders:  # a funder's people read as the public
                    self.audiences[f"funder {p}"] = grant
                else:
                    self.audiences[f"partner {p}"] = {**members, **grant}
        self.read = {name: set() for name in self.audiences}
        self.answers = {name: [] for name in self.audiences}
        return self

    async def play(self) -> Attack:
        for step in self.history.steps:
            await getattr(self, step.kind)(step)
            await self.session.flush()
            for name, grant in self.audiences.items():
                rows = await self.as_api(grant, "SELECT id FROM observation")
                self.read[name] |= {r.id for r in rows}
        return self

    async def release(self, step: Any) -> None:
        await super().release(step)
        release_id = (
            await self.session.exec(  # type: ignore[call-overload]
                text("SELECT id FROM release WHERE collaborative_id = :c ORDER BY number DESC"),
                params={"c": self.collaborative.id},
            )
        ).first()[0]
        shares = (
            await self.session.exec(  # type: ignore[call-overload]
                text("SELECT breakdown_key, versions FROM release_share WHERE release_id = :r"),
                params={"r": release_id},
            )
        ).all()
        for name, grant in self.audiences.items():
            shown = await self.as_api(
                grant,
                "SELECT breakdown_key FROM release_cell WHERE release_id = :r AND reason IS NULL",
                r=release_id,
            )
            for cell in shown:
                versions = {v: 1 for key, vs in shares if key == cell.breakdown_key for v in vs}
                self.answers[name].append((f"{cell.breakdown_key!r} of {release_id}", versions))

    async def as_api(self, grant: dict[str, str], sql: str, **params: Any) -> list[Any]:
        await self.session.flush()
        conn = self.connection
        await conn.exec_driver_sql("SET LOCAL ROLE tablero_api")
        try:
            for name in SETTINGS:
                await conn.execute(
                    text("SELECT set_config(:k, :v, true)"),
                    {"k": f"tablero.{name}", "v": grant.get(name, "")},
                )
            return list(await conn.execute(text(sql), params))
        finally:
            await conn.exec_driver_sql("RESET ROLE")
            for name in SETTINGS:
                await conn.execute(
                    text("SELECT set_config(:k, '', true)"), {"k": f"tablero.{name}"}
                )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories(max_steps=8))
async def test_no_audience_computes_a_private_value_from_the_databases_answers(
    connection: AsyncConnection, session: AsyncSession, history: History
) -> None:
    attack = await (await (await Attack(session, history).build()).watch(connection)).play()
    owners = {
        row.id: row.partner_id
        for row in (
            await session.exec(  # type: ignore[call-overload]
                text("SELECT id, partner_id FROM observation WHERE collaborative_id = :c"),
                params={"c": attack.collaborative.id},
            )
        ).all()
    }
    for name in attack.audiences:
        unknown = [v for v in owners if v not in attack.read[name]]
        assert solved(unknown, owners, attack.answers[name]) == [], (name, history)
