"""A compiled read's plan: a tree of steps, one per response key, each naming what it
needs of its object's row (`pairs`, gathered into one JSON object by services/compiled) and
turning the decoded object into its answer (`shape`).

Shaping keeps in Python what the usual execution computes in Python, with the same
functions: global ids, enum names, period labels and cursors. A value the schema promises
but the row lacks raises NotCompiledError, and the usual execution answers instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from schema.compiled.selections import NotCompiledError
from schema.relay import to_global_id
from services.compiled import relations, sql
from services.pagination import encode_cursor
from services.periods import Granularity, label

Row = Mapping[str, Any]  # an object of the statement's JSON
LANGUAGE = "language"  # in Values: the request's LanguageChooser, when it asked for one
TRANSLATED = "translated"  # in Params: true when the statement reads translations
Values = Mapping[str, Any]  # the request's argument values, by parameter name
Params = Mapping[str, Any]  # bound parameters by name (a list of them for a list argument)


@lru_cache(maxsize=4096)
def period_label(granularity: str, start: str) -> str:
    return label(Granularity(granularity), date.fromisoformat(start))


class Step:
    """One response key of an object."""

    def pairs(self, source: Any, viewer: Any, params: Params) -> sql.Pairs:
        return {}

    def shape(self, row: Row, values: Values) -> Any:
        raise NotImplementedError


@dataclass(eq=False)
class Constant(Step):
    """`__typename`: known before any row is read."""

    value: Any

    def shape(self, row: Row, values: Values) -> Any:
        return self.value


def finite_float(text: str) -> float:
    """A float column's text as GraphQL's Float answers it (-0 keeps its sign); NaN and
    the infinities are refused by the usual execution with an error of its own."""
    value = float(text)
    if not math.isfinite(value):
        raise NotCompiledError("not a finite number")
    return value


@dataclass(eq=False)
class Column(Step):
    """A column, serialized as the field's scalar or enum type serializes it."""

    column: str
    serialize: Callable[[Any], Any] | None  # None: the JSON value is the answer
    non_null: bool

    def pairs(self, source: Any, viewer: Any, params: Params) -> sql.Pairs:
        column = sql.column(source, self.column)
        # floats are read as PostgreSQL writes them: JSON has no -0, NaN nor Infinity
        return {self.column: sql.as_text(column) if self.serialize is finite_float else column}

    def shape(self, row: Row, values: Values) -> Any:
        value = row[self.column]
        if value is None:
            if self.non_null:
                raise NotCompiledError(f"{self.column} is null")
            return None
        return value if self.serialize is None else self.serialize(value)


@dataclass(eq=False)
class LanguageChooser:
    """The answer's language for the root's collaborative, chosen as the usual execution
    chooses it (schema/translations/types.py localized): once, when a text first needs it,
    so that Content-Language says the same."""

    preference: Any  # the request's LanguagePreference
    collaborative: str
    languages: list[str]
    default: str
    _id: Any = None

    def language(self, collaborative: str) -> str | None:
        """The language to answer in; None: the default's text is the answer."""
        if collaborative != self.collaborative:
            raise NotCompiledError("texts of another collaborative")
        if self._id is None:
            self._id = UUID(collaborative)
        chosen = self.preference.resolve(self._id, self.languages, self.default)
        return None if chosen == self.default else chosen


@dataclass(eq=False)
class Translated(Column):
    """A text answered in the request's language (the default's text where untranslated)."""

    kind: str = ""  # the translation's subject kind (its field is the column's name)

    def pairs(self, source: Any, viewer: Any, params: Params) -> sql.Pairs:
        found = super().pairs(source, viewer, params)
        if params.get(TRANSLATED):
            found["collaborative_id"] = sql.column(source, "collaborative_id")
            found["translations"] = relations.translations(source, viewer, self.kind)
        return found

    def shape(self, row: Row, values: Values) -> Any:
        base = super().shape(row, values)
        chooser = values.get(LANGUAGE)
        if chooser is None or base is None:
            return base
        language = chooser.language(row["collaborative_id"])
        if language is None:
            return base
        return (row["translations"] or {}).get(f"{self.column}/{language}", base)


@dataclass(eq=False)
class GlobalId(Step):
    type_name: str

    def pairs(self, source: Any, viewer: Any, params: Params) -> sql.Pairs:
        return {"id": sql.column(source, "id")}

    def shape(self, row: Row, values: Values) -> Any:
        return to_global_id(self.type_name, row["id"])


@dataclass(eq=False)
class Period(Step):
    """An observation's period (granularity, first day, label), from two columns."""

    fields: tuple[tuple[str, str], ...]  # (response key, Period field)
    granularity_name: Callable[[Any], Any]

    def pairs(self, source: Any, viewer: Any, params: Params) -> sql.Pairs:
        return {
            "granularity": sql.column(source, "granularity"),
            "period_start": sql.column(source, "period_start"),
        }

    def shape(self, row: Row, values: Values) -> Any:
        granularity, start = row["granularity"], row["period_start"]
        answer: dict[str, Any] = {}
        for key, name in self.fields:
            if name == "start":
                answer[key] = start
            elif name == "label":
                answer[key] = period_label(granularity, start)
            elif name == "granularity":
                answer[key] = self.granularity_name(granularity)
            else:
                answer[key] = "Period"
        return answer


@dataclass(eq=False)
class ObjectPlan:
    """A selection on one object type: its steps in the selection's order, and the columns
    its parent needs of it whether asked or not (a connection's sort keys)."""

    steps: tuple[tuple[str, Step], ...]
    hidden: tuple[str, ...] = ()

    def pairs(self, source: Any, viewer: Any, params: Params) -> sql.Pairs:
        found = {name: sql.column(source, name) for name in self.hidden}
        for _, step in self.steps:
            found.update(step.pairs(source, viewer, params))
        return found

    def shape(self, row: Row, values: Values) -> dict[str, Any]:
        return {key: step.shape(row, values) for key, step in self.steps}


@dataclass(eq=False)
class Related(Step):
    """Rows of another table hanging off this row (services/compiled/relations.py)."""

    rows: sql.Rows
    node: ObjectPlan
    binds: Mapping[str, str]  # role → the parameter's name

    @property
    def key(self) -> str:
        return f"r{id(self)}"

    def pairs(self, source: Any, viewer: Any, params: Params) -> sql.Pairs:
        binds = {role: params[name] for role, name in self.binds.items()}
        related = sql.related_rows(self.rows, source, viewer, binds)
        return {self.key: self._built(related, source, self.node.pairs(related, viewer, params))}

    def _built(self, related: Any, source: Any, pairs: sql.Pairs) -> Any:
        raise NotImplementedError


@dataclass(eq=False)
class ToOne(Related):
    """An object field: its object, or null."""

    def _built(self, related: Any, source: Any, pairs: sql.Pairs) -> Any:
        return sql.to_one(related, source, pairs)

    def shape(self, row: Row, values: Values) -> Any:
        found = row[self.key]
        return None if found is None else self.node.shape(found, values)


@dataclass(eq=False)
class ToMany(Related):
    """A list field: the related rows' objects, in order."""

    order: sql.Order = lambda rows: ()

    def _built(self, related: Any, source: Any, pairs: sql.Pairs) -> Any:
        return sql.to_many(related, source, pairs, self.order(related))

    def shape(self, row: Row, values: Values) -> Any:
        return [self.node.shape(item, values) for item in row[self.key]]


@dataclass(eq=False)
class Connection(ToMany):
    """A forward first page of a connection: its size and one row more, which says whether
    there is a next page; cursors from the service's sort keys (services/pagination.py)."""

    keys: tuple[str, ...] = ()
    fields: tuple[tuple[str, str, Any], ...] = ()  # (response key, field, its selection)
    type_names: Mapping[str, str] = field(default_factory=dict)  # connection's and edge's

    def shape(self, row: Row, values: Values) -> Any:
        rows = row[self.key]
        size = values[self.binds["size"]] - 1
        items = rows[:size]
        answer: dict[str, Any] = {}
        for key, name, selection in self.fields:
            if name == "nodes":
                answer[key] = [self.node.shape(item, values) for item in items]
            elif name == "edges":
                answer[key] = [self._edge(selection, item, values) for item in items]
            elif name == "pageInfo":
                answer[key] = self._page_info(selection, items, len(rows) > size)
            else:
                answer[key] = self.type_names["connection"]
        return answer

    def _cursor(self, item: Row) -> str:
        return encode_cursor([item[k] for k in self.keys])

    def _edge(self, selection: Any, item: Row, values: Values) -> dict[str, Any]:
        edge: dict[str, Any] = {}
        for key, name in selection:
            if name == "node":
                edge[key] = self.node.shape(item, values)
            elif name == "cursor":
                edge[key] = self._cursor(item)
            else:
                edge[key] = self.type_names["edge"]
        return edge

    def _page_info(self, selection: Any, items: list[Any], more: bool) -> dict[str, Any]:
        info: dict[str, Any] = {}
        for key, name in selection:
            if name == "hasNextPage":
                info[key] = more
            elif name == "hasPreviousPage":
                info[key] = False  # a first page: nothing before it
            elif name == "startCursor":
                info[key] = self._cursor(items[0]) if items else None
            elif name == "endCursor":
                info[key] = self._cursor(items[-1]) if items else None
            else:
                info[key] = "PageInfo"
        return info
