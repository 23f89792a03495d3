"""A NUL character anywhere in a request's strings is refused by name, never a 500."""

from __future__ import annotations

import pytest

from api.settings import Settings
from schema.nul_guard import nul_path
from schema.relay import to_global_id
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure

UPDATE = """mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
  userErrors { field code message } measure { name } } }"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"input": {"name": "a\x00b"}}, ("input", "name")),
        ({"ids": ["ok", "b\x00"]}, ("ids", "1")),
        (
            {"input": {"panels": [{"title": "fine"}, {"title": "\x00"}]}},
            ("input", "panels", "1", "title"),
        ),
        ({"input": {"name": "fine", "n": 3, "flag": None}}, None),
    ],
)
def test_the_path_to_the_first_nul_is_named(value, expected) -> None:
    assert nul_path(value) == expected


async def test_a_nul_in_a_literal_argument_is_named(client) -> None:
    body = await graphql(client, 'query { collaborative(slug: "demo\\u0000x") { name } }')
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "slug: text cannot contain the NUL character (U+0000)"
    assert error["extensions"] == {"code": "INVALID", "field": ["slug"]}


async def test_a_nul_in_a_variable_is_named_and_nothing_is_written(
    client, session, settings: Settings
) -> None:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    steward = await make_member(session, collaborative, Role.PARTNER_STEWARD, partner)
    measure = await make_measure(session, partner, name="Families served")
    measure_id = to_global_id("Measure", measure.id)
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": measure_id, "name": "Fam\x00ilies"}},
        bearer(settings, steward),
    )
    [error] = body["errors"]
    assert error["extensions"]["field"] == ["input", "name"]
    assert "NUL" in error["message"]
    await session.refresh(measure)
    assert measure.name == "Families served"
