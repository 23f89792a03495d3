"""Planning a root field's selection once: the steps (schema/compiled/objects.py) that
read it in one statement and shape its answer, and the bindings its arguments make.

Planning refuses (NotCompiledError) anything the catalogue does not know, so that the usual
execution answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    get_nullable_type,
    is_enum_type,
    is_leaf_type,
    is_non_null_type,
)

from schema.compiled.catalogue import READABLE, ArgumentRule, Readable, Relation
from schema.compiled.objects import (
    Column,
    Connection,
    Constant,
    GlobalId,
    ObjectPlan,
    Period,
    Step,
    ToMany,
    ToOne,
    Translated,
    finite_float,
)
from schema.compiled.selections import (
    Argument,
    NotCompiledError,
    argument_of,
    fields_of,
    response_key,
)

PLAIN_SCALARS = {"String", "Int", "Boolean", "ID"}  # JSON holds their answer as it is


@dataclass(eq=False)
class Binding:
    """One argument of the document, bound to parameters of the statement."""

    name: str  # the parameter's name (a list argument: name_0, name_1, ...)
    argument: Argument
    default: Any
    rule: ArgumentRule

    def value(self, variables: Mapping[str, Any], largest_page: int) -> Any:
        return self.rule.convert(self.argument.value(variables, self.default), largest_page)


@dataclass(eq=False)
class Planner:
    """Plans one root field, collecting the bindings its arguments make."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    bindings: list[Binding] = field(default_factory=list)
    translated: bool = False  # whether a field answers in the request's language

    def object_plan(
        self, type_name: str, node: FieldNode, hidden: tuple[str, ...] = ()
    ) -> ObjectPlan:
        readable = READABLE.get(type_name)
        graphql_type = self.schema.get_type(type_name)
        if readable is None or not isinstance(graphql_type, GraphQLObjectType):
            raise NotCompiledError(f"no compiled reads of {type_name}")
        steps = tuple(
            (response_key(child), self._step(readable, graphql_type, child))
            for child in self._fields(node, graphql_type)
        )
        return ObjectPlan(steps, hidden)

    def _fields(self, node: FieldNode, graphql_type: GraphQLObjectType) -> list[FieldNode]:
        return fields_of(node.selection_set, graphql_type, self.fragments)

    def _step(self, readable: Readable, parent: GraphQLObjectType, node: FieldNode) -> Step:
        name = node.name.value  # fields_of refused directives already
        if name == "__typename":
            return Constant(parent.name)
        definition = parent.fields.get(name)
        if definition is None:
            raise NotCompiledError(f"no field {name}")
        if name in readable.related:
            return self._related(readable.related[name], definition, node)
        if node.arguments:
            raise NotCompiledError(f"arguments on {parent.name}.{name}")
        if name == "id":
            return GlobalId(parent.name)
        if name in readable.columns:
            serialize = _serializer(definition.type)
            column, non_null = readable.columns[name], is_non_null_type(definition.type)
            if name in readable.translated:
                self.translated = True
                return Translated(column, serialize, non_null, kind=readable.translation_kind)
            return Column(column, serialize, non_null)
        if name == "period" and parent.name == "Observation":
            return self._period(node)
        raise NotCompiledError(f"{parent.name}.{name} is not compiled")

    def _related(self, relation: Relation, definition: Any, node: FieldNode) -> Step:
        binds = self._bind(relation, definition, node)
        if relation.kind == "connection":
            return self._connection(relation, binds, definition, node)
        plan = self.object_plan(relation.type_name, node)
        if relation.kind == "one":
            return ToOne(relation.rows, plan, binds)
        return ToMany(relation.rows, plan, binds, relation.order)

    def _bind(self, relation: Relation, definition: Any, node: FieldNode) -> dict[str, str]:
        given = {
            a.name.value: argument_of(a.value, definition.args[a.name.value].type)
            for a in node.arguments or ()
            if a.name.value in definition.args
        }
        unknown = set(given) - set(relation.arguments)
        if unknown:
            raise NotCompiledError(f"arguments {sorted(unknown)} are not compiled")
        binds: dict[str, str] = {}
        for argument_name, rule in relation.arguments.items():
            default = definition.args[argument_name].default_value
            default = None if default is Undefined else default
            name = f"p{len(self.bindings)}"
            argument = given.get(argument_name, Argument(literal=default))
            self.bindings.append(Binding(name, argument, default, rule))
            binds[rule.role] = name
        return binds

    def _period(self, node: FieldNode) -> Period:
        period_type = self.schema.get_type("Period")
        assert isinstance(period_type, GraphQLObjectType)
        fields = []
        for child in self._fields(node, period_type):
            if child.arguments:
                raise NotCompiledError("an argument inside a period")
            fields.append((response_key(child), child.name.value))
        granularity = _serializer(period_type.fields["granularity"].type)
        assert granularity is not None
        return Period(tuple(fields), granularity)

    def _connection(
        self, relation: Relation, binds: dict[str, str], definition: Any, node: FieldNode
    ) -> Connection:
        connection_type = _named(definition.type)
        edge_type = _named(connection_type.fields["edges"].type)
        page_type = _named(connection_type.fields["pageInfo"].type)
        plans: list[ObjectPlan] = []
        fields: list[tuple[str, str, Any]] = []
        for child in self._fields(node, connection_type):
            name = child.name.value
            if child.arguments:
                raise NotCompiledError("an argument inside a connection")
            if name == "nodes":
                plans.append(self.object_plan(relation.type_name, child, relation.keys))
                fields.append((response_key(child), name, None))
            elif name == "edges":
                edge = []
                for edge_field in self._fields(child, edge_type):
                    if edge_field.name.value == "node":
                        plans.append(
                            self.object_plan(relation.type_name, edge_field, relation.keys)
                        )
                    edge.append((response_key(edge_field), edge_field.name.value))
                fields.append((response_key(child), name, tuple(edge)))
            elif name == "pageInfo":
                page = tuple(
                    (response_key(f), f.name.value) for f in self._fields(child, page_type)
                )
                fields.append((response_key(child), name, page))
            elif name == "__typename":
                fields.append((response_key(child), name, None))
            else:
                raise NotCompiledError(f"{connection_type.name}.{name} is not compiled")
        if len(plans) > 1:
            raise NotCompiledError("nodes asked twice")
        return Connection(
            relation.rows,
            plans[0] if plans else ObjectPlan((), relation.keys),
            binds,
            relation.order,
            relation.keys,
            tuple(fields),
            {"connection": connection_type.name, "edge": edge_type.name},
        )


def _named(graphql_type: Any) -> GraphQLObjectType:
    named = get_named_type(graphql_type)
    if not isinstance(named, GraphQLObjectType):
        raise NotCompiledError("not an object type")
    return named


def _serializer(graphql_type: Any) -> Any:
    """How to answer a column's JSON value; None when JSON already holds the answer."""
    inner = get_nullable_type(graphql_type)
    if isinstance(inner, GraphQLList):
        item = get_nullable_type(inner.of_type)
        if isinstance(item, GraphQLScalarType) and item.name == "String":
            return None
        raise NotCompiledError("a list of something else than text")
    if not is_leaf_type(inner):
        raise NotCompiledError("not a leaf")
    if is_enum_type(inner):
        return inner.serialize
    if inner.name in PLAIN_SCALARS or inner.name == "Date":  # PostgreSQL writes ISO dates
        return None
    if inner.name == "Float":
        return finite_float
    raise NotCompiledError(f"the scalar {inner.name} is not compiled")
