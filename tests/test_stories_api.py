"""Stories: members tell them on what they can see; nobody reads one past its own visibility
or its subject's, through node(id), the Series field or a public dashboard's panel."""

from __future__ import annotations

import pytest
from sqlmodel import select

from api.settings import Settings
from schema.relay import to_global_id
from services.stories.models import Story, StoryKind
from services.visibility import Visibility
from tests.factories import bearer, graphql
from tests.story_factories import World, make_dashboard, make_story, make_world

ADD = """mutation($input: AddStoryInput!) { addStory(input: $input) {
  story { id kind title whys language visibility period { label } partner { name }
          subject { name } }
  userErrors { field code message } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Story { title } } }"
INDICATOR_STORIES = """query($id: ID!, $language: String, $kinds: [StoryKind!]) {
  node(id: $id) { ... on Series { stories(language: $language, kinds: $kinds) { title } } } }"""
PANEL_STORIES = """query($c: String!) { dashboard(collaborativeSlug: $c, slug: "ours") {
  panels { subject { stories { title } } } } }"""


@pytest.fixture
async def world(session) -> World:
    return await make_world(session)


async def add(client, settings: Settings, who, **input) -> dict:
    headers = bearer(settings, who) if who else {}
    body = await graphql(client, ADD, {"input": input}, headers)
    return body["data"]["addStory"]


async def test_a_resident_tells_a_community_voice_story_in_spanish_read_by_anyone(
    client, settings: Settings, world: World
) -> None:
    # when
    added = await add(
        client,
        settings,
        world.resident,
        subjectId=world.gid(world.indicator),
        kind="COMMUNITY_VOICE",
        title="Lo que vemos en el barrio",
        body="Las familias esperan meses por una plaza.",
        language="es",
        visibility="PUBLIC",
        periodStart="2025-01-01",
    )
    # then
    assert added["userErrors"] == []
    story = added["story"]
    assert story["language"] == "es"
    assert story["period"] == {"label": "2025"}
    assert story["partner"] is None
    assert story["subject"] == {"name": "Ready"}
    variables = {"id": world.gid(world.indicator), "language": "es"}
    body = await graphql(client, INDICATOR_STORIES, variables)
    assert body["data"]["node"]["stories"] == [{"title": "Lo que vemos en el barrio"}]
    variables["language"] = "en"
    body = await graphql(client, INDICATOR_STORIES, variables)
    assert body["data"]["node"]["stories"] == []


async def test_a_root_cause_keeps_its_chain_of_whys_in_order(
    client, settings: Settings, world: World
) -> None:
    whys = ["Families miss screenings", "Clinic hours clash with work", "No evening slots"]
    added = await add(
        client,
        settings,
        world.staff,
        subjectId=world.gid(world.measures[Visibility.COLLABORATIVE]),
        kind="ROOT_CAUSE",
        title="Why screenings lag",
        whys=[f"  {w} " for w in whys],
        partnerId=to_global_id("Partner", world.casa.id),
    )
    assert added["userErrors"] == []
    assert added["story"]["whys"] == whys
    assert added["story"]["partner"] == {"name": "Casa"}


@pytest.mark.parametrize(
    ("input", "field", "code"),
    [
        ({"kind": "WHAT_WORKS", "whys": ["because"]}, ["whys"], "INVALID"),
        ({"kind": "ROOT_CAUSE"}, ["whys"], "OUT_OF_RANGE"),
        ({"kind": "ROOT_CAUSE", "whys": [str(i) for i in range(8)]}, ["whys"], "OUT_OF_RANGE"),
        ({"kind": "ROOT_CAUSE", "whys": ["one", "  "]}, ["whys", "1"], "REQUIRED"),
        ({"kind": "WHAT_WORKS", "language": "fr"}, ["language"], "INVALID"),
        ({"kind": "WHAT_WORKS", "title": ""}, ["title"], "REQUIRED"),
        ({"kind": "WHAT_WORKS", "periodStart": "2025-02-01"}, ["periodStart"], "INVALID"),
        ({"kind": "WHAT_WORKS", "partnerId": "nonsense"}, ["partnerId"], "NOT_FOUND"),
    ],
)
async def test_a_story_that_is_wrong_names_the_field_and_writes_nothing(
    client, session, settings: Settings, world: World, input, field, code
) -> None:
    added = await add(
        client,
        settings,
        world.resident,
        **{"subjectId": world.gid(world.indicator), "title": "t", **input},
    )
    assert added["story"] is None
    assert [(e["field"], e["code"]) for e in added["userErrors"]] == [(field, code)]
    assert (await session.exec(select(Story))).all() == []


async def test_a_story_is_never_wider_than_its_subject(
    client, settings: Settings, world: World
) -> None:
    for subject in (world.members_indicator, world.measures[Visibility.COLLABORATIVE]):
        added = await add(
            client,
            settings,
            world.staff,
            subjectId=world.gid(subject),
            kind="STORY_BEHIND_THE_CURVE",
            title="Public story on a members-only subject",
            visibility="PUBLIC",
        )
        assert [(e["field"], e["code"]) for e in added["userErrors"]] == [
            (["visibility"], "INVALID")
        ]
    added = await add(
        client,
        settings,
        world.staff,
        subjectId=world.gid(world.measures[Visibility.PRIVATE]),
        kind="WHAT_WORKS",
        title="Members-only story on a private measure",
        visibility="COLLABORATIVE",
    )
    assert [e["field"] for e in added["userErrors"]] == [["visibility"]]


async def test_only_members_tell_stories_and_only_on_what_they_see(
    client, settings: Settings, world: World
) -> None:
    public_measure = world.gid(world.measures[Visibility.PUBLIC])
    for who in (world.funder, world.outsider):  # anonymous: UNAUTHENTICATED
        added = await add(
            client, settings, who, subjectId=public_measure, kind="WHAT_WORKS", title="t"
        )
        assert added["story"] is None
        assert [(e["field"], e["code"]) for e in added["userErrors"]] == [
            (["subjectId"], "FORBIDDEN")
        ]
    # a subject one may not see answers exactly as a missing one
    for who, subject in (
        (world.outsider, world.measures[Visibility.COLLABORATIVE]),
        (world.other_staff, world.measures[Visibility.PRIVATE]),
        (world.resident, world.measures[Visibility.PRIVATE]),
    ):
        added = await add(
            client, settings, who, subjectId=world.gid(subject), kind="WHAT_WORKS", title="t"
        )
        assert [(e["field"], e["code"]) for e in added["userErrors"]] == [
            (["subjectId"], "NOT_FOUND")
        ]
    # and one cannot tell a story for a partner one does not act for
    added = await add(
        client,
        settings,
        world.resident,
        subjectId=public_measure,
        kind="WHAT_WORKS",
        title="t",
        partnerId=to_global_id("Partner", world.casa.id),
    )
    assert [(e["field"], e["code"]) for e in added["userErrors"]] == [(["partnerId"], "NOT_FOUND")]


async def visible_titles(client, settings: Settings, world: World, who, subject) -> set[str]:
    """The story titles `who` reads on `subject`, checked to agree with node(id)."""
    headers = bearer(settings, who) if who else {}
    body = await graphql(client, INDICATOR_STORIES, {"id": world.gid(subject)}, headers)
    node = body["data"]["node"]
    return {s["title"] for s in node["stories"]} if node else set()


async def test_stories_are_read_as_their_own_and_their_subjects_visibility_allow(
    client, session, settings: Settings, world: World
) -> None:
    # given
    indicator = world.indicator
    stories = {
        "public": await make_story(session, indicator, world.resident, title="public"),
        "members": await make_story(
            session, indicator, world.resident, title="members", visibility=Visibility.COLLABORATIVE
        ),
        "casa-private": await make_story(
            session,
            indicator,
            world.staff,
            title="casa-private",
            visibility=Visibility.PRIVATE,
            partner_id=world.casa.id,
        ),
        "resident-private": await make_story(
            session,
            indicator,
            world.resident,
            title="resident-private",
            visibility=Visibility.PRIVATE,
        ),
        "members-indicator": await make_story(
            session, world.members_indicator, world.resident, title="members-indicator"
        ),
    }
    # a public story on a members-only subject stays with members, whatever it says
    expected = [
        (None, {"public"}),
        (world.funder, {"public"}),
        (world.outsider, {"public"}),
        (world.backbone, {"public", "members", "members-indicator"}),
        (world.other_staff, {"public", "members", "members-indicator"}),
        (world.staff, {"public", "members", "casa-private", "members-indicator"}),
        (world.resident, {"public", "members", "resident-private", "members-indicator"}),
    ]
    for who, titles in expected:
        seen = await visible_titles(client, settings, world, who, indicator)
        seen |= await visible_titles(client, settings, world, who, world.members_indicator)
        # then: the Series field and node(id) agree
        assert seen == titles, who
        headers = bearer(settings, who) if who else {}
        for name, story in stories.items():
            body = await graphql(client, NODE, {"id": to_global_id("Story", story.id)}, headers)
            assert (body["data"]["node"] is not None) == (name in titles), (who, name)


async def test_a_public_dashboard_shows_no_hidden_story_through_its_panels(
    client, session, settings: Settings, world: World
) -> None:
    indicator = world.indicator
    await make_story(session, indicator, world.resident, title="public")
    await make_story(
        session, indicator, world.resident, title="members", visibility=Visibility.COLLABORATIVE
    )
    measure = world.measures[Visibility.COLLABORATIVE]
    await make_story(
        session, measure, world.staff, title="on a members-only measure", partner_id=world.casa.id
    )
    await make_dashboard(
        session, world.collaborative, world.resident, [indicator, measure], visibility="public"
    )
    for who in (None, world.funder, world.outsider):
        headers = bearer(settings, who) if who else {}
        body = await graphql(client, PANEL_STORIES, {"c": world.collaborative.slug}, headers)
        panels = body["data"]["dashboard"]["panels"]
        assert panels == [{"subject": {"stories": [{"title": "public"}]}}]
    body = await graphql(
        client, PANEL_STORIES, {"c": world.collaborative.slug}, bearer(settings, world.resident)
    )
    titles = [
        {s["title"] for s in p["subject"]["stories"]} for p in body["data"]["dashboard"]["panels"]
    ]
    assert titles == [{"public", "members"}, {"on a members-only measure"}]


async def test_a_measure_made_private_takes_its_public_stories_with_it(
    client, session, settings: Settings, world: World
) -> None:
    measure = world.measures[Visibility.PUBLIC]
    story = await make_story(session, measure, world.staff, kind=StoryKind.WHAT_WORKS, title="x")
    measure.visibility = Visibility.PRIVATE
    session.add(measure)
    await session.flush()
    for who in (None, world.resident, world.other_staff):
        headers = bearer(settings, who) if who else {}
        body = await graphql(client, NODE, {"id": to_global_id("Story", story.id)}, headers)
        assert body["data"]["node"] is None
    body = await graphql(
        client, NODE, {"id": to_global_id("Story", story.id)}, bearer(settings, world.staff)
    )
    assert body["data"]["node"] == {"title": "x"}


async def test_a_storys_language_is_matched_like_a_translations(
    client, settings: Settings, world: World
) -> None:
    added = await add(
        client,
        settings,
        world.resident,
        subjectId=world.gid(world.indicator),
        kind="COMMUNITY_VOICE",
        title="Lo que vemos",
        language=" ES ",
    )
    assert added["userErrors"] == []
    assert added["story"]["language"] == "es"


async def test_stories_come_newest_first_up_to_count(
    client, session, settings: Settings, world: World
) -> None:
    from datetime import UTC, datetime

    from tests.story_factories import make_story

    for day, title in enumerate(("first", "second", "third"), start=1):
        await make_story(
            session,
            world.indicator,
            world.resident,
            title=title,
            created_at=datetime(2026, 1, day, tzinfo=UTC),
        )
    query = """query($id: ID!, $count: Int!) { node(id: $id) {
      ... on Series { stories(count: $count) { title } } } }"""
    variables = {"id": world.gid(world.indicator), "count": 2}
    body = await graphql(client, query, variables, bearer(settings, world.resident))
    assert [s["title"] for s in body["data"]["node"]["stories"]] == ["third", "second"]


async def test_count_applies_to_each_subject_and_a_language_matches_whatever_its_case(
    client, session, settings: Settings, world: World
) -> None:
    from datetime import UTC, datetime

    subjects = (world.indicator, world.measures[Visibility.PUBLIC])
    for subject in subjects:
        for day in (1, 2, 3):
            await make_story(
                session,
                subject,
                world.resident,
                title=f"{subject.name} {day}",
                language="es-MX",
                created_at=datetime(2026, 1, day, tzinfo=UTC),
            )
    query = """query($ids: [ID!]!) { nodes(ids: $ids) {
      ... on Series { stories(count: 2, language: " ES-mx ") { title } } } }"""
    body = await graphql(
        client, query, {"ids": [world.gid(s) for s in subjects]}, bearer(settings, world.resident)
    )
    assert [[s["title"] for s in n["stories"]] for n in body["data"]["nodes"]] == [
        [f"{subject.name} 3", f"{subject.name} 2"] for subject in subjects
    ]
