"""PostgreSQL itself keeps stories and dashboards where they belong: raw SQL as the API role.

Whatever a buggy resolver asks, a story comes back only where its own visibility and its
subject's allow, and a members-only dashboard and its panels stay with members.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.visibility import Visibility
from tests.story_factories import make_dashboard, make_story, make_world
from tests.test_rls import become_api
from tests.test_rls_measurement import names

FORGED_STORY = """
INSERT INTO story (collaborative_id, id, indicator_id, kind, title, body, language, visibility,
  whys, author_account_id)
VALUES (:c, gen_random_uuid(), :i, 'what_works', 'forged', '', 'en', 'public', '{}', :a)"""


@pytest.fixture
async def world(session):
    world = await make_world(session)
    await make_story(session, world.indicator, world.resident, title="public")
    await make_story(
        session,
        world.indicator,
        world.resident,
        title="members",
        visibility=Visibility.COLLABORATIVE,
    )
    await make_story(
        session,
        world.indicator,
        world.staff,
        title="casa-private",
        visibility=Visibility.PRIVATE,
        partner_id=world.casa.id,
    )
    # says public, but its measure is for members only
    await make_story(
        session, world.measures[Visibility.COLLABORATIVE], world.staff, title="on-members-measure"
    )
    await make_dashboard(
        session, world.collaborative, world.resident, [world.indicator], slug="members"
    )
    await make_dashboard(
        session,
        world.collaborative,
        world.resident,
        [world.indicator],
        slug="open",
        visibility="public",
    )
    return world


async def test_without_a_viewer_only_public_stories_on_public_subjects_and_public_dashboards(
    connection, world
) -> None:
    await become_api(connection)
    assert await names(connection, "SELECT title FROM story") == {"public"}
    assert await names(connection, "SELECT slug FROM dashboard") == {"open"}
    panels = "SELECT d.slug FROM dashboard_panel p JOIN dashboard d ON d.id = p.dashboard_id"
    assert await names(connection, panels) == {"open"}


async def test_a_member_reads_members_stories_but_not_another_partners_private_one(
    connection, world
) -> None:
    await become_api(
        connection,
        member_of=[world.collaborative.id],
        partner_ids=[world.other.id],
        account_id=world.other_staff.id,
    )
    assert await names(connection, "SELECT title FROM story") == {
        "public",
        "members",
        "on-members-measure",
    }
    assert await names(connection, "SELECT slug FROM dashboard") == {"members", "open"}


async def test_a_non_member_cannot_write_a_story_or_touch_a_dashboard(connection, world) -> None:
    await become_api(connection, account_id=world.funder.id, partner_ids=[world.casa.id])
    with pytest.raises(DBAPIError, match="row-level security"):
        async with connection.begin_nested():
            await connection.execute(
                text(FORGED_STORY),
                {"c": world.collaborative.id, "i": world.indicator.id, "a": world.funder.id},
            )
    changed = await connection.execute(text("UPDATE dashboard SET title = 'x'"))
    assert changed.rowcount == 0
    removed = await connection.execute(text("DELETE FROM dashboard_panel"))
    assert removed.rowcount == 0


async def test_a_member_cannot_rewrite_another_members_dashboard(connection, world) -> None:
    await become_api(
        connection,
        member_of=[world.collaborative.id],
        partner_ids=[world.casa.id],
        account_id=world.staff.id,
    )
    changed = await connection.execute(text("UPDATE dashboard SET title = 'x'"))
    assert changed.rowcount == 0
    removed = await connection.execute(text("DELETE FROM dashboard_panel"))
    assert removed.rowcount == 0
