"""PostgreSQL text cannot hold the NUL character: refuse it at the edge, naming where it is.

Without this, a NUL in any string that reaches SQL (a slug, a name, a filter) fails deep in
the driver and comes back as "Unexpected error". One check here covers every argument of
every field, in variables and in literals alike, before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from graphql.language import ArgumentNode, ObjectFieldNode
from strawberry.extensions import SchemaExtension

NUL = "\x00"
MESSAGE = "text cannot contain the NUL character (U+0000)"


def nul_path(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where the first NUL sits in a variables value, as a path of names and indexes."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, Mapping):
        items: Iterator[tuple[str, Any]] = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        found = nul_path(item, (*path, key))
        if found is not None:
            return found
    return None


class _LiteralFinder(Visitor):
    """Walks a document, tracking argument and input-field names, to the first NUL literal."""

    def __init__(self) -> None:
        super().__init__()
        self.path: list[str] = []
        self.found: tuple[str, ...] | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.path.append(node.name.value)

    def leave_argument(self, *_: Any) -> None:
        self.path.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.path.append(node.name.value)

    def leave_object_field(self, *_: Any) -> None:
        self.path.pop()

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        if NUL in node.value and self.found is None:
            self.found = tuple(self.path)
        return None


def _may_hold_nul(query: str | None) -> bool:
    """A literal NUL is written raw or as a unicode escape: only then walk the document."""
    return query is None or NUL in query or "\\u" in query


class RefuseNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        where = nul_path(context.variables or {})
        if where is None and context.graphql_document is not None and _may_hold_nul(context.query):
            finder = _LiteralFinder()
            visit(context.graphql_document, finder)
            where = finder.found
        if where is not None:
            error = GraphQLError(
                f"{'.'.join(where) or 'query'}: {MESSAGE}",
                extensions={"code": "INVALID", "field": list(where)},
            )
            context.result = ExecutionResult(data=None, errors=[error])
        yield
