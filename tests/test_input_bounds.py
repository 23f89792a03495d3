"""Inputs at their bounds: texts within their columns, periods between 1900 and 2199, numbers
within a quadrillion, and token subjects PostgreSQL can hold; past a bound, a userError (or a
401) that names it, and nothing written. Tested just under and just over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import func, select

from api.settings import Settings
from schema.relay import to_global_id
from services.observations.models import Observation
from services.viewer import Role
from tests.apps import post
from tests.factories import bearer, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure

SUBMIT = """mutation($input: SubmitObservationsInput!) { submitObservations(input: $input) {
  observations { value note suppressedAtSource } userErrors { field code message } } }"""
CORRECT = """mutation($input: CorrectObservationInput!) { correctObservation(input: $input) {
  observation { value } userErrors { field code message } } }"""
VIEWER = "{ viewer { isAnonymous } }"


@dataclass
class Reporting:
    measure_id: str
    staff: dict[str, str]


@pytest.fixture
async def reporting(session, settings: Settings) -> Reporting:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    staff = await make_member(session, collaborative, Role.PARTNER_STAFF, partner)
    measure = await make_measure(session, partner)
    return Reporting(to_global_id("Measure", measure.id), bearer(settings, staff))


async def observations(session) -> int:
    return (await session.exec(select(func.count()).select_from(Observation))).one()


async def submit(client, reporting: Reporting, key: str, **row) -> dict:
    batch = {
        "input": {
            "subjectId": reporting.measure_id,
            "clientKey": key,
            "observations": [{"periodStart": "2025-01-01", **row}],
        }
    }
    response = await post(client, {"query": SUBMIT, "variables": batch}, **reporting.staff)
    assert response.status_code == 200, response.text
    return response.json()


# -- observations: texts, dates and numbers at their bounds -------------------------------------


@pytest.mark.parametrize(("length", "code"), [(2000, None), (2001, "TOO_LONG")])
async def test_a_note_holds_2000_characters(
    client, session, reporting: Reporting, length: int, code: str | None
) -> None:
    before = await observations(session)
    body = await submit(client, reporting, f"note-{length}", value=1, note="n" * length)
    errors = body["data"]["submitObservations"]["userErrors"]
    assert [e["code"] for e in errors] == ([code] if code else [])
    if code:
        assert errors[0]["field"] == ["observations", "0", "note"]
        assert await observations(session) == before


@pytest.mark.parametrize(
    ("marker", "code"), [("<=" + "9" * 14, None), ("<=" + "9" * 15, "TOO_LONG")]
)
async def test_a_suppression_marker_holds_16_characters(
    client, session, reporting: Reporting, marker: str, code: str | None
) -> None:
    before = await observations(session)
    body = await submit(client, reporting, f"marker-{len(marker)}", suppressedAtSource=marker)
    errors = body["data"]["submitObservations"]["userErrors"]
    assert [e["code"] for e in errors] == ([code] if code else [])
    if code:
        assert errors[0]["field"] == ["observations", "0", "suppressedAtSource"]
        assert await observations(session) == before


@pytest.mark.parametrize(
    ("value", "code"),
    [(1e15, None), (-1e15, None), (1.0000001e15, "OUT_OF_RANGE"), (1e308, "OUT_OF_RANGE")],
)
async def test_values_stay_within_a_quadrillion(
    client, session, reporting: Reporting, value: float, code: str | None
) -> None:
    before = await observations(session)
    body = await submit(client, reporting, f"value-{value}", value=value)
    errors = body["data"]["submitObservations"]["userErrors"]
    if value < 0 and code is None:  # a count is never negative: refused for that, not size
        assert [e["message"] for e in errors] == ["must not be negative"]
        return
    assert [e["code"] for e in errors] == ([code] if code else [])
    if code:
        assert await observations(session) == before


async def test_a_ratio_that_comes_out_huge_is_refused_too(
    client, session, reporting: Reporting
) -> None:
    body = await submit(client, reporting, "ratio", numerator=1e15, denominator=1e-6)
    [error] = body["data"]["submitObservations"]["userErrors"]
    assert (error["field"], error["code"]) == (["observations", "0", "value"], "OUT_OF_RANGE")


@pytest.mark.parametrize(
    ("start", "code"),
    [("1900-01-01", None), ("2199-10-01", None), ("2200-01-01", "OUT_OF_RANGE"),
     ("9999-10-01", "OUT_OF_RANGE"), ("1899-10-01", "OUT_OF_RANGE")],
)  # fmt: skip
async def test_a_period_lies_between_1900_and_2199(
    client, session, reporting: Reporting, start: str, code: str | None
) -> None:
    before = await observations(session)
    body = await submit(client, reporting, f"period-{start}", value=1, periodStart=start)
    errors = body["data"]["submitObservations"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == (
        [(["observations", "0", "periodStart"], code)] if code else []
    )
    if code:
        assert "from 1900-01-01 to 2199-12-31" in errors[0]["message"]
        assert await observations(session) == before


async def test_a_correction_reason_holds_2000_characters(
    client, session, reporting: Reporting
) -> None:
    body = await submit(client, reporting, "to-correct", value=1)
    assert body["data"]["submitObservations"]["userErrors"] == []
    found = await post(
        client,
        {
            "query": "query($id: ID!) { node(id: $id) { ... on Measure { observations { id } } } }",
            "variables": {"id": reporting.measure_id},
        },
        **reporting.staff,
    )
    observation_id = found.json()["data"]["node"]["observations"][0]["id"]
    for length, code in ((2001, "TOO_LONG"), (2000, None)):
        correction = {"input": {"id": observation_id, "value": 2, "reason": "r" * length}}
        corrected = await post(
            client, {"query": CORRECT, "variables": correction}, **reporting.staff
        )
        errors = corrected.json()["data"]["correctObservation"]["userErrors"]
        assert [e["code"] for e in errors] == ([code] if code else [])


# -- credentials ---------------------------------------------------------------------------------


async def test_a_validly_signed_token_whose_subject_holds_a_nul_is_a_401(
    client, settings: Settings
) -> None:
    now = datetime.now(UTC)
    for subject in ("someone\x00else", "someone\ud800"):
        claims = {
            "sub": subject,
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "exp": now + timedelta(minutes=5),
        }
        token = jwt.encode(claims, settings.signing_secret, algorithm="HS256")
        response = await post(client, {"query": VIEWER}, Authorization=f"Bearer {token}")
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
