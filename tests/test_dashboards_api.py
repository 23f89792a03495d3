"""Saved dashboards: members arrange them, anyone reads the public ones by slug, and a
panel shows only what its reader may see."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from api.settings import Settings
from schema.relay import to_global_id
from services.dashboards.models import Dashboard, DashboardPanel
from services.observations.models import Observation
from services.periods import Granularity, next_start
from services.visibility import Visibility
from tests.factories import bearer, graphql
from tests.story_factories import World, make_dashboard, make_world

SAVE = """mutation($input: SaveDashboardInput!) { saveDashboard(input: $input) {
  dashboard { slug title visibility panels { position chart title dimension category from to
    subject { name } } }
  userErrors { field code message } } }"""
READ = """query($c: String!, $slug: String!) { dashboard(collaborativeSlug: $c, slug: $slug) {
  id title panels { title chart
    subject { __typename name series { points { value } } stories { title } }
    series { points { value } } } } }"""
LIST = """query($c: String!) { collaborative(slug: $c) { dashboards(first: 10) {
  totalCount nodes { slug } } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Dashboard { slug } } }"


@pytest.fixture
async def world(session) -> World:
    return await make_world(session)


def panels_of(world: World, *subjects, **extra) -> list[dict]:
    return [{"subjectId": world.gid(s), "chart": "LINE", **extra} for s in subjects]


async def save(client, settings: Settings, who, world: World, **input) -> dict:
    headers = bearer(settings, who) if who else {}
    values = {
        "collaborativeId": to_global_id("Collaborative", world.collaborative.id),
        "slug": "community-dashboard",
        "title": "Our community",
        **input,
    }
    body = await graphql(client, SAVE, {"input": values}, headers)
    return body["data"]["saveDashboard"]


async def read(client, settings: Settings, who, world: World, slug: str) -> dict | None:
    headers = bearer(settings, who) if who else {}
    body = await graphql(client, READ, {"c": world.collaborative.slug, "slug": slug}, headers)
    assert "errors" not in body, body
    return body["data"]["dashboard"]


async def test_a_resident_saves_a_public_dashboard_that_anyone_reads_but_hidden_panels_stay_out(
    client, session, settings: Settings, world: World
) -> None:
    # given
    measure = world.measures[Visibility.COLLABORATIVE]
    session.add(
        Observation(
            collaborative_id=world.collaborative.id,
            indicator_id=world.indicator.id,
            granularity=Granularity.YEAR,
            period_start=date(2024, 1, 1),
            value=61.5,
        )
    )
    await session.flush()
    # when
    saved = await save(
        client,
        settings,
        world.resident,
        world,
        visibility="PUBLIC",
        panels=[
            {
                "subjectId": world.gid(world.indicator),
                "chart": "DISPARITY",
                "title": "Ready, by race",
                "dimension": "race_ethnicity",
            },
            {"subjectId": world.gid(measure), "chart": "BAR", "from": "2024-01-01"},
        ],
    )
    # then
    assert saved["userErrors"] == []
    assert [p["subject"]["name"] for p in saved["dashboard"]["panels"]] == [
        "Ready",
        "casa-collaborative",
    ]
    for who in (None, world.funder, world.outsider):
        dashboard = await read(client, settings, who, world, "community-dashboard")
        assert dashboard is not None
        # the members-only measure's panel is not there at all (its cell and period describe it)
        (first,) = dashboard["panels"]
        assert first["subject"]["name"] == "Ready"
        assert first["series"]["points"] == [{"value": 61.5}]
        assert first["subject"]["series"]["points"] == [{"value": 61.5}]
    member_view = await read(client, settings, world.other_staff, world, "community-dashboard")
    assert member_view["panels"][1]["subject"]["__typename"] == "Measure"


async def test_a_members_only_dashboard_answers_outsiders_as_an_unknown_slug(
    client, session, settings: Settings, world: World
) -> None:
    private = await make_dashboard(
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
    for who in (None, world.funder, world.outsider):
        assert await read(client, settings, who, world, "members") is None
        assert await read(client, settings, who, world, "no-such-slug") is None
        headers = bearer(settings, who) if who else {}
        body = await graphql(client, NODE, {"id": to_global_id("Dashboard", private.id)}, headers)
        assert body["data"]["node"] is None
        body = await graphql(client, LIST, {"c": world.collaborative.slug}, headers)
        assert body["data"]["collaborative"]["dashboards"] == {
            "totalCount": 1,
            "nodes": [{"slug": "open"}],
        }
    assert await read(client, settings, world.staff, world, "members") is not None
    body = await graphql(
        client, LIST, {"c": world.collaborative.slug}, bearer(settings, world.staff)
    )
    assert body["data"]["collaborative"]["dashboards"]["totalCount"] == 2


async def test_saving_again_replaces_the_panels_for_its_creator_and_the_backbone_only(
    client, session, settings: Settings, world: World
) -> None:
    indicator, measure = world.indicator, world.measures[Visibility.PUBLIC]
    first = await save(client, settings, world.resident, world, panels=panels_of(world, indicator))
    assert first["userErrors"] == []
    # another member may not overwrite it
    refused = await save(
        client, settings, world.staff, world, title="Taken", panels=panels_of(world, measure)
    )
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["slug"], "FORBIDDEN")]
    # its creator replaces every panel at once
    again = await save(
        client,
        settings,
        world.resident,
        world,
        title="Renamed",
        panels=panels_of(world, measure, indicator, measure),
    )
    assert again["userErrors"] == []
    assert again["dashboard"]["title"] == "Renamed"
    assert [p["subject"]["name"] for p in again["dashboard"]["panels"]] == [
        "casa-public",
        "Ready",
        "casa-public",
    ]
    # the backbone, which stewards dashboards, may too
    kept = await save(client, settings, world.backbone, world, panels=panels_of(world, indicator))
    assert kept["userErrors"] == []
    assert len((await session.exec(select(DashboardPanel))).all()) == 1
    dashboard = (await session.exec(select(Dashboard))).one()
    assert dashboard.created_by == world.resident.id


async def test_a_panel_on_a_measure_the_saver_cannot_see_is_not_found_and_nothing_is_written(
    client, session, settings: Settings, world: World
) -> None:
    hidden = world.measures[Visibility.PRIVATE]
    saved = await save(
        client, settings, world.other_staff, world, panels=panels_of(world, world.indicator, hidden)
    )
    assert saved["dashboard"] is None
    assert [(e["field"], e["code"]) for e in saved["userErrors"]] == [
        (["panels", "1", "subjectId"], "NOT_FOUND")
    ]
    assert (await session.exec(select(Dashboard))).all() == []


async def test_a_failed_replacement_keeps_the_old_panels(
    client, session, settings: Settings, world: World
) -> None:
    await save(client, settings, world.resident, world, panels=panels_of(world, world.indicator))
    refused = await save(
        client,
        settings,
        world.resident,
        world,
        panels=[*panels_of(world, world.indicator), {"subjectId": "bogus", "chart": "LINE"}],
    )
    assert [e["field"] for e in refused["userErrors"]] == [["panels", "1", "subjectId"]]
    assert len((await session.exec(select(DashboardPanel))).all()) == 1


@pytest.mark.parametrize(
    ("input", "field"),
    [
        ({"slug": "Not A Slug"}, ["slug"]),
        ({"title": ""}, ["title"]),
        ({"panels": [{"chart": "LINE", "dimension": "income"}]}, ["panels", "0", "dimension"]),
        ({"panels": [{"chart": "LINE", "category": "latino"}]}, ["panels", "0", "category"]),
        (
            {"panels": [{"chart": "LINE", "dimension": "race_ethnicity", "category": "x"}]},
            ["panels", "0", "category"],
        ),
        (
            {"panels": [{"chart": "LINE", "from": "2025-01-01", "to": "2024-01-01"}]},
            ["panels", "0", "to"],
        ),
    ],
)
async def test_a_dashboard_that_is_wrong_names_the_field(
    client, settings: Settings, world: World, input, field
) -> None:
    for panel in input.get("panels", []):
        panel["subjectId"] = world.gid(world.indicator)
    saved = await save(client, settings, world.resident, world, **input)
    assert saved["dashboard"] is None
    assert [e["field"] for e in saved["userErrors"]] == [field]


async def test_non_members_cannot_save_dashboards(client, settings: Settings, world: World) -> None:
    for who in (world.funder, world.outsider):  # anonymous: UNAUTHENTICATED
        saved = await save(client, settings, who, world, panels=panels_of(world, world.indicator))
        assert [(e["field"], e["code"]) for e in saved["userErrors"]] == [
            (["collaborativeId"], "FORBIDDEN")
        ]


async def statements_for_a_dashboard(session, client, settings, count_statements, n: int) -> int:
    world = await make_world(session)
    subjects = [world.indicator, world.measures[Visibility.PUBLIC]] * (n // 2)
    for subject in {s.id: s for s in subjects}.values():
        start = date(2023, 1, 1)
        for _ in range(6):
            column = "indicator_id" if subject is world.indicator else "measure_id"
            granularity = subject.granularity
            session.add(
                Observation(
                    collaborative_id=world.collaborative.id,
                    granularity=granularity,
                    period_start=start,
                    value=1,
                    **{column: subject.id},
                )
            )
            start = next_start(granularity, start)
    await make_dashboard(session, world.collaborative, world.resident, subjects, slug="big")
    with count_statements() as counter:
        dashboard = await read(client, settings, world.resident, world, "big")
    assert len(dashboard["panels"]) == n
    assert all(len(p["series"]["points"]) == 6 for p in dashboard["panels"])
    return counter.count


async def test_a_dashboard_costs_the_same_statements_for_2_or_8_panels(
    client, session, settings: Settings, count_statements
) -> None:
    small = await statements_for_a_dashboard(session, client, settings, count_statements, 2)
    large = await statements_for_a_dashboard(session, client, settings, count_statements, 8)
    assert small == large


async def test_two_saves_of_one_slug_take_turns(
    client, settings: Settings, world: World, owner_engine, connection
) -> None:
    """While another transaction saves a slug, a second save waits for it (here it gives up
    after a short lock timeout) instead of clashing on panel positions."""
    key = f"{world.collaborative.id}:community-dashboard"
    await connection.exec_driver_sql("SET lock_timeout = '200ms'")
    async with owner_engine.connect() as other:
        await other.begin()
        await other.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended('dashboard:' || :key, 0))"),
            {"key": key},
        )
        values = {
            "collaborativeId": to_global_id("Collaborative", world.collaborative.id),
            "slug": "community-dashboard",
            "title": "Ours",
        }
        body = await graphql(client, SAVE, {"input": values}, bearer(settings, world.resident))
        assert body["errors"][0]["message"] == "Unexpected error."
        await other.rollback()
    await connection.exec_driver_sql("RESET lock_timeout")
    saved = await save(client, settings, world.resident, world, panels=[])
    assert saved["userErrors"] == []
