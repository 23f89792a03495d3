"""The root fields compiled reads answer, `collaborative(slug)` and `node(id)`, and the one
statement per request that answers each.

A RootPlan's statement is built and compiled to text once per viewer (the visibility
predicates hold the viewer's memberships) and per form of its arguments (each list's
length, each row limit, whether it reads translations), then reused: each request only
binds its values. It runs in the request's transaction, where row-level security applies
as to every statement.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, GraphQLSchema

from schema.compiled.catalogue import READABLE, Readable
from schema.compiled.objects import LANGUAGE, TRANSLATED, LanguageChooser, ObjectPlan
from schema.compiled.plan import Binding, Planner
from schema.compiled.selections import Argument, NotCompiledError, argument_of
from schema.relay import from_global_id
from services.compiled import relations, sql
from services.viewer import Viewer

CACHE_SIZE = 1024  # root fields planned, per process
COLLABORATIVE, LANGUAGES = "root_collaborative", "root_languages"  # keys of the root's row
Where = Callable[[Any, Viewer, Any], tuple[Any, ...]]  # (table, viewer, key) → conditions


@dataclass(eq=False)
class RootPlan:
    """One root field on one object type, planned."""

    readable: Readable
    plan: ObjectPlan
    bindings: tuple[Binding, ...]
    translated: bool
    where: Where
    key_role: str  # the root key's parameter type (services/compiled/sql.py)
    too_wide: set[tuple[Any, ...]] = field(default_factory=set)  # forms JSON cannot hold

    async def answer(self, context: Any, key: Any, variables: Mapping[str, Any]) -> Any:
        translating = self.translated and not context.languages.is_empty
        largest = context.settings.max_page_size
        values = {b.name: b.value(variables, largest) for b in self.bindings}
        bound: dict[str, Any] = {sql.ROOT: key}
        form: list[Any] = []  # what the statement's text depends on, binding by binding
        for binding in self.bindings:
            value = values[binding.name]
            if binding.rule.is_list:
                form.append(len(value))
                bound.update({f"{binding.name}_{i}": v for i, v in enumerate(value)})
            elif sql.is_literal(binding.rule.role):
                form.append(value)
            else:
                form.append(None)
                bound[binding.name] = value
        form.append(translating)
        viewer, shape = context.viewer, tuple(form)
        if shape in self.too_wide:  # known: nothing to build again
            raise NotCompiledError("more fields than one JSON object takes")
        try:
            _statement(self, viewer, shape)
        except sql.TooWideError as e:
            self.too_wide.add(shape)  # bounded: a form per row limit, list length, language
            raise NotCompiledError(str(e)) from e
        found = await sql.fetch_answer(
            context.session, lambda dialect: _prepared(self, viewer, shape, dialect), bound
        )
        if found is None:
            return None
        if translating:
            values[LANGUAGE] = _chooser(context, found)
        return self.plan.shape(found, values)


def _chooser(context: Any, row: Mapping[str, Any]) -> LanguageChooser:
    languages, default = row[LANGUAGES]
    return LanguageChooser(context.languages, row[COLLABORATIVE], languages, default)


@lru_cache(maxsize=256)
def _prepared(root: RootPlan, viewer: Viewer, form: tuple[Any, ...], dialect: Any) -> Any:
    return sql.prepare(_statement(root, viewer, form), dialect)


@lru_cache(maxsize=256)
def _statement(root: RootPlan, viewer: Viewer, form: tuple[Any, ...]) -> Any:
    """The root's statement for a viewer and the form of its arguments: each list's
    length, each row limit's value (written into the text, see services/compiled/sql.py),
    and whether it reads translations (the request asked for a language)."""
    *arguments, translating = form
    params: dict[str, Any] = {TRANSLATED: translating}
    for binding, shape in zip(root.bindings, arguments, strict=True):
        role, name = binding.rule.role, binding.name
        if binding.rule.is_list:
            params[name] = [sql.parameter(f"{name}_{i}", role) for i in range(shape)]
        elif sql.is_literal(role):
            params[name] = sql.limit(shape)
        else:
            params[name] = sql.parameter(name, role)
    table = root.readable.table
    where = root.where(table, viewer, sql.parameter(sql.ROOT, root.key_role))
    pairs = root.plan.pairs(table, viewer, params)
    if translating:  # what choosing the language needs: the root's collaborative
        key = "id" if table is relations.COLLABORATIVES else "collaborative_id"
        pairs[COLLABORATIVE] = sql.column(table, key)
        pairs[LANGUAGES] = relations.languages_of(table, key)
    return sql.root_statement(table, where, pairs)


class RootField:
    """A planned root field: answers a request, or raises NotCompiledError."""

    async def answer(self, context: Any, variables: Mapping[str, Any]) -> Any:
        raise NotImplementedError


@dataclass(eq=False)
class CollaborativeRoot(RootField):
    """`collaborative(slug)`; an operation giving any root field a `language` is never
    compiled (schema/execution.py), so this one's is always null here."""

    plan: RootPlan
    slug: Argument

    async def answer(self, context: Any, variables: Mapping[str, Any]) -> Any:
        slug = self.slug.value(variables)
        if not isinstance(slug, str):
            raise NotCompiledError("no slug")
        return await self.plan.answer(context, slug, variables)


@dataclass(eq=False)
class NodeRoot(RootField):
    """`node(id)`: planned per type the id names, when the catalogue can look it up."""

    planner: Callable[[str, Where], RootPlan | None]
    id: Argument
    plans: dict[str, RootPlan | None] = field(default_factory=dict)

    async def answer(self, context: Any, variables: Mapping[str, Any]) -> Any:
        given = self.id.value(variables)
        decoded = from_global_id(given) if isinstance(given, str) else None
        if decoded is None:
            raise NotCompiledError("not a global id")
        type_name, raw_id = decoded
        readable = READABLE.get(type_name)
        if readable is None or readable.by_id is None:  # kept only for types we know
            raise NotCompiledError(f"no compiled reads of {type_name!r}")
        if type_name not in self.plans:
            self.plans[type_name] = self.planner(type_name, readable.by_id)
        plan = self.plans[type_name]
        if plan is None:
            raise NotCompiledError(f"no compiled reads of {type_name}")
        return await plan.answer(context, raw_id, variables)


def _root_plan(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    node: FieldNode,
    type_name: str,
    where: Where,
    key_role: str,
) -> RootPlan:
    planner = Planner(schema, fragments)
    plan = planner.object_plan(type_name, node)
    return RootPlan(
        READABLE[type_name], plan, tuple(planner.bindings), planner.translated, where, key_role
    )


def plan_root(
    schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], node: FieldNode
) -> RootField | None:
    """The compiled plan of a query's root field, or None when it has none."""
    if node.directives:
        return None
    try:
        name = node.name.value
        root = schema.query_type.fields.get(name) if schema.query_type else None
        if root is None:
            return None
        arguments = {
            a.name.value: argument_of(a.value, root.args[a.name.value].type)
            for a in node.arguments or ()
            if a.name.value in root.args
        }
        if name == "collaborative" and set(arguments) <= {"slug", "language"}:
            plan = _root_plan(
                schema, fragments, node, "Collaborative", relations.collaborative_by_slug, "slug"
            )
            return CollaborativeRoot(plan, arguments["slug"])
        if name == "node" and set(arguments) == {"id"}:

            def planner(type_name: str, by_id: Where) -> RootPlan | None:
                try:
                    return _root_plan(schema, fragments, node, type_name, by_id, "id")
                except NotCompiledError:
                    return None

            return NodeRoot(planner, arguments["id"])
    except NotCompiledError:
        return None
    return None


class PlannedRoots:
    """Root fields' plans by field node (documents are parsed once per process, so their
    nodes last), least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._plans: OrderedDict[int, tuple[FieldNode, RootField | None]] = OrderedDict()

    def get(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        node: FieldNode,
    ) -> RootField | None:
        found = self._plans.get(id(node))
        if found is not None and found[0] is node:
            self._plans.move_to_end(id(node))
            return found[1]
        plan = plan_root(schema, fragments, node)
        self._plans[id(node)] = (node, plan)  # the node kept alive: its id stays its own
        if len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return plan
