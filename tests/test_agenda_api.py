"""The common agenda through the API: the backbone keeps it, everyone may read it."""

from __future__ import annotations

import pytest
from sqlalchemy import update as sa_update

from api.settings import Settings
from schema.relay import raw_id, to_global_id
from services.indicators.models import Indicator, IndicatorStatus
from services.partners.models import PartnerKind
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner

CREATE_DOMAIN = """mutation($input: CreateDomainInput!) { createDomain(input: $input) {
  domain { id name } userErrors { field code } } }"""
CREATE_RESULT = """mutation($input: CreateResultInput!) { createResult(input: $input) {
  result { id statement domain { name } } userErrors { field code } } }"""
CREATE_DIMENSION = """mutation($input: CreateDimensionInput!) { createDimension(input: $input) {
  dimension { id key categories { key label } } userErrors { field code message } } }"""
CREATE_INDICATOR = """mutation($input: CreateIndicatorInput!) { createIndicator(input: $input) {
  indicator { id name status baseline { value period { label } } dimensions { key }
    result { statement } }
  userErrors { field code message } } }"""
UPDATE_INDICATOR = """mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) {
  indicator { status visibility } userErrors { field code message } } }"""
CREATE_SHARED = """mutation($input: CreateSharedMeasureInput!) {
  createSharedMeasure(input: $input) {
  sharedMeasure { name aggregation } userErrors { field code } } }"""
SET_TARGET = """mutation($input: SetTargetInput!) { setTarget(input: $input) {
  target { value periodStart breakdown { category } } userErrors { field code message } } }"""
AGENDA = """query($slug: String!) { collaborative(slug: $slug) {
  domains { name results { statement
    indicators { name status targets { value breakdown { category } } } } }
  dimensions(first: 5) { nodes { key categories { key } } }
  sharedMeasures { totalCount nodes { name } }
  results(first: 1) { totalCount nodes { statement } }
  indicators(first: 10) { totalCount nodes { name status } } } }"""


@pytest.fixture
async def people(session, settings: Settings):
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    steward_of = await make_partner(session, collaborative)
    return collaborative, {
        "backbone": bearer(
            settings, await make_member(session, collaborative, Role.BACKBONE, backbone)
        ),
        "steward": bearer(
            settings, await make_member(session, collaborative, Role.PARTNER_STEWARD, steward_of)
        ),
        "resident": bearer(settings, await make_member(session, collaborative, Role.RESIDENT)),
        "anonymous": {},
    }


async def build_agenda(client, collaborative, backbone: dict[str, str]) -> dict[str, str]:
    collaborative_id = to_global_id("Collaborative", collaborative.id)
    domain = await graphql(
        client,
        CREATE_DOMAIN,
        {"input": {"collaborativeId": collaborative_id, "name": "Education"}},
        backbone,
    )
    domain_id = domain["data"]["createDomain"]["domain"]["id"]
    result = await graphql(
        client,
        CREATE_RESULT,
        {"input": {"domainId": domain_id, "statement": "Children enter school ready"}},
        backbone,
    )
    dimension = await graphql(
        client,
        CREATE_DIMENSION,
        {
            "input": {
                "collaborativeId": collaborative_id,
                "key": "race_ethnicity",
                "name": "Race and ethnicity",
                "categories": [
                    {"key": "latino", "label": "Latino/a"},
                    {"key": "black", "label": "Black"},
                ],
            }
        },
        backbone,
    )
    indicator = await graphql(
        client,
        CREATE_INDICATOR,
        {
            "input": {
                "resultId": result["data"]["createResult"]["result"]["id"],
                "name": "Kindergarten readiness",
                "unit": "PERCENT",
                "direction": "HIGHER_IS_BETTER",
                "granularity": "SCHOOL_YEAR",
                "baseline": {"periodStart": "2022-08-01", "value": 48.5},
                "dimensionIds": [dimension["data"]["createDimension"]["dimension"]["id"]],
            }
        },
        backbone,
    )
    return {
        "collaborative": collaborative_id,
        "domain": domain_id,
        "indicator": indicator["data"]["createIndicator"]["indicator"]["id"],
        "indicator_body": indicator,
    }


async def test_the_backbone_builds_the_agenda_and_anyone_reads_what_is_adopted(
    client, people, session
) -> None:
    collaborative, viewers = people
    ids = await build_agenda(client, collaborative, viewers["backbone"])
    created = ids["indicator_body"]["data"]["createIndicator"]
    assert created["userErrors"] == []
    assert created["indicator"]["status"] == "PROPOSED"
    assert created["indicator"]["baseline"] == {"value": 48.5, "period": {"label": "2022-23"}}
    assert created["indicator"]["dimensions"] == [{"key": "race_ethnicity"}]
    # a proposal is for members; once ratified it is public
    anonymous = await graphql(client, AGENDA, {"slug": collaborative.slug})
    assert anonymous["data"]["collaborative"]["indicators"]["totalCount"] == 0
    resident = await graphql(client, AGENDA, {"slug": collaborative.slug}, viewers["resident"])
    assert resident["data"]["collaborative"]["indicators"]["nodes"] == [
        {"name": "Kindergarten readiness", "status": "PROPOSED"}
    ]
    # ratification is by vote (tests/test_governance_api.py); here it is simply arranged
    await session.exec(  # type: ignore[call-overload]
        sa_update(Indicator)
        .where(Indicator.id == raw_id(ids["indicator"], "Indicator"))
        .values(status=IndicatorStatus.RATIFIED)
    )
    target = await graphql(
        client,
        SET_TARGET,
        {
            "input": {
                "subjectId": ids["indicator"],
                "periodStart": "2027-08-01",
                "value": 70,
                "breakdown": [{"dimension": "race_ethnicity", "category": "latino"}],
            }
        },
        viewers["backbone"],
    )
    assert target["data"]["setTarget"]["target"]["breakdown"] == [{"category": "latino"}]
    anonymous = await graphql(client, AGENDA, {"slug": collaborative.slug})
    agenda = anonymous["data"]["collaborative"]
    assert agenda["domains"] == [
        {
            "name": "Education",
            "results": [
                {
                    "statement": "Children enter school ready",
                    "indicators": [
                        {
                            "name": "Kindergarten readiness",
                            "status": "RATIFIED",
                            "targets": [{"value": 70.0, "breakdown": [{"category": "latino"}]}],
                        }
                    ],
                }
            ],
        }
    ]
    assert agenda["dimensions"]["nodes"] == [
        {"key": "race_ethnicity", "categories": [{"key": "latino"}, {"key": "black"}]}
    ]
    assert agenda["results"] == {
        "totalCount": 1,
        "nodes": [{"statement": "Children enter school ready"}],
    }
    assert agenda["sharedMeasures"] == {"totalCount": 0, "nodes": []}


@pytest.mark.parametrize("viewer", ["steward", "resident"])  # anonymous: UNAUTHENTICATED
async def test_only_the_backbone_keeps_the_agenda(client, people, viewer: str) -> None:
    collaborative, viewers = people
    collaborative_id = to_global_id("Collaborative", collaborative.id)
    headers = viewers[viewer]
    for query, key, payload in (
        (CREATE_DOMAIN, "createDomain", {"collaborativeId": collaborative_id, "name": "Housing"}),
        (
            CREATE_SHARED,
            "createSharedMeasure",
            {
                "collaborativeId": collaborative_id,
                "name": "Meals",
                "unit": "COUNT",
                "direction": "HIGHER_IS_BETTER",
                "aggregation": "SUM",
                "granularity": "QUARTER",
            },
        ),
        (
            CREATE_DIMENSION,
            "createDimension",
            {
                "collaborativeId": collaborative_id,
                "key": "income",
                "name": "Income",
                "categories": [],
            },
        ),
    ):
        body = await graphql(client, query, {"input": payload}, headers)
        assert body["data"][key]["userErrors"][0]["code"] == "FORBIDDEN"
    ids = await build_agenda(client, collaborative, viewers["backbone"])
    changed = await graphql(
        client, UPDATE_INDICATOR, {"input": {"id": ids["indicator"], "status": "RETIRED"}}, headers
    )
    assert changed["data"]["updateIndicator"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_agenda_inputs_are_checked_field_by_field(client, people) -> None:
    collaborative, viewers = people
    ids = await build_agenda(client, collaborative, viewers["backbone"])
    bad_key = await graphql(
        client,
        CREATE_DIMENSION,
        {
            "input": {
                "collaborativeId": ids["collaborative"],
                "key": "Race Ethnicity",
                "name": "x",
                "categories": [{"key": "a", "label": "A"}, {"key": "a", "label": "again"}],
            }
        },
        viewers["backbone"],
    )
    assert bad_key["data"]["createDimension"]["userErrors"][0]["field"] == ["key"]
    repeated = await graphql(
        client,
        CREATE_DIMENSION,
        {
            "input": {
                "collaborativeId": ids["collaborative"],
                "key": "income",
                "name": "Income",
                "categories": [{"key": "low", "label": "Low"}, {"key": "low", "label": "again"}],
            }
        },
        viewers["backbone"],
    )
    assert repeated["data"]["createDimension"]["userErrors"][0]["code"] == "DUPLICATE"
    bad_baseline = await graphql(
        client,
        UPDATE_INDICATOR,
        {
            "input": {
                "id": ids["indicator"],
                "baseline": {"periodStart": "2022-09-01", "value": 1},
            }
        },
        viewers["backbone"],
    )
    assert bad_baseline["data"]["updateIndicator"]["userErrors"][0]["field"] == [
        "baseline",
        "periodStart",
    ]
    bad_target = await graphql(
        client,
        SET_TARGET,
        {
            "input": {
                "subjectId": ids["indicator"],
                "periodStart": "2027-08-01",
                "value": 70,
                "breakdown": [{"dimension": "income", "category": "low"}],
            }
        },
        viewers["backbone"],
    )
    assert bad_target["data"]["setTarget"]["userErrors"][0]["field"] == ["breakdown", "income"]


UPDATE_DOMAIN = """mutation($input: UpdateDomainInput!) { updateDomain(input: $input) {
  domain { name } userErrors { field code } } }"""


async def test_a_refused_agenda_change_answers_as_data_and_leaves_nothing_behind(
    client, people
) -> None:
    collaborative, viewers = people
    ids = await build_agenda(client, collaborative, viewers["backbone"])
    other = await graphql(
        client,
        CREATE_DOMAIN,
        {"input": {"collaborativeId": ids["collaborative"], "name": "Housing"}},
        viewers["backbone"],
    )
    housing = other["data"]["createDomain"]["domain"]["id"]
    taken = await graphql(
        client, UPDATE_DOMAIN, {"input": {"id": housing, "name": "Education"}}, viewers["backbone"]
    )
    assert taken["data"]["updateDomain"]["userErrors"] == [{"field": ["name"], "code": "DUPLICATE"}]
    bad = await graphql(
        client,
        UPDATE_INDICATOR,
        {
            "input": {
                "id": ids["indicator"],
                "name": "Renamed",
                "dimensionIds": ["RGltZW5zaW9uOm5vcGU="],
            }
        },
        viewers["backbone"],
    )
    assert bad["data"]["updateIndicator"]["userErrors"][0]["field"] == ["dimensionIds", "0"]
    agenda = await graphql(client, AGENDA, {"slug": collaborative.slug}, viewers["backbone"])
    names = {d["name"] for d in agenda["data"]["collaborative"]["domains"]}
    assert names == {"Education", "Housing"}
    indicators = agenda["data"]["collaborative"]["indicators"]["nodes"]
    assert [i["name"] for i in indicators] == ["Kindergarten readiness"]


UPDATE_DIMENSION = """mutation($input: UpdateDimensionInput!) { updateDimension(input: $input) {
  dimension { name categories { key label rollsUpTo { key } } }
  userErrors { field code message } } }"""


async def test_the_vocabulary_grows_and_detailed_categories_roll_up(client, people) -> None:
    collaborative, viewers = people
    ids = await build_agenda(client, collaborative, viewers["backbone"])
    detailed = await graphql(
        client,
        CREATE_DIMENSION,
        {
            "input": {
                "collaborativeId": ids["collaborative"],
                "key": "race_detailed",
                "name": "Detailed",
                "categories": [
                    {
                        "key": "mexican",
                        "label": "Mexican",
                        "rollsUpTo": {"dimension": "race_ethnicity", "category": "latino"},
                    }
                ],
            }
        },
        viewers["backbone"],
    )
    created = detailed["data"]["createDimension"]
    assert created["dimension"]["categories"] == [{"key": "mexican", "label": "Mexican"}]
    dimension_id = created["dimension"]["id"]
    body = await graphql(
        client,
        UPDATE_DIMENSION,
        {
            "input": {
                "id": dimension_id,
                "name": "Race/ethnicity, detailed",
                "categories": [
                    {
                        "key": "mexican",
                        "label": "Mexican/Mexican American",
                        "rollsUpTo": {"dimension": "race_ethnicity", "category": "latino"},
                    },
                    {
                        "key": "salvadoran",
                        "label": "Salvadoran",
                        "rollsUpTo": {"dimension": "race_ethnicity", "category": "latino"},
                    },
                ],
            }
        },
        viewers["backbone"],
    )
    assert body["data"]["updateDimension"] == {
        "dimension": {
            "name": "Race/ethnicity, detailed",
            "categories": [
                {
                    "key": "mexican",
                    "label": "Mexican/Mexican American",
                    "rollsUpTo": {"key": "latino"},
                },
                {"key": "salvadoran", "label": "Salvadoran", "rollsUpTo": {"key": "latino"}},
            ],
        },
        "userErrors": [],
    }
    unknown = await graphql(
        client,
        UPDATE_DIMENSION,
        {
            "input": {
                "id": dimension_id,
                "categories": [
                    {
                        "key": "x",
                        "label": "X",
                        "rollsUpTo": {"dimension": "race_ethnicity", "category": "nope"},
                    },
                ],
            }
        },
        viewers["backbone"],
    )
    assert unknown["data"]["updateDimension"]["userErrors"][0]["field"] == [
        "categories",
        "0",
        "rollsUpTo",
    ]
    refused = await graphql(
        client,
        UPDATE_DIMENSION,
        {"input": {"id": dimension_id, "name": "Mine"}},
        viewers["steward"],
    )
    assert refused["data"]["updateDimension"]["userErrors"][0]["code"] == "FORBIDDEN"
