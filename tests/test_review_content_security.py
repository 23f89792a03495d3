"""Review of stories, dashboards and translations as an attacker with every kind of account.

A public dashboard must not become a way around an owner's choice: a panel names a measure
or an indicator, and its saver-chosen title, breakdown cell, period range and title
translations describe that subject. So a panel is read only where its subject is readable
too (like a story), except by the dashboard's keepers (its creator and the backbone), who must
see a layout they replace; they never see the hidden subject or its curve.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.visibility import Visibility
from tests.factories import bearer, graphql
from tests.story_factories import World, make_dashboard, make_world
from tests.test_rls import become_api
from tests.test_rls_measurement import names

SECRET_TITLE = "Casa evictions averted"
SECRET_ES = "Desalojos evitados por Casa"
SAVE = """mutation($input: SaveDashboardInput!) { saveDashboard(input: $input) {
  dashboard { panels { title } } userErrors { field code message } } }"""
READ = """query($c: String!, $language: String) {
  dashboard(collaborativeSlug: $c, slug: "community", language: $language) {
    title panels { position title chart dimension category from to
      translations { field language text } missingTranslations { field language }
      subject { name } series { points { value } } } } }"""


@pytest.fixture
async def world(session) -> World:
    return await make_world(session)


def _panel(world: World, subject, **extra) -> dict:
    return {"subjectId": world.gid(subject), "chart": "LINE", **extra}


async def save(client, settings: Settings, who, world: World, panels: list[dict]) -> dict:
    values = {
        "collaborativeId": to_global_id("Collaborative", world.collaborative.id),
        "slug": "community",
        "title": "Our community",
        "visibility": "PUBLIC",
        "panels": panels,
    }
    body = await graphql(client, SAVE, {"input": values}, bearer(settings, who))
    assert "errors" not in body, body
    return body["data"]["saveDashboard"]


def secret_panel(world: World, measure) -> dict:
    return _panel(
        world,
        measure,
        title=SECRET_TITLE,
        titleTranslations=[{"language": "es", "text": SECRET_ES}],
        dimension="race_ethnicity",
        category="latino",
        **{"from": "2024-01-01"},
    )


async def read(client, settings: Settings, who, world: World, language: str = "es") -> dict:
    headers = bearer(settings, who) if who else {}
    body = await graphql(
        client, READ, {"c": world.collaborative.slug, "language": language}, headers
    )
    assert "errors" not in body, body
    return body["data"]["dashboard"]


async def test_a_public_dashboard_shows_nothing_of_a_panel_on_a_members_only_measure(
    client, session, settings: Settings, world: World
) -> None:
    # given: a resident puts another partner's members-only measure on a public dashboard
    measure = world.measures[Visibility.COLLABORATIVE]
    saved = await save(
        client,
        settings,
        world.resident,
        world,
        [
            _panel(world, world.indicator, title="Ready"),
            secret_panel(world, measure),
            _panel(world, world.indicator, title="Ready again"),
        ],
    )
    assert saved["userErrors"] == []
    # then: outside the collaborative, the panel is not there at all, in any language, and
    # leaves no gap in the positions
    for who in (None, world.funder, world.outsider):
        for language in ("es", "en"):
            dashboard = await read(client, settings, who, world, language)
            assert [(p["position"], p["title"]) for p in dashboard["panels"]] == [
                (0, "Ready"),
                (1, "Ready again"),
            ], who
            dumped = json.dumps(dashboard)
            for leak in (SECRET_TITLE, SECRET_ES, "latino", "race_ethnicity", "2024-01-01"):
                assert leak not in dumped, (who, leak)
    # members see it whole
    member = await read(client, settings, world.other_staff, world)
    assert [p["title"] for p in member["panels"]] == ["Ready", SECRET_ES, "Ready again"]
    assert member["panels"][1]["subject"] is not None


async def test_a_measure_made_private_takes_its_dashboard_panels_with_it_but_keepers_can_resave(
    client, session, settings: Settings, world: World
) -> None:
    # given: Casa's staff put its public measure on a public dashboard, then made it private
    measure = world.measures[Visibility.PUBLIC]
    saved = await save(
        client,
        settings,
        world.staff,
        world,
        [_panel(world, world.indicator), secret_panel(world, measure)],
    )
    assert saved["userErrors"] == []
    measure.visibility = Visibility.PRIVATE
    session.add(measure)
    await session.flush()
    # then: nobody outside Casa reads the panel, its title or its translation any more
    for who in (None, world.funder, world.outsider, world.resident, world.other_staff):
        dashboard = await read(client, settings, who, world)
        assert len(dashboard["panels"]) == 1, who
        assert SECRET_ES not in json.dumps(dashboard)
        assert SECRET_TITLE not in json.dumps(dashboard)
    owner_view = await read(client, settings, world.staff, world)
    assert owner_view["panels"][1]["subject"] == {"name": "casa-public"}
    # the backbone, which keeps every dashboard, sees the slot (never the subject) and can
    # replace the layout without tripping over panels it may not read
    backbone_view = await read(client, settings, world.backbone, world)
    assert [p["subject"] for p in backbone_view["panels"]][1] is None
    assert backbone_view["panels"][1]["series"] is None
    assert backbone_view["panels"][1]["translations"] == [
        {"field": "title", "language": "es", "text": SECRET_ES}
    ]
    again = await save(client, settings, world.backbone, world, [_panel(world, world.indicator)])
    assert again["userErrors"] == []
    assert len(again["dashboard"]["panels"]) == 1


async def test_the_database_shows_a_panel_and_its_title_translations_only_with_its_subject(
    connection, session, world: World
) -> None:
    measure = world.measures[Visibility.COLLABORATIVE]
    await make_dashboard(
        session,
        world.collaborative,
        world.resident,
        [world.indicator, measure],
        visibility="public",
    )
    marked = {"m": measure.id}
    await connection.execute(
        text("UPDATE dashboard_panel SET title = 'secret panel' WHERE measure_id = :m"), marked
    )
    await connection.execute(
        text(
            "INSERT INTO translation (collaborative_id, id, subject_kind, subject_id, field,"
            " language, text) SELECT collaborative_id, gen_random_uuid(), 'dashboard_panel', id,"
            " 'title', 'es', 'panel secreto' FROM dashboard_panel WHERE measure_id = :m"
        ),
        marked,
    )
    for viewer in (
        {},
        {"partner_ids": [world.other.id]},  # another partner's API key, no membership
        {"account_id": world.outsider.id},
    ):
        async with connection.begin_nested() as savepoint:
            await become_api(connection, **viewer)
            assert await names(connection, "SELECT position::text FROM dashboard_panel") == {"0"}
            assert await names(connection, "SELECT text FROM translation") == set()
            await savepoint.rollback()
        await connection.exec_driver_sql("RESET ROLE")
    # the measure's own partner, even through its API key, reads both
    await become_api(connection, partner_ids=[world.casa.id])
    assert await names(connection, "SELECT position::text FROM dashboard_panel") == {"0", "1"}
    assert await names(connection, "SELECT text FROM translation") == {"panel secreto"}


async def test_a_former_member_keeps_no_hold_on_the_translations_of_a_dashboard_it_created(
    connection, session, world: World
) -> None:
    dashboard = await make_dashboard(
        session, world.collaborative, world.resident, [world.indicator], visibility="public"
    )
    # the creator's membership ended: the settings carry its account but no collaborative
    await become_api(connection, account_id=world.resident.id)
    with pytest.raises(DBAPIError, match="row-level security"):
        async with connection.begin_nested():
            await connection.execute(
                text(
                    "INSERT INTO translation (collaborative_id, id, subject_kind, subject_id,"
                    " field, language, text) VALUES (:c, gen_random_uuid(), 'dashboard', :d,"
                    " 'title', 'es', 'pintada')"
                ),
                {"c": world.collaborative.id, "d": dashboard.id},
            )


FORGED_STORY = """
INSERT INTO story (collaborative_id, id, measure_id, indicator_id, kind, title, body, language,
  visibility, whys, author_account_id, partner_id)
VALUES (:c, gen_random_uuid(), :m, :i, 'what_works', 'forged', '', 'en', :v, '{}', :a, :p)"""


@pytest.mark.parametrize(
    ("subject", "visibility"),
    [("private", "public"), ("private", "collaborative"), ("members_indicator", "public")],
)
async def test_the_database_refuses_a_story_wider_than_its_subject(
    connection, world: World, subject: str, visibility: str
) -> None:
    """Twin of the service's check: even a buggy resolver cannot publish a story whose
    subject its owner keeps narrower (the trail would keep it at the story's visibility)."""
    measure = world.measures[Visibility.PRIVATE] if subject == "private" else None
    values = {
        "c": world.collaborative.id,
        "m": measure.id if measure else None,
        "i": None if measure else world.members_indicator.id,
        "v": visibility,
        "a": world.staff.id,
        "p": world.casa.id,
    }
    await become_api(
        connection,
        account_id=world.staff.id,
        member_of=[world.collaborative.id],
        partner_ids=[world.casa.id],
    )
    with pytest.raises(DBAPIError, match="row-level security"):
        async with connection.begin_nested():
            await connection.execute(text(FORGED_STORY), values)
    # as narrow as its subject is fine
    narrow = "private" if measure else "collaborative"
    await connection.execute(text(FORGED_STORY), {**values, "v": narrow})
