"""A collaborative to import into, every kind of viewer, and the GraphQL upload request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from api.settings import Settings
from schema.relay import to_global_id
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, make_api_key, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_dimension, make_indicator, make_measure, make_result

IMPORT = """mutation($input: ImportObservationsInput!) { importObservations(input: $input) {
  import { subjectId fileSha256 format rows status replayed }
  userErrors { field code message } } }"""


@dataclass
class Imports:
    measure: Any
    measure_id: str  # Casa's percent measure, quarterly, by race and language, members-only
    count_id: str  # Casa's public count measure, quarterly, no dimensions
    private_id: str  # Casa's private measure
    indicator_id: str  # a public indicator, yearly, by race
    scored_ids: tuple[str, ...]  # three alike measures of Casa, scores by race and language
    viewers: dict[str, dict[str, str]]  # viewer kind -> headers


async def build_imports(session: Any, settings: Settings) -> Imports:
    collaborative = await make_collaborative(session)
    race = await make_dimension(
        session, collaborative, "race_ethnicity", {"latino": "Latino/a", "black": "Black"}
    )
    language = await make_dimension(
        session, collaborative, "language", {"english": "English", "spanish": "Spanish"}
    )
    casa = await make_partner(session, collaborative, name="Casa")
    other = await make_partner(session, collaborative, name="Other")
    backbone = await make_partner(session, collaborative, name="Backbone")
    funder = await make_partner(session, collaborative, name="Funder")
    measure = await make_measure(
        session,
        casa,
        dimensions=(race, language),
        visibility=Visibility.COLLABORATIVE,
        unit="percent",
        name="Children screened on time",
    )
    count = await make_measure(session, casa, visibility=Visibility.PUBLIC, name="Families")
    private = await make_measure(session, casa, visibility=Visibility.PRIVATE, name="Private")
    scored = [
        await make_measure(session, casa, dimensions=(race, language), unit="score", name=name)
        for name in ("Scores", "Scores again", "Scores once more")
    ]
    indicator = await make_indicator(
        session, await make_result(session, collaborative), dimensions=(race,)
    )

    async def member(role: Role, partner: Any = None) -> dict[str, str]:
        return bearer(settings, await make_member(session, collaborative, role, partner))

    return Imports(
        measure=measure,
        measure_id=to_global_id("Measure", measure.id),
        count_id=to_global_id("Measure", count.id),
        private_id=to_global_id("Measure", private.id),
        indicator_id=to_global_id("Indicator", indicator.id),
        scored_ids=tuple(to_global_id("Measure", m.id) for m in scored),
        viewers={
            "anonymous": {},
            "staff": await member(Role.PARTNER_STAFF, casa),
            "steward": await member(Role.PARTNER_STEWARD, casa),
            "api_key": {"X-Api-Key": await make_api_key(session, casa)},
            "resident": await member(Role.RESIDENT),
            "backbone": await member(Role.BACKBONE, backbone),
            "funder": await member(Role.FUNDER, funder),
            "other_partner": await member(Role.PARTNER_STEWARD, other),
            "other_api_key": {"X-Api-Key": await make_api_key(session, other)},
        },
    )


async def upload(
    client: httpx.AsyncClient,
    subject_id: str,
    content: bytes,
    headers: dict[str, str],
    *,
    name: str = "observations.csv",
    status: str | None = None,
) -> dict[str, Any]:
    """importObservations as a GraphQL multipart request; the payload (asserting HTTP 200)."""
    variables: dict[str, Any] = {"subjectId": subject_id, "file": None}
    if status is not None:
        variables["status"] = status
    operations = {"query": IMPORT, "variables": {"input": variables}}
    response = await client.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (name, content, "application/octet-stream")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["importObservations"]


def errors_of(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]
