"""A cell asked of a measure or indicator must be one it is disaggregated by, or say so."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from services.visibility import Visibility
from tests.factories import graphql, make_collaborative, make_partner
from tests.measurement_factories import (
    make_dimension,
    make_indicator,
    make_measure,
    make_result,
)

FIELDS = {
    "observations": "observations(breakdown: $cell) { value }",
    "series": "series(breakdown: $cell) { points { value } }",
}


def query(field: str) -> str:
    return (
        "query($id: ID!, $cell: [BreakdownInput!]) { node(id: $id) { "
        f"... on Measure {{ {FIELDS[field]} }} ... on Indicator {{ {FIELDS[field]} }} }} }}"
    )


@pytest.fixture
async def subjects(session) -> dict[str, str]:
    collaborative = await make_collaborative(session)
    race = await make_dimension(
        session, collaborative, "race_ethnicity", {"asian": "Asian", "latino": "Latino"}
    )
    await make_dimension(session, collaborative, "gender", {"woman": "Woman"})
    partner = await make_partner(session, collaborative)
    measure = await make_measure(session, partner, dimensions=(race,), visibility=Visibility.PUBLIC)
    indicator = await make_indicator(
        session, await make_result(session, collaborative), dimensions=(race,)
    )
    return {
        "Measure": to_global_id("Measure", measure.id),
        "Indicator": to_global_id("Indicator", indicator.id),
    }


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("subject", ["Measure", "Indicator"])
@pytest.mark.parametrize(
    ("cell", "path", "message"),
    [
        (
            {"dimension": "gender", "category": "woman"},
            ["breakdown", "0", "dimension"],
            "this is not disaggregated by 'gender'",
        ),
        (
            {"dimension": "race_ethnicity", "category": "martian"},
            ["breakdown", "0", "category"],
            "'martian' is not a category of 'race_ethnicity'",
        ),
    ],
)
async def test_an_unknown_cell_is_refused_by_name(
    client, subjects, field, subject, cell, path, message
) -> None:
    body = await graphql(client, query(field), {"id": subjects[subject], "cell": [cell]})
    [error] = body["errors"]
    assert error["message"] == f"{'.'.join(path)}: {message}"


@pytest.mark.parametrize("field", list(FIELDS))
async def test_a_known_cell_answers(client, subjects, field) -> None:
    cell = [{"dimension": "race_ethnicity", "category": "asian"}]
    body = await graphql(client, query(field), {"id": subjects["Measure"], "cell": cell})
    assert "errors" not in body
    assert body["data"]["node"] is not None
