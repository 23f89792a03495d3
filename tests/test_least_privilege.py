"""Least privilege: an API key does what its scopes say and never chooses who sees a measure
or whether it counts in aggregates; among people, those are the partner's stewards' choices,
not its staff's. Enforced by services/policy.py and, for the choices, by the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from api.settings import Settings
from schema.relay import to_global_id
from services.measures.models import PerformanceMeasure
from services.viewer import DEFAULT_KEY_SCOPES, Role, Scope
from services.visibility import Visibility
from tests.factories import (
    bearer,
    graphql,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)
from tests.measurement_factories import make_measure
from tests.test_rls import become_api, refused

CREATE = """mutation($input: CreateMeasureInput!) { createMeasure(input: $input) {
  measure { visibility shareInAggregates } userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
  measure { name visibility shareInAggregates } userErrors { field code message } } }"""
SUBMIT = """mutation($input: SubmitObservationsInput!) { submitObservations(input: $input) {
  observations { value } userErrors { field code } } }"""
ACTION = """mutation($input: CreateActionItemInput!) { createActionItem(input: $input) {
  actionItem { title } userErrors { field code } } }"""
MEASURE = "query($id: ID!) { node(id: $id) { ... on Measure { name visibility } } }"
CHOICES = [{"visibility": "PUBLIC"}, {"visibility": "COLLABORATIVE"}, {"shareInAggregates": False}]


@dataclass
class Casa:
    partner: Any
    measure: PerformanceMeasure
    measure_id: str
    people: dict[str, dict[str, str]]


@pytest.fixture
async def casa(session, settings: Settings) -> Casa:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    measure = await make_measure(session, partner, name="Families served")
    people = {
        role: bearer(settings, await make_member(session, collaborative, role, partner))
        for role in (Role.PARTNER_STAFF, Role.PARTNER_STEWARD)
    }
    return Casa(partner, measure, to_global_id("Measure", measure.id), people)


async def key(session, casa: Casa, *scopes: Scope) -> dict[str, str]:
    held = frozenset(scopes) if scopes else DEFAULT_KEY_SCOPES
    return {"X-Api-Key": await make_api_key(session, casa.partner, scopes=held)}


def new_measure(casa: Casa, **overrides: Any) -> dict[str, Any]:
    return {
        "input": {
            "partnerId": to_global_id("Partner", casa.partner.id),
            "name": "Meals served",
            "quadrant": "HOW_MUCH",
            "unit": "COUNT",
            "direction": "HIGHER_IS_BETTER",
            "granularity": "QUARTER",
            **overrides,
        }
    }


async def unchanged(session, casa: Casa) -> None:
    await session.refresh(casa.measure)
    assert (casa.measure.visibility, casa.measure.share_in_aggregates) == (Visibility.PRIVATE, True)


# -- API keys: scopes ------------------------------------------------------------------------


async def test_a_new_key_reads_and_reports_and_does_nothing_else(client, session, casa) -> None:
    headers = await key(session, casa)
    read = await graphql(client, MEASURE, {"id": casa.measure_id}, headers)
    reported = await graphql(
        client,
        SUBMIT,
        {
            "input": {
                "subjectId": casa.measure_id,
                "clientKey": "k1",
                "observations": [{"periodStart": "2025-01-01", "value": 3}],
            }
        },
        headers,
    )
    defined = await graphql(client, CREATE, new_measure(casa), headers)
    renamed = await graphql(
        client, UPDATE, {"input": {"id": casa.measure_id, "name": "Renamed"}}, headers
    )
    committed = await graphql(
        client,
        ACTION,
        {
            "input": {
                "ownerId": to_global_id("Partner", casa.partner.id),
                "title": "Call families",
                "dueDate": "2026-03-01",
            }
        },
        headers,
    )
    assert read["data"]["node"] == {"name": "Families served", "visibility": "PRIVATE"}
    assert reported["data"]["submitObservations"]["observations"] == [{"value": 3.0}]
    assert defined["data"]["createMeasure"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert renamed["data"]["updateMeasure"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert committed["data"]["createActionItem"]["userErrors"][0]["code"] == "NOT_FOUND"
    await session.refresh(casa.measure)
    assert casa.measure.name == "Families served"


async def test_a_key_without_read_runs_no_query_but_its_mutations_still_answer(
    client, session, casa
) -> None:
    headers = await key(session, casa, Scope.OBSERVATIONS_WRITE)
    read = await graphql(client, MEASURE, {"id": casa.measure_id}, headers)
    [error] = read["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "`read`" in error["message"]
    reported = await graphql(
        client,
        SUBMIT,
        {
            "input": {
                "subjectId": casa.measure_id,
                "clientKey": "k2",
                "observations": [{"periodStart": "2025-01-01", "value": 3}],
            }
        },
        headers,
    )
    assert reported["data"]["submitObservations"]["observations"] == [{"value": 3.0}]


async def test_a_key_without_observations_write_reports_nothing(client, session, casa) -> None:
    headers = await key(session, casa, Scope.READ, Scope.MEASURES_WRITE)
    body = await graphql(
        client,
        SUBMIT,
        {
            "input": {
                "subjectId": casa.measure_id,
                "clientKey": "k3",
                "observations": [{"periodStart": "2025-01-01", "value": 3}],
            }
        },
        headers,
    )
    assert body["data"]["submitObservations"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_a_key_that_defines_measures_still_never_chooses_visibility_or_consent(
    client, session, casa
) -> None:
    headers = await key(session, casa, Scope.READ, Scope.MEASURES_WRITE)
    renamed = await graphql(
        client, UPDATE, {"input": {"id": casa.measure_id, "name": "Families housed"}}, headers
    )
    assert renamed["data"]["updateMeasure"]["userErrors"] == []
    for choice in CHOICES:
        changed = await graphql(
            client, UPDATE, {"input": {"id": casa.measure_id, **choice}}, headers
        )
        [error] = changed["data"]["updateMeasure"]["userErrors"]
        assert (error["code"], error["field"]) == ("FORBIDDEN", list(choice))
        created = await graphql(client, CREATE, new_measure(casa, **choice), headers)
        assert created["data"]["createMeasure"]["userErrors"][0]["code"] == "FORBIDDEN"
    await unchanged(session, casa)


async def test_existing_keys_keep_what_they_could_do_but_the_stewards_choices(
    connection,
) -> None:
    # the migration gave keys issued before scopes every scope there is
    held = await connection.execute(text("SELECT DISTINCT scopes FROM api_key"))
    assert {tuple(row[0]) for row in held} <= {
        tuple(sorted(s.value for s in DEFAULT_KEY_SCOPES)),
        tuple(sorted(s.value for s in Scope)),
    }


# -- people: staff and stewards ----------------------------------------------------------------


@pytest.mark.parametrize("choice", CHOICES)
async def test_partner_staff_cannot_choose_visibility_or_consent(
    client, session, casa, choice: dict[str, Any]
) -> None:
    staff = casa.people[Role.PARTNER_STAFF]
    changed = await graphql(client, UPDATE, {"input": {"id": casa.measure_id, **choice}}, staff)
    [error] = changed["data"]["updateMeasure"]["userErrors"]
    assert (error["code"], error["field"]) == ("FORBIDDEN", list(choice))
    created = await graphql(client, CREATE, new_measure(casa, **choice), staff)
    assert created["data"]["createMeasure"]["userErrors"][0]["code"] == "FORBIDDEN"
    await unchanged(session, casa)


async def test_staff_define_measures_with_the_defaults_and_stewards_choose(client, casa) -> None:
    staff, steward = casa.people[Role.PARTNER_STAFF], casa.people[Role.PARTNER_STEWARD]
    as_staff = await graphql(client, CREATE, new_measure(casa, visibility="PRIVATE"), staff)
    assert as_staff["data"]["createMeasure"]["measure"] == {
        "visibility": "PRIVATE",
        "shareInAggregates": True,
    }
    chosen = await graphql(
        client,
        UPDATE,
        {"input": {"id": casa.measure_id, "visibility": "PUBLIC", "shareInAggregates": False}},
        steward,
    )
    assert chosen["data"]["updateMeasure"]["measure"] == {
        "name": "Families served",
        "visibility": "PUBLIC",
        "shareInAggregates": False,
    }
    created = await graphql(
        client, CREATE, new_measure(casa, name="Rides given", visibility="PUBLIC"), steward
    )
    assert created["data"]["createMeasure"]["measure"]["visibility"] == "PUBLIC"


# -- the database says the same -------------------------------------------------------------------


@pytest.mark.parametrize("change", ["visibility = 'public'", "share_in_aggregates = false"])
async def test_the_database_refuses_staff_the_stewards_choices_even_in_raw_sql(
    connection, session, change: str
) -> None:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    measure = await make_measure(session, partner)
    await become_api(connection, member_of=[collaborative.id], partner_ids=[partner.id])
    message = await refused(
        connection, f"UPDATE performance_measure SET {change} WHERE id = :id", id=measure.id
    )
    assert "only the partner's stewards" in message
    # a steward may
    await become_api(
        connection,
        member_of=[collaborative.id],
        partner_ids=[partner.id],
        steward_of=[partner.id],
    )
    await connection.execute(
        text(f"UPDATE performance_measure SET {change} WHERE id = :id"), {"id": measure.id}
    )
