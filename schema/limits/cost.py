"""A query's cost, estimated from its document before it runs. Pure: no I/O, no execution.

Every object a field returns costs 1 and scalars are free; a list multiplies the cost of its
items by its size (rules.py), so nesting multiplies as the work does; some fields add work
of their own (an aggregate, a mutation). Aliases and fragments count once per place they are
spread, so a document that fans out through named fragments costs what it would fetch.

A document is compiled once into a `Plan` (cached with its validation); only the sizes that
come from variables are looked up per request, so `Plan.cost` is a short walk. Fragments
spread in many places are compiled once and shared, which keeps both steps linear in the
document's length however much it fans out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    is_object_type,
)

from schema.limits.rules import (
    INTROSPECTION_WEIGHT,
    ByArgument,
    Fixed,
    ListSize,
    PageOfParent,
    extra_weight,
    list_size,
)
from services.pagination import DEFAULT_PAGE_SIZE

MISSING = object()


@dataclass(frozen=True, slots=True)
class Count:
    """How many items a list has: known from the document, or a variable's value, capped."""

    constant: int = 1
    variable: str | None = None
    fallback: int = 0  # when the variable is not sent
    cap: int = 0
    length: bool = False  # the variable is a list: its length counts
    defaulted: bool = True  # an unsent variable still counts (it has a default)

    def is_sent(self, variables: Mapping[str, Any]) -> bool:
        """Whether the argument has a value: a literal, a variable sent, or a default."""
        return self.variable is None or self.defaulted or variables.get(self.variable) is not None

    def resolve(self, variables: Mapping[str, Any]) -> int:
        if self.variable is None:
            return self.constant
        value = variables.get(self.variable, MISSING)
        if value is MISSING or value is None:
            return self.fallback
        if self.length:
            size = len(value) if isinstance(value, list) else 1
        elif isinstance(value, int) and not isinstance(value, bool):
            size = value
        else:
            size = self.cap  # not an integer: coercion will refuse it, count the worst
        return max(0, min(size, self.cap))


ONE = Count()


@dataclass(frozen=True, slots=True)
class PageSize:
    """A connection's page: `first` or `last` items (None: not in the document),
    DEFAULT_PAGE_SIZE when neither is sent; both sent are refused by the resolver, so the
    larger is counted."""

    first: Count | None
    last: Count | None

    def resolve(self, variables: Mapping[str, Any]) -> int:
        sizes = [
            count.resolve(variables)
            for count in (self.first, self.last)
            if count is not None and count.is_sent(variables)
        ]
        return max(sizes) if sizes else DEFAULT_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class FieldCost:
    extra: int  # the field's own work, once
    size: Count | PageSize  # how many items it returns
    item: int  # 1 for an object, 0 for a scalar
    selection: Selection | None  # what each item is asked for

    @property
    def depth(self) -> int:
        return 1 + (self.selection.depth if self.selection is not None else 0)


@dataclass(frozen=True, slots=True)
class Selection:
    """Fields asked of one object: those that always apply, and groups under a concrete type
    condition (`... on Measure`) of which one object can match one at most."""

    always: tuple[FieldCost | Selection, ...]
    either: tuple[tuple[FieldCost | Selection, ...], ...]
    depth: int  # nested levels of fields, fragments seen through


@dataclass(frozen=True, slots=True)
class Plan:
    selection: Selection

    @property
    def depth(self) -> int:
        return self.selection.depth

    def cost(self, variables: Mapping[str, Any] | None = None) -> int:
        return _Evaluation(variables or {}).selection(self.selection)


class _Evaluation:
    """One walk of a plan for one request's variables; a shared fragment is counted once."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables
        self.memo: dict[int, int] = {}

    def selection(self, selection: Selection) -> int:
        key = id(selection)
        if key not in self.memo:
            always = sum(self.part(p) for p in selection.always)
            either = max(
                (sum(self.part(p) for p in group) for group in selection.either), default=0
            )
            self.memo[key] = always + either
        return self.memo[key]

    def part(self, part: FieldCost | Selection) -> int:
        if isinstance(part, Selection):
            return self.selection(part)
        inner = self.selection(part.selection) if part.selection is not None else 0
        return part.extra + part.size.resolve(self.variables) * (part.item + inner)


def count_aliases(document: DocumentNode) -> int:
    """Aliased fields written in the document (its fragments once each)."""
    total = 0
    pending: list[Any] = list(document.definitions)
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode) and node.alias is not None:
            total += 1
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            pending.extend(selection_set.selections)
    return total


def compile_plan(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, *, max_page: int
) -> Plan | None:
    """The plan of the operation that would run; None when there is no such operation.

    Call it on a validated document only: validation rules out fragment cycles and unknown
    fields, which this walk relies on. A document nested past Python's recursion limit
    raises RecursionError (the parser refuses much shallower ones already).
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return None
    operation = chosen[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    compiler = _Compiler(schema, operation, fragments, max_page)
    return Plan(compiler.selection(operation.selection_set, root, None))


class _Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        max_page: int,
    ) -> None:
        self.schema = schema
        self.max_page = max_page
        self.fragments = fragments
        self.defaults = {
            v.variable.name.value: v.default_value for v in operation.variable_definitions or ()
        }
        self.compiled: dict[tuple[str, str, int], Selection] = {}

    def selection(
        self, node: SelectionSetNode, parent: GraphQLNamedType, page: PageSize | None
    ) -> Selection:
        always: list[FieldCost | Selection] = []
        groups: dict[str, list[FieldCost | Selection]] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                always.append(self.field(selection, parent, page))
                continue
            condition = self._condition(selection, parent)
            if isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value, condition, page)
            else:
                part = self.selection(selection.selection_set, condition, page)
            narrower = is_object_type(condition) and condition is not parent
            (groups.setdefault(condition.name, []) if narrower else always).append(part)
        parts = [*always, *(p for group in groups.values() for p in group)]
        depth = max((p.depth for p in parts), default=0)
        return Selection(tuple(always), tuple(tuple(g) for g in groups.values()), depth)

    def _condition(
        self, node: FragmentSpreadNode | InlineFragmentNode, parent: GraphQLNamedType
    ) -> GraphQLNamedType:
        if isinstance(node, FragmentSpreadNode):
            type_condition = self.fragments[node.name.value].type_condition
        else:
            type_condition = node.type_condition
        if type_condition is None:
            return parent
        named = self.schema.get_type(type_condition.name.value)
        assert named is not None  # the document was validated
        return named

    def fragment(self, name: str, condition: GraphQLNamedType, page: PageSize | None) -> Selection:
        key = (name, condition.name, id(page))
        if key not in self.compiled:
            definition = self.fragments[name]
            self.compiled[key] = self.selection(definition.selection_set, condition, page)
        return self.compiled[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: PageSize | None) -> FieldCost:
        name = node.name.value
        if name == "__typename":
            return FieldCost(0, ONE, 0, None)
        if name in ("__schema", "__type"):
            return FieldCost(INTROSPECTION_WEIGHT, ONE, 0, None)
        definition: GraphQLField = parent.fields[name]  # type: ignore[attr-defined]
        named = get_named_type(definition.type)
        size = ONE
        if is_list_type(get_nullable_type(definition.type)) and is_composite_type(named):
            size = self.size(list_size(parent.name, name), node, definition, page)
        inner_page = (
            PageSize(self.page_argument(node, "first"), self.page_argument(node, "last"))
            if "first" in definition.args and "last" in definition.args
            else None
        )
        selection = (
            self.selection(node.selection_set, named, inner_page)
            if node.selection_set is not None
            else None
        )
        item = 1 if is_composite_type(named) else 0
        return FieldCost(extra_weight(parent.name, name), size, item, selection)

    def size(
        self,
        rule: ListSize | None,
        node: FieldNode,
        definition: GraphQLField,
        page: PageSize | None,
    ) -> Count | PageSize:
        if rule is None:
            raise LookupError(f"no size rule for the list field {node.name.value}")
        if isinstance(rule, Fixed):
            return Count(rule.size)
        if isinstance(rule, PageOfParent):
            return page or ONE
        assert isinstance(rule, ByArgument)
        return self.argument(node, definition, rule.name, cap=rule.cap, length=rule.length)

    def page_argument(self, node: FieldNode, name: str) -> Count | None:
        """A connection's `first` or `last`: None when the document does not give it."""
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if given is None:
            return None
        if isinstance(given, VariableNode):
            variable = given.name.value
            default = self.defaults.get(variable)
            declared = _node_count(default, False, self.max_page) if default is not None else 0
            return Count(
                variable=variable,
                fallback=declared,
                cap=self.max_page,
                defaulted=default is not None,
            )
        return Count(_node_count(given, False, self.max_page))

    def argument(
        self,
        node: FieldNode,
        definition: GraphQLField,
        name: str,
        *,
        cap: int | None,
        length: bool = False,
    ) -> Count:
        """The count an argument asks for: from a literal, a variable or the default."""
        # A page beyond the largest is refused by its resolver, naming `first`.
        limit = cap if cap is not None else self.max_page
        schema_default = definition.args[name].default_value
        fallback = _literal_count(schema_default, length, limit)
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if given is None:
            return Count(fallback)
        if isinstance(given, VariableNode):
            variable = given.name.value
            default = self.defaults.get(variable)
            declared = _node_count(default, length, limit) if default is not None else fallback
            return Count(variable=variable, fallback=declared, cap=limit, length=length)
        return Count(_node_count(given, length, limit))


def _literal_count(value: Any, length: bool, cap: int) -> int:
    """A schema default (a Python value) as a count."""
    if length:
        size = len(value) if isinstance(value, Sequence) and not isinstance(value, str) else 0
    else:
        size = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return max(0, min(size, cap))


def _node_count(value: Any, length: bool, cap: int) -> int:
    """A literal in the document as a count."""
    if length:
        size = len(value.values) if isinstance(value, ListValueNode) else 1
    elif isinstance(value, IntValueNode):
        size = int(value.value)
    else:
        size = cap
    return max(0, min(size, cap))
