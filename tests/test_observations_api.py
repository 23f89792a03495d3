"""Submitting, correcting and publishing observations through the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import func, select

from api.settings import Settings
from schema.relay import to_global_id
from services.observations.models import Observation
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_dimension, make_indicator, make_measure, make_result

SUBMIT = """mutation($input: SubmitObservationsInput!) { submitObservations(input: $input) {
  replayed userErrors { field code message }
  observations { id value numerator denominator n suppressedAtSource status revision
    period { label } breakdown { dimension category categoryLabel } } } }"""
CORRECT = """mutation($input: CorrectObservationInput!) { correctObservation(input: $input) {
  userErrors { field code message }
  observation { id value revision correctionReason isCurrent
    revisions { value revision isCurrent correctionReason } } } }"""
PUBLISH = """mutation($input: PublishObservationsInput!) { publishObservations(input: $input) {
  userErrors { field code } observations { status } } }"""
SERIES = """query($id: ID!, $all: Boolean) { node(id: $id) { ... on Measure {
  observations(allCells: $all) { value status suppressedAtSource period { label }
    breakdown { category } } } } }"""


@dataclass
class Setup:
    measure: Any
    measure_id: str
    owner: dict[str, str]
    staff: dict[str, str]
    resident: dict[str, str]
    backbone: dict[str, str]
    other_partner: dict[str, str]
    indicator_id: str


@pytest.fixture
async def setup(session, settings: Settings) -> Setup:
    collaborative = await make_collaborative(session)
    race = await make_dimension(
        session, collaborative, "race_ethnicity", {"latino": "Latino/a", "black": "Black"}
    )
    casa = await make_partner(session, collaborative, name="Casa")
    other = await make_partner(session, collaborative, name="Other")
    backbone_org = await make_partner(session, collaborative, name="Backbone")
    measure = await make_measure(
        session,
        casa,
        dimensions=(race,),
        visibility=Visibility.COLLABORATIVE,
        unit="percent",
        name="Screened on time",
    )
    indicator = await make_indicator(
        session, await make_result(session, collaborative), dimensions=(race,)
    )
    return Setup(
        measure=measure,
        measure_id=to_global_id("Measure", measure.id),
        owner=bearer(
            settings, await make_member(session, collaborative, Role.PARTNER_STEWARD, casa)
        ),
        staff=bearer(settings, await make_member(session, collaborative, Role.PARTNER_STAFF, casa)),
        resident=bearer(settings, await make_member(session, collaborative, Role.RESIDENT)),
        backbone=bearer(
            settings, await make_member(session, collaborative, Role.BACKBONE, backbone_org)
        ),
        other_partner=bearer(
            settings, await make_member(session, collaborative, Role.PARTNER_STEWARD, other)
        ),
        indicator_id=to_global_id("Indicator", indicator.id),
    )


def batch(subject_id: str, key: str = "batch-1", **overrides: Any) -> dict[str, Any]:
    return {
        "input": {
            "subjectId": subject_id,
            "clientKey": key,
            "observations": [
                {"periodStart": "2025-01-01", "numerator": 30, "denominator": 40, "n": 40},
                {
                    "periodStart": "2025-01-01",
                    "numerator": 12,
                    "denominator": 20,
                    "breakdown": [{"dimension": "race_ethnicity", "category": "latino"}],
                },
                {
                    "periodStart": "2025-01-01",
                    "suppressedAtSource": "<5",
                    "breakdown": [{"dimension": "race_ethnicity", "category": "black"}],
                },
            ],
            **overrides,
        }
    }


async def count_observations(session) -> int:
    return (await session.exec(select(func.count()).select_from(Observation))).one()


async def test_partner_staff_submit_a_batch_with_a_total_cells_and_a_value_suppressed_at_source(
    client, setup: Setup
) -> None:
    body = await graphql(client, SUBMIT, batch(setup.measure_id), setup.staff)
    result = body["data"]["submitObservations"]
    assert result["userErrors"] == []
    assert result["replayed"] is False
    total, latino, black = result["observations"]
    assert (total["value"], total["n"], total["period"]["label"]) == (75.0, 40, "2025-Q1")
    assert latino["value"] == 60.0
    assert latino["breakdown"] == [
        {"dimension": "race_ethnicity", "category": "latino", "categoryLabel": "Latino/a"}
    ]
    assert (black["value"], black["suppressedAtSource"]) == (None, "<5")


async def test_retrying_with_the_same_client_key_returns_the_first_result_and_writes_nothing(
    client, session, setup: Setup
) -> None:
    first = await graphql(client, SUBMIT, batch(setup.measure_id), setup.staff)
    written = await count_observations(session)
    again = await graphql(client, SUBMIT, batch(setup.measure_id), setup.staff)
    assert again["data"]["submitObservations"]["replayed"] is True
    first_ids = [o["id"] for o in first["data"]["submitObservations"]["observations"]]
    assert [o["id"] for o in again["data"]["submitObservations"]["observations"]] == first_ids
    assert await count_observations(session) == written
    other = batch(setup.measure_id)
    other["input"]["observations"][0]["numerator"] = 31
    reused = await graphql(client, SUBMIT, other, setup.staff)
    assert reused["data"]["submitObservations"]["userErrors"] == [
        {
            "field": ["clientKey"],
            "code": "DUPLICATE",
            "message": "was already used for a different batch",
        }
    ]


async def test_a_batch_with_one_bad_row_writes_nothing_and_names_every_problem(
    client, session, setup: Setup
) -> None:
    bad = batch(setup.measure_id)
    rows = bad["input"]["observations"]
    rows[1]["numerator"] = 25  # above its denominator
    rows.append({"periodStart": "2025-02-01", "value": 5})  # not a quarter
    rows.append({"periodStart": "2025-04-01", "value": 120})  # a percent above 100
    rows.append(
        {
            "periodStart": "2025-04-01",
            "value": 5,
            "breakdown": [{"dimension": "race_ethnicity", "category": "martian"}],
        }
    )
    rows.append({"periodStart": "2025-01-01", "value": 10})  # the same cell as row 0
    before = await count_observations(session)
    body = await graphql(client, SUBMIT, bad, setup.staff)
    errors = body["data"]["submitObservations"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["observations", "1", "numerator"], "OUT_OF_RANGE"),
        (["observations", "3", "periodStart"], "INVALID"),
        (["observations", "4", "value"], "OUT_OF_RANGE"),
        (["observations", "5", "breakdown", "race_ethnicity"], "INVALID"),
        (["observations", "6", "breakdown"], "DUPLICATE"),
    ]
    assert body["data"]["submitObservations"]["observations"] == []
    assert await count_observations(session) == before


async def test_a_cell_already_reported_takes_a_correction_not_a_second_value(client, setup) -> None:
    await graphql(client, SUBMIT, batch(setup.measure_id), setup.staff)
    body = await graphql(client, SUBMIT, batch(setup.measure_id, key="batch-2"), setup.staff)
    errors = body["data"]["submitObservations"]["userErrors"]
    assert {e["code"] for e in errors} == {"DUPLICATE"}
    assert "correctObservation" in errors[0]["message"]


async def test_a_taken_cell_is_named_by_its_own_row_even_after_a_refused_row(
    client, setup: Setup, session
) -> None:
    # given: the total of 2025-Q1 is reported
    await graphql(client, SUBMIT, batch(setup.measure_id), setup.staff)
    # when: a batch whose first row is refused and whose second row is that total again
    rows = [
        {"periodStart": "2025-02-01", "value": 5, "note": "x" * 2001},
        {"periodStart": "2025-01-01", "value": 5},
    ]
    body = await graphql(
        client,
        SUBMIT,
        {"input": {"subjectId": setup.measure_id, "clientKey": "b2", "observations": rows}},
        setup.staff,
    )
    # then: every problem names its own row (a too-long note is refused, not a server error)
    errors = body["data"]["submitObservations"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["observations", "0", "periodStart"], "INVALID"),
        (["observations", "0", "note"], "TOO_LONG"),
        (["observations", "1", "periodStart"], "DUPLICATE"),
    ]
    assert await count_observations(session) == 3


async def test_a_correction_is_a_new_revision_with_its_reason_and_the_history_stays(
    client, setup: Setup
) -> None:
    submitted = await graphql(client, SUBMIT, batch(setup.measure_id), setup.staff)
    total_id = submitted["data"]["submitObservations"]["observations"][0]["id"]
    no_reason = await graphql(
        client,
        CORRECT,
        {"input": {"id": total_id, "reason": " ", "numerator": 31, "denominator": 40}},
        setup.owner,
    )
    assert no_reason["data"]["correctObservation"]["userErrors"][0]["field"] == ["reason"]
    body = await graphql(
        client,
        CORRECT,
        {
            "input": {
                "id": total_id,
                "numerator": 32,
                "denominator": 40,
                "reason": "late intake forms",
            }
        },
        setup.owner,
    )
    corrected = body["data"]["correctObservation"]["observation"]
    assert (corrected["value"], corrected["revision"], corrected["isCurrent"]) == (80.0, 2, True)
    assert corrected["revisions"] == [
        {"value": 75.0, "revision": 1, "isCurrent": False, "correctionReason": None},
        {"value": 80.0, "revision": 2, "isCurrent": True, "correctionReason": "late intake forms"},
    ]
    stale = await graphql(
        client, CORRECT, {"input": {"id": total_id, "value": 50, "reason": "x"}}, setup.owner
    )
    assert stale["data"]["correctObservation"]["userErrors"][0]["message"] == (
        "only the current revision can be corrected"
    )
    series = await graphql(client, SERIES, {"id": setup.measure_id}, setup.resident)
    assert [o["value"] for o in series["data"]["node"]["observations"]] == [80.0]


async def test_drafts_are_their_owners_until_published(client, setup: Setup) -> None:
    body = await graphql(client, SUBMIT, batch(setup.measure_id, status="DRAFT"), setup.staff)
    ids = [o["id"] for o in body["data"]["submitObservations"]["observations"]]
    mine = await graphql(client, SERIES, {"id": setup.measure_id, "all": True}, setup.owner)
    assert {o["status"] for o in mine["data"]["node"]["observations"]} == {"DRAFT"}
    theirs = await graphql(client, SERIES, {"id": setup.measure_id, "all": True}, setup.resident)
    assert theirs["data"]["node"]["observations"] == []
    refused = await graphql(client, PUBLISH, {"input": {"ids": ids}}, setup.backbone)
    assert {e["code"] for e in refused["data"]["publishObservations"]["userErrors"]} == {
        "NOT_FOUND"
    }
    published = await graphql(client, PUBLISH, {"input": {"ids": ids}}, setup.owner)
    assert published["data"]["publishObservations"]["userErrors"] == []
    theirs = await graphql(client, SERIES, {"id": setup.measure_id, "all": True}, setup.resident)
    assert len(theirs["data"]["node"]["observations"]) == 3


@pytest.mark.parametrize("viewer", ["other_partner", "backbone", "resident"])
async def test_reporting_on_a_measure_one_does_not_own_looks_like_it_does_not_exist(
    client, session, setup: Setup, viewer: str
) -> None:
    headers = getattr(setup, viewer)  # anonymous: UNAUTHENTICATED (test_graphql_over_http)
    before = await count_observations(session)
    for subject in (setup.measure_id, to_global_id("Measure", uuid.uuid4())):
        body = await graphql(client, SUBMIT, batch(subject), headers)
        assert body["data"]["submitObservations"]["userErrors"] == [
            {
                "field": ["subjectId"],
                "code": "NOT_FOUND",
                "message": "no measure or indicator with this id",
            }
        ]
    assert await count_observations(session) == before


async def test_the_backbone_reports_population_data_for_indicators(client, setup: Setup) -> None:
    rows = {
        "subjectId": setup.indicator_id,
        "clientKey": "census-2024",
        "observations": [{"periodStart": "2024-01-01", "value": 61.5, "n": 2400}],
    }
    body = await graphql(client, SUBMIT, {"input": rows}, setup.backbone)
    assert body["data"]["submitObservations"]["userErrors"] == []
    refused = await graphql(client, SUBMIT, {"input": {**rows, "clientKey": "x"}}, setup.owner)
    assert refused["data"]["submitObservations"]["userErrors"][0]["code"] == "NOT_FOUND"


NODE = "query($id: ID!) { node(id: $id) { id ... on Observation { value revisions { value } } } }"
SET_TARGET = """mutation($input: SetTargetInput!) { setTarget(input: $input) {
  target { value } userErrors { field code message } } }"""


@pytest.mark.parametrize("viewer", ["other_partner", "backbone", "resident"])
async def test_correcting_or_targeting_someone_elses_measure_looks_like_it_does_not_exist(
    client, setup: Setup, viewer: str
) -> None:
    headers = getattr(setup, viewer)  # anonymous: UNAUTHENTICATED (test_graphql_over_http)
    submitted = await graphql(client, SUBMIT, batch(setup.measure_id), setup.staff)
    total_id = submitted["data"]["submitObservations"]["observations"][0]["id"]
    correction = {"id": total_id, "numerator": 1, "denominator": 2, "reason": "mine now"}
    body = await graphql(client, CORRECT, {"input": correction}, headers)
    assert body["data"]["correctObservation"]["userErrors"] == [
        {"field": ["id"], "code": "NOT_FOUND", "message": "no observation with this id"}
    ]
    target = {"subjectId": setup.measure_id, "periodStart": "2026-01-01", "value": 90}
    body = await graphql(client, SET_TARGET, {"input": target}, headers)
    assert body["data"]["setTarget"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_drafts_and_private_values_are_null_by_global_id_for_others(
    client, session, settings: Settings, setup: Setup
) -> None:
    drafted = await graphql(client, SUBMIT, batch(setup.measure_id, status="DRAFT"), setup.staff)
    draft_id = drafted["data"]["submitObservations"]["observations"][0]["id"]
    assert (await graphql(client, NODE, {"id": draft_id}, setup.owner))["data"]["node"][
        "value"
    ] == 75.0
    for headers in (setup.resident, setup.backbone, setup.other_partner, {}):
        assert (await graphql(client, NODE, {"id": draft_id}, headers))["data"]["node"] is None
    random_id = to_global_id("Observation", uuid.uuid4())
    assert (await graphql(client, NODE, {"id": random_id}, setup.resident))["data"]["node"] is None


async def test_an_owner_sets_a_total_and_an_equity_target(client, setup: Setup) -> None:
    for breakdown in ([], [{"dimension": "race_ethnicity", "category": "latino"}]):
        target = {
            "subjectId": setup.measure_id,
            "periodStart": "2026-01-01",
            "value": 90,
            "breakdown": breakdown,
        }
        body = await graphql(client, SET_TARGET, {"input": target}, setup.owner)
        assert body["data"]["setTarget"] == {"target": {"value": 90.0}, "userErrors": []}
    query = """query($id: ID!) {
      node(id: $id) { ... on Measure { targets { value breakdown { category } } } } }"""
    body = await graphql(client, query, {"id": setup.measure_id}, setup.resident)
    assert body["data"]["node"]["targets"] == [
        {"value": 90.0, "breakdown": []},
        {"value": 90.0, "breakdown": [{"category": "latino"}]},
    ]
    removed = {"subjectId": setup.measure_id, "periodStart": "2026-01-01", "value": None}
    body = await graphql(client, SET_TARGET, {"input": removed}, setup.owner)
    assert body["data"]["setTarget"] == {"target": None, "userErrors": []}
