"""Input objects built from plans (schema/input_objects.py) equal Strawberry's own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from graphql import GraphQLInputObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument

from schema.input_objects import QuickInput
from schema.observations.mutations import SubmitObservationsInput
from schema.root import build_schema

BATCH = {
    "subjectId": "TWVhc3VyZTox",
    "clientKey": "batch-1",
    "observations": [
        {"periodStart": date(2024, 1, 1), "value": 3.5, "n": 9, "note": "",
         "breakdown": [{"dimension": "race_ethnicity", "category": "latino"}]},
        {"periodStart": date(2024, 4, 1), "value": None, "suppressedAtSource": "<5",
         "note": "small"},
    ],
    "status": "published",
}  # fmt: skip


def convert(schema: Any, value: Any, type_: Any, *, quick: bool) -> Any:
    strawberry_schema = schema
    definitions = [
        t.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        for t in schema._schema.type_map.values()
        if isinstance(t, GraphQLInputObjectType)
    ]
    kept = [d.from_input for d in definitions]
    if not quick:
        for d in definitions:
            d.from_input = None
    try:
        return convert_argument(
            value, type_, strawberry_schema.schema_converter.scalar_registry,
            strawberry_schema.config,
        )  # fmt: skip
    finally:
        for d, f in zip(definitions, kept, strict=True):
            d.from_input = f


@pytest.mark.parametrize("batch", [BATCH, {**BATCH, "observations": []}])
def test_a_batch_is_built_as_strawberry_builds_it(batch) -> None:
    schema = build_schema()
    quick = convert(schema, batch, SubmitObservationsInput, quick=True)
    usual = convert(schema, batch, SubmitObservationsInput, quick=False)
    assert quick == usual
    assert len(quick.observations) == len(batch["observations"])
    if batch["observations"]:
        assert quick.observations[0].breakdown[0].category == "latino"
        assert quick.observations[1].breakdown is None  # omitted: the field's default


def test_every_input_type_builds_quickly() -> None:
    schema = build_schema()
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLInputObjectType):
            definition = graphql_type.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
            assert isinstance(definition.from_input, QuickInput), graphql_type.name


def test_a_list_sent_is_copied_not_shared() -> None:
    schema = build_schema()
    shared = [{"dimension": "d", "category": "c"}]
    value = {**BATCH, "observations": [{"periodStart": date(2024, 1, 1), "breakdown": shared}]}
    built = convert(schema, value, SubmitObservationsInput, quick=True)
    assert built.observations[0].breakdown is not shared
