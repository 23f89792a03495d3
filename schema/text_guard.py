"""Text PostgreSQL cannot hold (NUL, lone surrogates) is refused at the edge, naming where.

Without this, such a string in any argument that reaches SQL (a slug, a name, a filter)
fails deep in the driver and comes back as an unexpected error. One check here covers every
argument of every field, in variables and in literals alike, before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ExecutionResult, StringValueNode, Visitor, visit
from graphql.language import ArgumentNode, ObjectFieldNode
from strawberry.extensions import SchemaExtension

from schema.error_codes import GraphQLErrorCode, coded_error
from services.text import unstorable

Found = tuple[tuple[str, ...], str]  # (path, what is wrong)


def text_problem(value: Any, path: tuple[str, ...] = ()) -> Found | None:
    """The first unstorable string in a variables value: its path and what is wrong."""
    found = _first_unstorable(value)
    if found is None:
        return None
    keys, reason = found
    return (*path, *reversed(keys)), reason


def _first_unstorable(value: Any) -> tuple[list[str], str] | None:
    """(its keys, innermost first, and what is wrong): the path is built only when found,
    since a large batch holds thousands of strings and nearly always none is wrong."""
    if isinstance(value, str):
        reason = unstorable(value)
        return ([], reason) if reason else None
    if isinstance(value, Mapping):
        items: Iterator[tuple[Any, Any]] = iter(value.items())
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _first_unstorable(item)
        if found is not None:
            found[0].append(str(key))
            return found
    return None


class _LiteralFinder(Visitor):
    """Walks a document, tracking argument and input-field names, to the first bad literal."""

    def __init__(self) -> None:
        super().__init__()
        self.path: list[str] = []
        self.found: Found | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.path.append(node.name.value)

    def leave_argument(self, *_: Any) -> None:
        self.path.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.path.append(node.name.value)

    def leave_object_field(self, *_: Any) -> None:
        self.path.pop()

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        reason = unstorable(node.value)
        if reason and self.found is None:
            self.found = (tuple(self.path), reason)
        return None


def _may_hold_bad_literal(query: str | None) -> bool:
    """A literal NUL is written raw or as a unicode escape: only then walk the document.

    (GraphQL itself refuses an escaped lone surrogate when it parses the document.)
    """
    return query is None or "\x00" in query or "\\u" in query


class RefuseUnstorableText(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        found = text_problem(context.variables or {})
        document = context.graphql_document
        if found is None and document is not None and _may_hold_bad_literal(context.query):
            finder = _LiteralFinder()
            visit(document, finder)
            found = finder.found
        if found is not None:
            where, reason = found
            error = coded_error(
                GraphQLErrorCode.BAD_USER_INPUT,
                f"{'.'.join(where) or 'query'}: {reason}",
                field=list(where),
            )
            context.result = ExecutionResult(data=None, errors=[error])
        yield
