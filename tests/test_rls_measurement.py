"""PostgreSQL itself keeps measures and observations apart: raw SQL as the API role.

The partner tables and the role's catalog are proven in test_rls.py.

Each test arranges rows as the owner, then becomes `tablero_api` with hand-written viewer
settings, exactly what a buggy resolver would have: whatever it asks, it gets only what
the viewer may see.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import SET_VIEWER
from services.measures.models import PerformanceMeasure, Quadrant
from services.measures.units import Direction, Unit
from services.observations.models import Observation
from services.partners.models import ProfileVisibility
from services.periods import Granularity
from services.visibility import Visibility
from tests.factories import make_api_key, make_collaborative, make_partner

INTRUDING_PARTNER = """
INSERT INTO partner (collaborative_id, id, name, kind, description, visibility)
VALUES (:c, gen_random_uuid(), 'intruder', 'community_org', '', 'public')"""
FORGED_OBSERVATION = """
INSERT INTO observation (collaborative_id, id, measure_id, visibility, status, granularity,
  period_start, breakdown, breakdown_key, value, note, revision, is_current)
VALUES (:c, gen_random_uuid(), :m, 'public', 'published', 'quarter', '2025-04-01', '{}', '',
  1, 'forged', 1, true)"""


def uuids(*ids: object) -> str:
    return "{" + ",".join(str(i) for i in ids) + "}"


async def become_api(
    connection: AsyncConnection, *, member_of=(), partner_ids=(), steward_of=(), backbone_of=()
) -> None:
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    await connection.execute(
        SET_VIEWER,
        {
            "account_id": "",
            "api_key_id": "",
            "request_id": "",
            "member_of": uuids(*member_of),
            "partner_ids": uuids(*partner_ids),
            "steward_of": uuids(*steward_of),
            "backbone_of": uuids(*backbone_of),
            "instance_admin": "",
        },
    )


async def names(connection: AsyncConnection, sql: str) -> set[str]:
    return {row[0] for row in (await connection.execute(text(sql))).all()}


async def api_keys_are_out_of_reach(connection: AsyncConnection) -> None:
    """A key's hash is never selected (only tablero_identity_for_api_key() compares it), and
    nobody but a partner's stewards reads its keys' rows (none exist here)."""
    with pytest.raises(DBAPIError, match="permission denied"):
        async with connection.begin_nested():
            await connection.execute(text("SELECT key_hash FROM api_key"))
    assert (await connection.execute(text("SELECT count(*) FROM api_key"))).scalar_one() == 0


@pytest.fixture
async def two_tenants(session):
    """Collaborative A and B, each with a members-only partner, contacts, measures, data."""
    world = {}
    for tenant in ("a", "b"):
        collaborative = await make_collaborative(session)
        partner = await make_partner(
            session,
            collaborative,
            name=f"{tenant}-members-only",
            visibility=ProfileVisibility.COLLABORATIVE,
            contact_email=f"{tenant}@example.org",
        )
        public = await make_partner(session, collaborative, name=f"{tenant}-public")
        await make_api_key(session, partner)
        measures = {}
        for visibility in Visibility:
            measure = PerformanceMeasure(
                collaborative_id=collaborative.id,
                partner_id=partner.id,
                name=f"{tenant}-{visibility.value}",
                quadrant=Quadrant.HOW_MUCH,
                unit=Unit.COUNT,
                direction=Direction.HIGHER_IS_BETTER,
                granularity=Granularity.QUARTER,
                visibility=visibility,
            )
            session.add(measure)
            await session.flush()
            session.add(
                Observation(
                    collaborative_id=collaborative.id,
                    measure_id=measure.id,
                    granularity=Granularity.QUARTER,
                    period_start=date(2025, 1, 1),
                    value=7,
                    note=f"{tenant}-{visibility.value}",
                )
            )
            measures[visibility] = measure
        await session.flush()
        world[tenant] = {
            "collaborative": collaborative,
            "partner": partner,
            "public": public,
            "measures": measures,
        }
    return world


async def test_without_any_viewer_only_public_rows_are_visible(connection, two_tenants) -> None:
    await become_api(connection)
    assert await names(connection, "SELECT email FROM partner_contact") == set()
    await api_keys_are_out_of_reach(connection)
    partners = await names(connection, "SELECT name FROM partner")
    assert {"a-public", "b-public"} <= partners
    assert not partners & {"a-members-only", "b-members-only"}
    assert await names(connection, "SELECT name FROM performance_measure") == {
        "a-public",
        "b-public",
    }
    assert await names(connection, "SELECT note FROM observation") == {"a-public", "b-public"}


async def test_partner_a_sees_none_of_partner_b_s_private_or_members_only_rows(
    connection, two_tenants
) -> None:
    a = two_tenants["a"]
    await become_api(
        connection,
        member_of=[a["collaborative"].id],
        partner_ids=[a["partner"].id],
        steward_of=[a["partner"].id],
    )
    assert await names(connection, "SELECT email FROM partner_contact") == {"a@example.org"}
    assert "b-members-only" not in await names(connection, "SELECT name FROM partner")
    assert await names(connection, "SELECT name FROM performance_measure") == {
        "a-private",
        "a-collaborative",
        "a-public",
        "b-public",
    }
    assert await names(connection, "SELECT note FROM observation") == {
        "a-private",
        "a-collaborative",
        "a-public",
        "b-public",
    }
    await api_keys_are_out_of_reach(connection)


async def test_a_backbone_reads_members_rows_but_never_a_partners_private_ones(
    connection, two_tenants
) -> None:
    a = two_tenants["a"]
    await become_api(
        connection, member_of=[a["collaborative"].id], backbone_of=[a["collaborative"].id]
    )
    measures = await names(connection, "SELECT name FROM performance_measure")
    assert "a-collaborative" in measures
    assert "a-private" not in measures


async def test_writes_outside_the_viewers_reach_are_refused(connection, two_tenants) -> None:
    a, b = two_tenants["a"], two_tenants["b"]
    await become_api(
        connection,
        member_of=[a["collaborative"].id],
        partner_ids=[a["partner"].id],
        steward_of=[a["partner"].id],
        backbone_of=[a["collaborative"].id],
    )
    # creating a partner in B
    with pytest.raises(DBAPIError, match="row-level security"):
        async with connection.begin_nested():
            await connection.execute(
                text(INTRUDING_PARTNER),
                {"c": b["collaborative"].id},
            )
    # changing B's rows: nothing is touched
    changed = await connection.execute(
        text("UPDATE partner SET description = 'x' WHERE collaborative_id = :c"),
        {"c": b["collaborative"].id},
    )
    assert changed.rowcount == 0
    changed = await connection.execute(
        text("UPDATE performance_measure SET name = 'x' WHERE partner_id = :p"),
        {"p": b["partner"].id},
    )
    assert changed.rowcount == 0
    # moving one's own measure to B's partner
    with pytest.raises(DBAPIError):
        async with connection.begin_nested():
            await connection.execute(
                text("UPDATE performance_measure SET partner_id = :p WHERE id = :m"),
                {"p": b["partner"].id, "m": a["measures"][Visibility.PRIVATE].id},
            )
    # rewriting a value in place instead of correcting it
    with pytest.raises(DBAPIError, match="permission denied"):
        async with connection.begin_nested():
            await connection.execute(text("UPDATE observation SET value = 1"))
    # deleting anything
    with pytest.raises(DBAPIError, match="permission denied"):
        async with connection.begin_nested():
            await connection.execute(text("DELETE FROM observation"))


async def test_an_observation_for_someone_elses_measure_cannot_be_inserted(
    connection, two_tenants
) -> None:
    a, b = two_tenants["a"], two_tenants["b"]
    await become_api(connection, member_of=[a["collaborative"].id], partner_ids=[a["partner"].id])
    with pytest.raises(DBAPIError):
        async with connection.begin_nested():
            await connection.execute(
                text(FORGED_OBSERVATION),
                {"c": b["collaborative"].id, "m": b["measures"][Visibility.PUBLIC].id},
            )
