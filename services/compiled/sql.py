"""The SQL of compiled reads (schema/compiled): one statement that builds a whole answer as
JSON, from pieces each level of the answer contributes.

An object is one `json_build_object` over its row's columns; a related object or list is
a correlated subquery that reads its table through the service's own listing or
visibility predicate (services/compiled/relations.py), under row-level security as every
statement is; lists are `json_agg` in the service's order. Keys are our own names, never
a document's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlmodel.ext.asyncio.session import AsyncSession

Pairs = dict[str, ColumnElement[Any]]
Rows = Callable[[FromClause, Any, Mapping[str, Any]], Select[Any]]  # (parent, viewer, binds)
Order = Callable[[FromClause], Sequence[ColumnElement[Any]]]

KEY = re.compile(r"[a-z_][a-z0-9_]*")
MAX_PAIRS = 50  # json_build_object takes at most 100 arguments
EMPTY_LIST = literal_column("'[]'::json")
PARAMETER_TYPES = {
    "size": Integer,
    "count": Integer,
    "partners": PG_UUID(as_uuid=True),
    "id": PG_UUID(as_uuid=True),
    "slug": String,
}
ROOT = "root"  # the bound parameter naming the root row


class TooWideError(Exception):
    """More fields than one JSON object can take."""


def json_object(pairs: Pairs) -> ColumnElement[Any]:
    if len(pairs) > MAX_PAIRS:
        raise TooWideError(f"{len(pairs)} fields")
    arguments: list[ColumnElement[Any]] = []
    for key, expression in pairs.items():
        assert KEY.fullmatch(key), key
        arguments += [literal_column(f"'{key}'"), expression]
    return func.json_build_object(*arguments)


def column(source: FromClause, name: str) -> ColumnElement[Any]:
    return source.c[name]


def parameter(name: str, role: str) -> Any:
    return bindparam(name, type_=PARAMETER_TYPES[role])


def to_one(
    rows: Rows,
    source: FromClause,
    viewer: Any,
    binds: Mapping[str, Any],
    pairs: Callable[[FromClause], Pairs],
) -> ColumnElement[Any]:
    """The related row's object (null when there is none the viewer may see)."""
    related = rows(source, viewer, binds).correlate(source).subquery()
    built = select(json_object(pairs(related))).select_from(related)
    return built.correlate(source).scalar_subquery()


def to_many(
    rows: Rows,
    order: Order,
    source: FromClause,
    viewer: Any,
    binds: Mapping[str, Any],
    pairs: Callable[[FromClause], Pairs],
) -> ColumnElement[Any]:
    """The related rows' objects in order, as a JSON array (empty when there are none)."""
    related = rows(source, viewer, binds).correlate(source).subquery()
    built = json_object(pairs(related))
    ordering = order(related)
    listed = func.json_agg(aggregate_order_by(built, *ordering) if ordering else built)
    return (
        select(func.coalesce(listed, EMPTY_LIST))
        .select_from(related)
        .correlate(source)
        .scalar_subquery()
    )


def root_statement(
    table: FromClause,
    where: Sequence[ColumnElement[bool]],
    pairs: Pairs,
) -> Select[Any]:
    """The one statement of a root field: its row's object, as text (null: no row)."""
    built = select(json_object(pairs)).select_from(table).where(*where).scalar_subquery()
    return select(type_coerce(built, Text))


async def fetch_answer(
    session: AsyncSession, statement: Select[Any], values: Mapping[str, Any]
) -> Any:
    """Run a root statement in the request's transaction; the decoded JSON, or None."""
    found = await session.scalar(statement, values)
    return orjson.loads(found) if isinstance(found, str | bytes) else found
