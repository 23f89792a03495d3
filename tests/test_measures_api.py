"""Performance measures through the API: owners define them and choose who sees them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from api.settings import Settings
from schema.relay import to_global_id
from services.observations.models import Observation
from services.periods import Granularity
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import (
    make_dimension,
    make_measure,
    make_result,
    make_shared_measure,
)

CREATE = """mutation($input: CreateMeasureInput!) { createMeasure(input: $input) {
  userErrors { field code message }
  measure { id name quadrant visibility shareInAggregates partner { name }
    sharedMeasure { name } dimensions { key } contributesTo { results { statement } } } } }"""
UPDATE = """mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
  userErrors { field code message }
  measure { visibility visibilityChanges { fromVisibility toVisibility } } } }"""
MEASURES = """query($slug: String!, $filters: [Quadrant!], $text: String, $partners: [ID!],
  $visibilities: [Visibility!]) {
  collaborative(slug: $slug) { measures(first: 50, quadrants: $filters, text: $text,
    partnerIds: $partners, visibilities: $visibilities) { totalCount nodes { name } } } }"""
NODE = """query($id: ID!) {
  node(id: $id) { ... on Measure { name visibilityChanges { toVisibility } } } }"""


@dataclass
class Setup:
    collaborative: Any
    casa: Any
    measures: dict[Visibility, Any]
    viewers: dict[str, dict[str, str]]
    ids: dict[str, str]


@pytest.fixture
async def setup(session, settings: Settings) -> Setup:
    collaborative = await make_collaborative(session)
    other = await make_collaborative(session)
    casa = await make_partner(session, collaborative, name="Casa")
    food = await make_partner(session, collaborative, name="Food Bank")
    backbone = await make_partner(session, collaborative, name="Backbone")
    funder = await make_partner(session, collaborative, name="Fund")
    measures = {
        v: await make_measure(session, casa, name=f"Casa {v.value}", visibility=v)
        for v in Visibility
    }
    await make_measure(session, food, name="Meals served", visibility=Visibility.PUBLIC)
    race = await make_dimension(session, collaborative, "race_ethnicity", {"latino": "Latino/a"})
    result = await make_result(session, collaborative)
    shared = await make_shared_measure(session, collaborative)
    percent_shared = await make_shared_measure(session, collaborative, name="Rate", unit="percent")
    people = {
        "steward": await make_member(session, collaborative, Role.PARTNER_STEWARD, casa),
        "staff": await make_member(session, collaborative, Role.PARTNER_STAFF, casa),
        "food_steward": await make_member(session, collaborative, Role.PARTNER_STEWARD, food),
        "resident": await make_member(session, collaborative, Role.RESIDENT),
        "backbone": await make_member(session, collaborative, Role.BACKBONE, backbone),
        "funder": await make_member(session, collaborative, Role.FUNDER, funder),
        "admin": await make_member(session, collaborative, Role.ADMIN),
        "outsider": await make_member(session, other, Role.RESIDENT),
    }
    viewers = {k: bearer(settings, a) for k, a in people.items()} | {"anonymous": {}}
    return Setup(
        collaborative,
        casa,
        measures,
        viewers,
        {
            "casa": to_global_id("Partner", casa.id),
            "race": to_global_id("Dimension", race.id),
            "result": to_global_id("Result", result.id),
            "shared": to_global_id("SharedMeasure", shared.id),
            "percent_shared": to_global_id("SharedMeasure", percent_shared.id),
        },
    )


def new_measure(setup: Setup, **overrides: Any) -> dict[str, Any]:
    return {
        "input": {
            "partnerId": setup.ids["casa"],
            "name": "Families completing home visiting",
            "quadrant": "BETTER_OFF",
            "unit": "COUNT",
            "direction": "HIGHER_IS_BETTER",
            "granularity": "QUARTER",
            "dimensionIds": [setup.ids["race"]],
            "sharedMeasureId": setup.ids["shared"],
            "contributesTo": {"resultIds": [setup.ids["result"]]},
            **overrides,
        }
    }


@pytest.mark.parametrize("viewer", ["steward", "staff"])
async def test_a_partners_people_define_its_measures(client, setup: Setup, viewer: str) -> None:
    body = await graphql(client, CREATE, new_measure(setup), setup.viewers[viewer])
    result = body["data"]["createMeasure"]
    assert result["userErrors"] == []
    measure = result["measure"]
    assert (measure["quadrant"], measure["visibility"], measure["shareInAggregates"]) == (
        "BETTER_OFF",
        "PRIVATE",
        True,
    )
    assert measure["partner"] == {"name": "Casa"}
    assert measure["sharedMeasure"] == {"name": "Families completing home visiting"}
    assert measure["dimensions"] == [{"key": "race_ethnicity"}]
    assert measure["contributesTo"]["results"] == [{"statement": "Children thrive"}]


@pytest.mark.parametrize("viewer", ["food_steward", "backbone", "resident", "funder", "admin"])
async def test_nobody_else_defines_a_partners_measures(client, setup: Setup, viewer: str) -> None:
    body = await graphql(client, CREATE, new_measure(setup), setup.viewers[viewer])
    assert body["data"]["createMeasure"]["userErrors"][0]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": ""}, ["name"], "REQUIRED"),
        ({"sharedMeasureId": "percent_shared"}, ["sharedMeasureId"], "INVALID"),
        ({"dimensionIds": ["RGltZW5zaW9uOm5vcGU="]}, ["dimensionIds", "0"], "NOT_FOUND"),
        ({"name": "Casa private"}, ["name"], "DUPLICATE"),
    ],
)
async def test_a_refused_measure_names_the_field(client, setup, overrides, field, code) -> None:
    if overrides.get("sharedMeasureId") == "percent_shared":
        overrides = {"sharedMeasureId": setup.ids["percent_shared"]}
    body = await graphql(client, CREATE, new_measure(setup, **overrides), setup.viewers["steward"])
    errors = body["data"]["createMeasure"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]


VISIBLE = {
    "steward": {"private", "collaborative", "public"},
    "staff": {"private", "collaborative", "public"},
    "food_steward": {"collaborative", "public"},
    "resident": {"collaborative", "public"},
    "backbone": {"collaborative", "public"},
    "funder": {"public"},
    "admin": {"public"},
    "outsider": {"public"},
    "anonymous": {"public"},
}


@pytest.mark.parametrize("viewer", list(VISIBLE))
async def test_each_viewer_sees_exactly_the_measures_the_owner_allows_by_every_path(
    client, setup: Setup, viewer: str
) -> None:
    headers = setup.viewers[viewer]
    listed = await graphql(
        client,
        MEASURES,
        {"slug": setup.collaborative.slug, "partners": [setup.ids["casa"]]},
        headers,
    )
    names = {n["name"] for n in listed["data"]["collaborative"]["measures"]["nodes"]}
    assert names == {f"Casa {v}" for v in VISIBLE[viewer]}
    for visibility, measure in setup.measures.items():
        node = await graphql(client, NODE, {"id": to_global_id("Measure", measure.id)}, headers)
        assert (node["data"]["node"] is not None) is (visibility.value in VISIBLE[viewer])
    nested = await graphql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Partner { measures { nodes { name } } } } }",
        {"id": setup.ids["casa"]},
        headers,
    )
    assert {n["name"] for n in nested["data"]["node"]["measures"]["nodes"]} == names


async def test_filters_narrow_the_measures(client, setup: Setup) -> None:
    headers = setup.viewers["resident"]
    by_text = await graphql(
        client, MEASURES, {"slug": setup.collaborative.slug, "text": "meals"}, headers
    )
    assert [n["name"] for n in by_text["data"]["collaborative"]["measures"]["nodes"]] == [
        "Meals served"
    ]
    by_quadrant = await graphql(
        client, MEASURES, {"slug": setup.collaborative.slug, "filters": ["BETTER_OFF"]}, headers
    )
    assert by_quadrant["data"]["collaborative"]["measures"]["totalCount"] == 0
    public = await graphql(
        client, MEASURES, {"slug": setup.collaborative.slug, "visibilities": ["PUBLIC"]}, headers
    )
    assert {n["name"] for n in public["data"]["collaborative"]["measures"]["nodes"]} == {
        "Casa public",
        "Meals served",
    }


async def test_changing_who_sees_a_measure_is_recorded_for_the_owner_and_carried_to_its_data(
    client, session, setup: Setup
) -> None:
    private = setup.measures[Visibility.PRIVATE]
    session.add(
        Observation(
            collaborative_id=private.collaborative_id,
            measure_id=private.id,
            granularity=Granularity.QUARTER,
            period_start=date(2025, 1, 1),
            value=9,
        )
    )
    await session.flush()
    series = "query($id: ID!) { node(id: $id) { ... on Measure { observations { value } } } }"
    measure_id = to_global_id("Measure", private.id)
    assert (await graphql(client, series, {"id": measure_id}, setup.viewers["resident"]))["data"][
        "node"
    ] is None
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": measure_id, "visibility": "COLLABORATIVE"}},
        setup.viewers["steward"],
    )
    assert body["data"]["updateMeasure"]["measure"]["visibilityChanges"] == [
        {"fromVisibility": "PRIVATE", "toVisibility": "COLLABORATIVE"}
    ]
    seen = await graphql(client, series, {"id": measure_id}, setup.viewers["resident"])
    assert seen["data"]["node"]["observations"] == [{"value": 9.0}]
    by_resident = await graphql(client, NODE, {"id": measure_id}, setup.viewers["resident"])
    assert by_resident["data"]["node"]["visibilityChanges"] == []


@pytest.mark.parametrize("viewer", ["food_steward", "backbone", "resident"])
async def test_changing_someone_elses_measure_looks_like_it_does_not_exist(
    client, setup, viewer
) -> None:
    for raw in (setup.measures[Visibility.PUBLIC].id, uuid.uuid4()):
        body = await graphql(
            client,
            UPDATE,
            {"input": {"id": to_global_id("Measure", raw), "name": "x"}},
            setup.viewers[viewer],
        )
        assert body["data"]["updateMeasure"]["userErrors"] == [
            {"field": ["id"], "code": "NOT_FOUND", "message": "no measure with this id"}
        ]


async def test_a_measure_cannot_be_given_to_another_partner(client, setup: Setup) -> None:
    measure_id = to_global_id("Measure", setup.measures[Visibility.PUBLIC].id)
    body = await client.post(
        "/graphql",
        json={
            "query": UPDATE,
            "variables": {"input": {"id": measure_id, "partnerId": setup.ids["casa"]}},
        },
        headers=setup.viewers["steward"],
    )
    assert "partnerId" in body.json()["errors"][0]["message"]


async def test_a_refused_change_to_a_measure_leaves_nothing_behind(client, setup: Setup) -> None:
    measure_id = to_global_id("Measure", setup.measures[Visibility.PUBLIC].id)
    for bad in (
        {"dimensionIds": ["RGltZW5zaW9uOm5vcGU="]},
        {"sharedMeasureId": setup.ids["percent_shared"]},
        {"contributesTo": {"resultIds": [to_global_id("Result", uuid.uuid4())]}},
        {"name": "Casa private"},
    ):
        body = await graphql(
            client,
            UPDATE,
            {"input": {"id": measure_id, "visibility": "PRIVATE", **bad}},
            setup.viewers["steward"],
        )
        assert body["data"]["updateMeasure"]["userErrors"], bad
    after = await graphql(client, NODE, {"id": measure_id}, setup.viewers["anonymous"])
    assert after["data"]["node"] == {"name": "Casa public", "visibilityChanges": []}
