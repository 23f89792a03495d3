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
from contextlib import nullcontext
from dataclasses import dataclass
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
    cast,
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
# Row limits are written into the statement, not bound: with a bound LIMIT, PostgreSQL
# guesses a tenth of the rows for the generic plan and keeps planning each execution anew
# (2 ms, more than running it); with literal ones, generic and custom plans cost the same
# and the prepared statement keeps its generic plan.
LITERALS = frozenset({"size", "count"})
PARAMETER_TYPES = {
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


def as_text(expression: ColumnElement[Any]) -> ColumnElement[Any]:
    """A value as PostgreSQL writes it: JSON would turn a float's -0 into 0, and has no
    NaN or Infinity."""
    return cast(expression, Text)


def parameter(name: str, role: str) -> Any:
    """A value each request binds (None until then: see `prepare`)."""
    return bindparam(name, None, type_=PARAMETER_TYPES[role])


def is_literal(role: str) -> bool:
    return role in LITERALS


def limit(value: int) -> Any:
    """A row limit written into the statement (see LITERALS): an int, never text."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"a row limit is a natural number, not {value!r}")
    return literal_column(str(value), Integer)


def related_rows(
    rows: Rows, source: FromClause, viewer: Any, binds: Mapping[str, Any]
) -> FromClause:
    """The related table's rows the relation reads, correlated to the parent's row."""
    return rows(source, viewer, binds).correlate(source).subquery()


def to_one(related: FromClause, source: FromClause, pairs: Pairs) -> ColumnElement[Any]:
    """The related row's object (null when there is none the viewer may see)."""
    built = select(json_object(pairs)).select_from(related)
    return built.correlate(source).scalar_subquery()


def to_many(
    related: FromClause, source: FromClause, pairs: Pairs, ordering: Sequence[Any]
) -> ColumnElement[Any]:
    """The related rows' objects in order, as a JSON array (empty when there are none)."""
    built = json_object(pairs)
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


@dataclass(frozen=True)
class Prepared:
    """A root statement compiled once to its text: the viewer's memberships (lists the
    visibility predicates expand) written in as parameters of their own, already
    processed, so that a request only binds its own values."""

    text: str
    names: tuple[str, ...]  # the positional parameters' names, in order
    fixed: Mapping[str, Any]  # the statement's own values, processed for the driver


def prepare(statement: Select[Any], dialect: Any) -> Prepared:
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    processors = compiled._bind_processors
    fixed = {
        name: processors[name](value) if name in processors else value
        for name, value in compiled.params.items()
        if value is not None
    }
    return Prepared(compiled.string, tuple(compiled.positiontup or ()), fixed)


async def fetch_answer(
    session: AsyncSession, prepare_for: Callable[[Any], Prepared], values: Mapping[str, Any]
) -> Any:
    """Run a root statement in the request's transaction (queued behind the session's other
    statements, api/database.py); the decoded JSON answer, or None."""
    lock = getattr(session, "lock", None)
    async with lock.hold() if lock is not None else nullcontext():
        connection = await session.connection()
        prepared = prepare_for(connection.dialect)
        arguments = tuple(
            values[name] if name in values else prepared.fixed[name] for name in prepared.names
        )
        found = (await connection.exec_driver_sql(prepared.text, arguments)).scalar_one()
    return orjson.loads(found) if isinstance(found, str | bytes) else found
