"""Building input objects from their GraphQL values with each type's fields resolved once.

Strawberry converts an input object field by field and resolves each field's type anew for
every value (generics, lazy types, names): a batch of 50 observations spent 24 ms there,
more than validating and writing it. Strawberry lets a type build its own inputs
(`from_input`); `build_quickly` gives every input type of the schema one that does what
Strawberry does, from a plan of its fields made once per type: values of scalar and enum
fields (and lists of them, copied) are already what graphql-core coerced them to, and the
rest, nested inputs or global ids, go through Strawberry's own conversion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLInputObjectType, GraphQLSchema
from strawberry.relay.types import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import (  # the tests Strawberry's own conversion makes
    InputContext,
    _is_leaf_type,
    _is_optional_leaf_type,
)
from strawberry.types.base import StrawberryList, StrawberryOptional

LEAF, LEAVES, CONVERTED = "leaf", "leaves", "converted"


@dataclass(frozen=True, slots=True)
class InputPlan:
    fields: tuple[tuple[str, str, Any, str], ...]  # (GraphQL name, Python name, type, how)
    implicit_none: Mapping[str, None]  # fields without a default, None unless sent


def _how(field_type: Any, registry: Any) -> str:
    def leaf(t: Any) -> bool:
        skip = (GlobalID,)
        return _is_leaf_type(t, registry, skip) or _is_optional_leaf_type(t, registry, skip)

    if type(field_type) is StrawberryOptional:
        inner = field_type.of_type
        if type(inner) is StrawberryList and leaf(inner.of_type):
            return LEAVES
    if type(field_type) is StrawberryList and leaf(field_type.of_type):
        return LEAVES
    return LEAF if leaf(field_type) else CONVERTED


def plan_of(type_: Any, context: InputContext) -> InputPlan:
    definition = type_.__strawberry_definition__
    fields = tuple(
        (
            context.config.name_converter.from_field(field),
            field.python_name,
            field_type,
            _how(field_type, context.scalar_registry),
        )
        for field in definition.fields
        for field_type in (field.resolve_type(type_definition=definition),)
    )
    implicit = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is dataclasses.MISSING
        and field.default_factory is dataclasses.MISSING
    }
    return InputPlan(fields, implicit)


class QuickInput:
    """A type's `from_input`: its plan made on first use, then reused."""

    def __init__(self) -> None:
        self._plans: dict[Any, InputPlan] = {}

    def __call__(self, type_: Any, value: Mapping[str, Any], context: InputContext) -> Any:
        plan = self._plans.get(type_)
        if plan is None:
            plan = self._plans[type_] = plan_of(type_, context)
        kwargs: dict[str, Any] = dict(plan.implicit_none)
        for graphql_name, python_name, field_type, how in plan.fields:
            if graphql_name not in value:
                continue
            given = value[graphql_name]
            if given is None or how == LEAF:
                kwargs[python_name] = given
            elif how == LEAVES:
                kwargs[python_name] = list(given)  # graphql-core shares defaults: a copy
            else:
                kwargs[python_name] = context.convert(given, field_type, graphql_name)
        return type_(**kwargs)


def build_quickly(schema: GraphQLSchema) -> None:
    """Give every input type of the schema without a `from_input` of its own a QuickInput."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLInputObjectType):
            continue
        definition = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if definition is None or definition.from_input is not None:
            continue
        if any(_is_maybe(field.type) for field in definition.fields):
            continue  # Maybe fields wrap values: Strawberry's own conversion does it
        definition.from_input = QuickInput()


def _is_maybe(field_type: Any) -> bool:
    return type(field_type).__name__ == "StrawberryMaybe"
