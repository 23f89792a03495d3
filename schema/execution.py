"""Executing plain fields without graphql-core's per-field machinery, and handing a query's
root fields to compiled reads (schema/compiled) where they can answer.

graphql-core resolves every field alike: it builds a resolve info, calls the resolver
through Strawberry's wrapper, checks for awaitables and completes the value. For a field
that only reads an attribute (Strawberry's *basic* field: no resolver, no extension, no
argument) of a scalar, enum or object type, that machinery is nearly the whole cost of a
dashboard: hundreds of observations, each a handful of such fields.

`PlainFieldsExecutionContext` reads and serializes those fields directly, with a plan made
once per selection and request; fields with resolvers run the usual way beside them. The
promise does not change: whenever an object holds anything unusual (a null where the schema
promises a value, a value its type cannot serialize, an error, an awaitable), that object
is executed again by graphql-core itself, which gives the same answer and the same errors.
Nothing is read twice that could change: basic fields are plain attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    OperationType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    value_from_ast_untyped,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from schema.compiled.roots import PlannedRoots, RootField
from schema.compiled.selections import NotCompiledError

FALLBACK = object()  # "let graphql-core do this object"
USUAL = object()  # "let graphql-core do this field"
PLANNED_ROOTS = PlannedRoots()  # root fields' compiled plans (schema/compiled), per process


@dataclass(frozen=True, slots=True)
class Leaf:
    """A basic field of a scalar or enum type: read the attribute, serialize it."""

    key: str
    attribute: str
    coerce: Callable[[Any], Any]
    non_null: bool


@dataclass(frozen=True, slots=True)
class Child:
    """A basic field of an object type: read the attribute, execute its selection."""

    key: str
    attribute: str
    type: GraphQLObjectType
    field_details: Any  # graphql-core's FieldDetailsList for the field
    non_null: bool


@dataclass(frozen=True, slots=True)
class Rows:
    """A basic field listing objects (a chart's points): when their selection reads only
    plain leaves, every item is read in one loop instead of completed one by one."""

    key: str
    attribute: str
    type: GraphQLObjectType
    field_details: Any
    non_null: bool


@dataclass(frozen=True, slots=True)
class Compiled:
    """A root field of a query answered by one statement (schema/compiled)."""

    key: str
    root: RootField
    return_type: Any


@dataclass(frozen=True, slots=True)
class Plan:
    """How to execute one selection on one type: steps in the selection's order, where a
    bare response key is a field executed the usual way."""

    steps: tuple[Leaf | Child | Rows | Compiled | str, ...]


def _read_leaf(step: Leaf, source: Any) -> Any:
    try:
        value = getattr(source, step.attribute)
        if value is None:
            return FALLBACK if step.non_null else None
        coerced = step.coerce(value)  # refuses what is not a value of its type
    except Exception:
        return FALLBACK
    return FALLBACK if coerced is None or coerced is Undefined else coerced


def _chooses_language(grouped_field_set: Any, variables: Mapping[str, Any]) -> bool:
    """Whether a root field is given a `language`: it changes the request's language when
    it runs, which a compiled root answering beside it must not run ahead of."""
    return any(
        argument.name.value == "language"
        and value_from_ast_untyped(argument.value, variables) not in (None, Undefined)
        for field_details in grouped_field_set.values()
        for details in field_details
        for argument in details.node.arguments or ()
    )


def _field_type(step: Child) -> Any:
    return GraphQLNonNull(step.type) if step.non_null else step.type


def _read_attribute(step: Child | Rows, source: Any) -> Any:
    """An object-valued attribute; FALLBACK when reading it fails or breaks a promise."""
    try:
        value = getattr(source, step.attribute)
    except Exception:
        return FALLBACK
    if value is None and step.non_null:
        return FALLBACK
    return value


def _is_basic(definition: Any, resolve: Any) -> bool:
    """Whether Strawberry resolves a field by reading an attribute and nothing else: no
    resolver, no extension (a translation, say), no exception handler. Conservative: if
    Strawberry ever names its plain reader otherwise, no field is read directly."""
    return (
        isinstance(definition, StrawberryField)
        and definition.is_basic_field
        and getattr(resolve, "__name__", "") == "_get_basic_result"
    )


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with basic fields read directly (see module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[Any, Plan | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # First everything that cannot fail later or start work: reads of attributes.
        read: dict[str, Any] = {}
        for step in plan.steps:
            if isinstance(step, Leaf):
                value = _read_leaf(step, source_value)
            elif isinstance(step, Child):
                value = self._read_child(step, source_value)
            elif isinstance(step, Rows):
                value = self._read_rows(step, source_value)
            else:
                continue
            if value is FALLBACK:
                return super().execute_fields(
                    parent_type, source_value, path, grouped_field_set, position_context
                )
            read[step.key] = value
        # Then, in the selection's order, the objects' selections and the other fields.
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for step in plan.steps:
                if isinstance(step, Leaf) or (
                    isinstance(step, Rows) and read[step.key] is not USUAL
                ):
                    results[step.key] = read[step.key]
                    continue
                key = step if isinstance(step, str) else step.key
                field_path = Path(path, key, parent_type.name)
                if isinstance(step, Child):
                    result = self._execute_child(step, read[key], field_path, position_context)
                elif isinstance(step, Compiled):
                    result = self._execute_compiled(
                        step, parent_type, source_value, grouped_field_set[key], field_path
                    )
                else:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        grouped_field_set[key],
                        field_path,
                        position_context,
                    )
                    if result is Undefined:
                        continue
                results[key] = result
                if self.is_awaitable(result):
                    pending.append(key)
        except Exception:
            if pending:
                self.settle_in_background([results[key] for key in pending])
            raise
        if not pending:
            return results
        return self._settled(results, pending)

    async def _settled(self, results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        """The results with their awaitables awaited together (as graphql-core does)."""
        if len(pending) == 1:
            results[pending[0]] = await results[pending[0]]
        else:
            values = await gather_with_cancel(*(results[key] for key in pending))
            results.update(zip(pending, values, strict=True))
        return results

    async def _execute_compiled(
        self,
        step: Compiled,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details: Any,
        path: Path,
    ) -> Any:
        """The compiled answer; where the plan cannot answer this request exactly as the
        usual execution would, the usual execution's."""
        try:
            return await step.root.answer(self.context_value, self.variable_values.coerced)
        except NotCompiledError:
            pass  # the usual execution answers below
        except Exception as e:
            self.handle_field_error(e, step.return_type, field_details, path)
            return None
        result = self.execute_field(parent_type, source, field_details, path, None)
        return await result if self.is_awaitable(result) else result

    def _read_rows(self, step: Rows, source: Any) -> Any:
        """The listed objects as dicts, when everything selected of them is plain (leaves,
        objects and lists of plain objects); USUAL when anything needs graphql-core (a
        resolver, a null item or value where none may be, @defer)."""
        items = _read_attribute(step, source)
        if items is FALLBACK or items is None:
            return items
        if not isinstance(items, list | tuple):
            return USUAL
        plan = self._plain_plan(step.type, step.field_details)
        if plan is None:
            return USUAL
        rows = []
        for item in items:
            row = USUAL if item is None else self._plain_value(plan, step.type, item)
            if row is USUAL:
                return USUAL
            rows.append(row)
        return rows

    def _plain_plan(self, object_type: GraphQLObjectType, field_details: Any) -> Plan | None:
        """The plan of a selection made only of plain steps, or None."""
        grouped, new_defer_usages, *_ = self.collect_subfields(object_type, field_details)
        plan = None if new_defer_usages else self._plan(object_type, grouped)
        if plan is None or any(isinstance(s, str | Compiled) for s in plan.steps):
            return None
        return plan

    def _plain_value(self, plan: Plan, object_type: GraphQLObjectType, value: Any) -> Any:
        is_type_of = object_type.is_type_of
        if is_type_of is not None and is_type_of(value, None) is not True:
            return USUAL
        answer: dict[str, Any] = {}
        for step in plan.steps:
            if isinstance(step, Leaf):
                read = _read_leaf(step, value)
            elif isinstance(step, Rows):
                read = self._read_rows(step, value)
            else:
                assert isinstance(step, Child)
                read = self._read_child(step, value)
                if read is not FALLBACK and read is not None:
                    inner = self._plain_plan(step.type, step.field_details)
                    read = USUAL if inner is None else self._plain_value(inner, step.type, read)
            if read is FALLBACK or read is USUAL:
                return USUAL
            answer[step.key] = read
        return answer

    def _read_child(self, step: Child, source: Any) -> Any:
        value = _read_attribute(step, source)
        if value is FALLBACK or value is None:
            return value
        if isinstance(value, Exception) or self.is_awaitable(value):
            return FALLBACK
        is_type_of = step.type.is_type_of
        if is_type_of is not None and is_type_of(value, None) is not True:
            return FALLBACK
        return value

    def _execute_child(self, step: Child, value: Any, path: Path, position_context: Any) -> Any:
        """The object's selection, its errors handled at this field as graphql-core's
        execute_field handles them: a nullable field becomes null, a non-null one passes
        the error up."""
        if value is None:
            return None
        try:
            result = self._child_fields(step, value, path, position_context)
        except Exception as e:
            self.handle_field_error(e, _field_type(step), step.field_details, path)
            return None
        if not self.is_awaitable(result):
            return result

        async def settled() -> Any:
            try:
                return await result
            except Exception as e:
                self.handle_field_error(e, _field_type(step), step.field_details, path)
                return None

        return settled()

    def _child_fields(self, step: Child, value: Any, path: Path, position_context: Any) -> Any:
        grouped, new_defer_usages, *_ = self.collect_subfields(step.type, step.field_details)
        if new_defer_usages:  # @defer: graphql-core's own path delivers it
            return self.execute_collected_subfields(
                step.type, value, path, grouped, new_defer_usages, position_context
            )
        return self.execute_fields(step.type, value, path, grouped, position_context)

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """The plan of a selection, made once per request (selections depend on the
        request's variables through @skip and @include)."""
        key = (parent_type, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan = self._make_plan(parent_type, grouped_field_set)
        self._plans[key] = (grouped_field_set, plan)  # kept alive: its id stays its own
        return plan

    def _make_plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        # Middleware (an extension's `resolve` hook) must see every field: no plan then.
        # Strawberry always passes a manager; an empty one holds no resolvers.
        if getattr(self.middleware_manager, "_middleware_resolvers", None):
            return None
        steps: list[Leaf | Child | Rows | Compiled | str] = []
        compiles = self._compiles(parent_type) and not _chooses_language(
            grouped_field_set, self.variable_values.coerced
        )
        for key, field_details in grouped_field_set.items():
            compiled = self._compiled(key, field_details) if compiles else None
            steps.append(compiled or self._step(parent_type, key, field_details) or key)
        if all(isinstance(step, str) for step in steps):
            return None
        return Plan(tuple(steps))

    def _compiles(self, parent_type: GraphQLObjectType) -> bool:
        """Compiled reads answer a query's root fields, when the settings allow them."""
        settings = getattr(self.context_value, "settings", None)
        return (
            getattr(settings, "compiled_reads", False)
            and self.operation.operation is OperationType.QUERY
            and parent_type is self.schema.query_type
        )

    def _compiled(self, key: str, field_details: Any) -> Compiled | None:
        if len(field_details) != 1:  # one response key asked twice: merged selections
            return None
        node = field_details[0].node
        root = PLANNED_ROOTS.get(self.schema, self.fragment_definitions, node)
        if root is None:
            return None
        field = self.schema.query_type.fields[node.name.value]  # type: ignore[union-attr]
        return Compiled(key, root, field.type)

    def _step(self, parent_type: GraphQLObjectType, key: str, field_details: Any) -> Any:
        node = field_details[0].node
        field = self.schema.get_field(parent_type, node.name.value)
        if field is None or field.args or node.arguments:
            return None
        definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not _is_basic(definition, field.resolve):
            return None
        attribute = definition.python_name
        non_null = is_non_null_type(field.type)
        inner = field.type.of_type if non_null else field.type
        if is_leaf_type(inner):
            return Leaf(key, attribute, inner.coerce_output_value, non_null)
        if is_object_type(inner):
            return Child(key, attribute, inner, field_details, non_null)
        if is_list_type(inner) and not node.directives:  # @stream: graphql-core's own way
            item = get_nullable_type(inner.of_type)  # a null item goes the usual way
            if is_object_type(item):
                return Rows(key, attribute, item, field_details, non_null)
        return None
