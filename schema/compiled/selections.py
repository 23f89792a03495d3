"""A field's selection as plain data: what a compiled read (schema/compiled) works from.

graphql-core collects fields per request, since @skip and @include depend on variables. A
compiled read is planned once per document, so it takes only selections whose shape cannot
change from one request to the next: fields, aliases, and fragments on the object's own
type or on an interface it implements. A directive anywhere, a response key given twice or a
fragment with variables of its own, and there is no plan: the field runs the usual way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputType,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
    ValueNode,
    VariableNode,
    value_from_ast,
)


class NotCompiledError(Exception):
    """This selection has no compiled plan: the usual execution answers it."""


@dataclass(frozen=True, slots=True)
class Argument:
    """An argument as written: a literal, or the name of a variable."""

    literal: Any = None
    variable: str | None = None

    def value(self, variables: Mapping[str, Any], default: Any = None) -> Any:
        """Its value in a request: a variable the request left out takes `default`."""
        if self.variable is not None:
            return variables.get(self.variable, default)
        return self.literal


def argument_of(value: ValueNode, graphql_type: GraphQLInputType) -> Argument:
    """An argument as written; a literal coerced to its type as GraphQL coerces it (a
    single value where a list is expected is a list of one)."""
    if isinstance(value, VariableNode):
        return Argument(variable=value.name.value)
    literal = value_from_ast(value, graphql_type)  # Undefined for a variable inside it too
    if literal is Undefined:
        raise NotCompiledError("a literal its type refuses, or a variable inside a literal")
    return Argument(literal=literal)


def response_key(node: FieldNode) -> str:
    """The key a field answers under: its alias, or its name."""
    return node.alias.value if node.alias else node.name.value


def fields_of(
    selection_set: SelectionSetNode | None,
    runtime_type: GraphQLObjectType,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[FieldNode]:
    """The field nodes of a selection set for an object of `runtime_type`, fragments
    flattened in document order."""
    if selection_set is None:
        return []
    applies_to = {runtime_type.name, *(i.name for i in runtime_type.interfaces)}
    found: list[FieldNode] = []
    for node in selection_set.selections:
        if node.directives:  # on a field or a fragment, wherever it is
            raise NotCompiledError("a directive")
        if isinstance(node, FieldNode):
            found.append(node)
            continue
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition
            if condition is None or condition.name.value in applies_to:
                found.extend(fields_of(node.selection_set, runtime_type, fragments))
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if fragment is None or fragment.variable_definitions:
                raise NotCompiledError("a fragment with variables of its own")
            if fragment.type_condition.name.value in applies_to:
                found.extend(fields_of(fragment.selection_set, runtime_type, fragments))
    keys = [response_key(f) for f in found]
    if len(set(keys)) != len(keys):
        raise NotCompiledError("a response key asked twice")
    return found
