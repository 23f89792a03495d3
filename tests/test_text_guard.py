"""Text PostgreSQL cannot hold (NUL, lone surrogates) is refused by name, never a 500."""

from __future__ import annotations

import json

import pytest

from api.settings import Settings
from schema.relay import to_global_id
from schema.text_guard import text_problem
from services.text import unstorable
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure

UPDATE = """mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
  userErrors { field code message } measure { name } } }"""
NUL_MESSAGE = "text cannot contain the NUL character (U+0000)"
SURROGATE_MESSAGE = "text cannot contain a lone surrogate (U+D800 to U+DFFF)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"input": {"name": "a\x00b"}}, (("input", "name"), NUL_MESSAGE)),
        ({"ids": ["ok", "b\x00"]}, (("ids", "1"), NUL_MESSAGE)),
        (
            {"input": {"panels": [{"title": "fine"}, {"title": "\ud800"}]}},
            (("input", "panels", "1", "title"), SURROGATE_MESSAGE),
        ),
        ({"input": {"name": "fine, ñandú 🦤", "n": 3, "flag": None}}, None),
    ],
)
def test_the_path_to_the_first_unstorable_text_is_named(value, expected) -> None:
    assert text_problem(value) == expected


@pytest.mark.parametrize("text", ["plain", "accents: ñ é ü", "emoji 🦤", ""])
def test_text_postgresql_holds_is_let_through(text: str) -> None:
    assert unstorable(text) is None


async def test_a_nul_in_a_literal_argument_is_named(client) -> None:
    body = await graphql(client, 'query { collaborative(slug: "demo\\u0000x") { name } }')
    assert "data" not in body  # refused before running
    [error] = body["errors"]
    assert error["message"] == f"slug: {NUL_MESSAGE}"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": ["slug"]}


async def test_an_escaped_lone_surrogate_in_a_literal_does_not_parse(client) -> None:
    body = await graphql(client, 'query { collaborative(slug: "\\ud800") { name } }')
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_a_lone_surrogate_in_a_variable_is_named_not_an_unexpected_error(client) -> None:
    # JSON's "\ud800" escape decodes to a lone surrogate, which no UTF-8 text holds
    body = '{"query": "query($s: String!) { collaborative(slug: $s) { name } }",' + (
        ' "variables": {"s": "\\ud800"}}'
    )
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == f"s: {SURROGATE_MESSAGE}"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": ["s"]}


async def test_a_lone_surrogate_in_the_query_text_is_refused(client) -> None:
    body = json.dumps({"query": "{ viewer { isAnonymous } } # \ud800"})
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("bad", ["Fam\x00ilies", "Fam\ud800ilies"])
async def test_unstorable_text_in_a_mutation_is_named_and_nothing_is_written(
    client, session, settings: Settings, bad: str
) -> None:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    steward = await make_member(session, collaborative, Role.PARTNER_STEWARD, partner)
    measure = await make_measure(session, partner, name="Families served")
    measure_id = to_global_id("Measure", measure.id)
    response = await client.post(
        "/graphql",
        content=json.dumps(
            {"query": UPDATE, "variables": {"input": {"id": measure_id, "name": bad}}}
        ),
        headers={"content-type": "application/json", **bearer(settings, steward)},
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["field"] == ["input", "name"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    await session.refresh(measure)
    assert measure.name == "Families served"
