"""Dashboard titles in the collaborative's languages: kept by whoever keeps the dashboard."""

from __future__ import annotations

import pytest
from sqlmodel import select

from api.settings import Settings
from schema.relay import to_global_id
from services.translations.models import Translation
from services.visibility import Visibility
from tests.factories import bearer, graphql
from tests.story_factories import World, make_world

SAVE = """mutation($input: SaveDashboardInput!) { saveDashboard(input: $input) {
  dashboard { id } userErrors { field code message } } }"""
SET = """mutation($input: SetTranslationsInput!) { setTranslations(input: $input) {
  userErrors { field code message } } }"""
READ = """query($c: String!, $slug: String!, $language: String) {
  dashboard(collaborativeSlug: $c, slug: $slug, language: $language) {
    title translations { field language text } panels { title } } }"""


@pytest.fixture
async def world(session) -> World:
    return await make_world(session)


async def save(client, settings: Settings, world: World, who=None, **input) -> dict:
    values = {
        "collaborativeId": to_global_id("Collaborative", world.collaborative.id),
        "slug": "ours",
        "title": "Our community",
        "visibility": "PUBLIC",
        "panels": [
            {
                "subjectId": world.gid(world.indicator),
                "chart": "LINE",
                "title": "Ready",
                "titleTranslations": [{"language": "es", "text": "Listos"}],
            }
        ],
        **input,
    }
    body = await graphql(client, SAVE, {"input": values}, bearer(settings, who or world.resident))
    return body["data"]["saveDashboard"]


async def read(client, settings, world: World, who=None, language="es") -> dict | None:
    headers = bearer(settings, who) if who else {}
    variables = {"c": world.collaborative.slug, "slug": "ours", "language": language}
    body = await graphql(client, READ, variables, headers)
    assert "errors" not in body, body
    return body["data"]["dashboard"]


async def test_panel_titles_come_with_each_save_and_are_replaced_with_the_panels(
    client, session, settings: Settings, world: World
) -> None:
    saved = await save(client, settings, world)
    assert saved["userErrors"] == []
    assert (await read(client, settings, world))["panels"] == [{"title": "Listos"}]
    panels = [
        {"subjectId": world.gid(world.measures[Visibility.PUBLIC]), "chart": "BAR", "title": "A"},
        {
            "subjectId": world.gid(world.indicator),
            "chart": "LINE",
            "title": "B",
            "titleTranslations": [{"language": "es", "text": "Be"}],
        },
    ]
    assert (await save(client, settings, world, panels=panels))["userErrors"] == []
    assert (await read(client, settings, world))["panels"] == [{"title": "A"}, {"title": "Be"}]
    kinds = (await session.exec(select(Translation.subject_kind))).all()
    assert kinds == ["dashboard_panel"]  # the replaced panel's translation is gone


async def test_a_wrong_title_translation_names_its_field_and_writes_nothing(
    client, session, settings: Settings, world: World
) -> None:
    panels = [
        {
            "subjectId": world.gid(world.indicator),
            "chart": "LINE",
            "titleTranslations": [{"language": "fr", "text": "Prêts"}],
        }
    ]
    refused = await save(client, settings, world, panels=panels)
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["panels", "0", "titleTranslations", "0", "language"], "INVALID")
    ]
    assert await read(client, settings, world) is None
    assert (await session.exec(select(Translation))).all() == []


async def test_its_keepers_translate_a_dashboards_title_and_others_find_nothing(
    client, settings: Settings, world: World
) -> None:
    saved = await save(client, settings, world)
    texts = {
        "subjectId": saved["dashboard"]["id"],
        "field": "title",
        "translations": [{"language": "es", "text": "Nuestra comunidad"}],
    }
    for stranger in (world.staff, world.funder, world.outsider):  # anonymous: UNAUTHENTICATED
        body = await graphql(client, SET, {"input": texts}, bearer(settings, stranger))
        assert [e["code"] for e in body["data"]["setTranslations"]["userErrors"]] == ["NOT_FOUND"]
    for keeper in (world.resident, world.backbone):
        body = await graphql(client, SET, {"input": texts}, bearer(settings, keeper))
        assert body["data"]["setTranslations"]["userErrors"] == []
    anonymous = await read(client, settings, world)
    assert anonymous["title"] == "Nuestra comunidad"
    assert (await read(client, settings, world, language="en"))["title"] == "Our community"


async def test_a_members_only_dashboards_translations_stay_among_members(
    client, settings: Settings, world: World
) -> None:
    saved = await save(client, settings, world, visibility="COLLABORATIVE")
    assert saved["userErrors"] == []
    assert await read(client, settings, world) is None
    assert await read(client, settings, world, who=world.outsider) is None
    member = await read(client, settings, world, who=world.staff)
    assert member["panels"] == [{"title": "Listos"}]
