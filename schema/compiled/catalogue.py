"""What compiled reads know: the types, columns and related fields they answer in SQL
(services/compiled/relations.py reads each as its service does).

Anything not listed here (a resolver with more to it than rows: aggregates, series,
stories, contact details) is not compiled, and the usual execution answers it.
tests/test_compiled_reads.py answers every compiled document both ways, for every kind of
viewer, and compares the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schema.compiled.selections import NotCompiledError
from schema.observations.fields import MAX_LATEST
from schema.relay import raw_ids
from services.compiled import relations, sql
from services.pagination import DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class ArgumentRule:
    """An argument a compiled read takes: its parameter's role, and how a request's value
    becomes the bound value. `convert` raises NotCompiledError for anything the usual
    execution would refuse or treat otherwise, so that it answers with its own error."""

    role: str
    convert: Callable[[Any, int], Any]  # (value, the largest page) → bound value
    is_list: bool = False


@dataclass(frozen=True)
class Relation:
    """A field reading rows of another type: one object, a list, or a connection."""

    kind: str  # "one" | "many" | "connection"
    type_name: str
    rows: sql.Rows
    order: sql.Order = lambda rows: ()
    arguments: Mapping[str, ArgumentRule] = field(default_factory=dict)
    keys: tuple[str, ...] = ()  # a connection's sort keys (its cursors)


@dataclass(frozen=True)
class Readable:
    """A type compiled reads answer: its table and the fields they read."""

    table: Any
    columns: Mapping[str, str]  # GraphQL field → column
    translated: frozenset[str] = frozenset()  # fields answered in the request's language
    translation_kind: str = ""  # their subject kind (services/translations/subjects.py)
    related: Mapping[str, Relation] = field(default_factory=dict)
    by_id: Callable[[Any, Any, Any], tuple[Any, ...]] | None = None  # for `node(id)`


def page_size(value: Any, largest: int) -> int:
    """A first page's size plus one (services/pagination.py PageRequest.size)."""
    if value is None:
        return min(DEFAULT_PAGE_SIZE, largest) + 1
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= largest:
        raise NotCompiledError("a page size the usual execution refuses")
    return value + 1


def latest_count(value: Any, largest: int) -> int:
    """As schema/observations/fields.py latest_of: clamped, never refused."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise NotCompiledError("no count")
    return max(0, min(value, MAX_LATEST))


MAX_LISTED = 20  # ids in a compiled filter: each length is a statement of its own


def partner_filter(value: Any, largest: int) -> list[Any]:
    """As Collaborative.measures reads partnerIds: foreign or malformed ids match nothing.
    Longer lists run the usual way, so that no client can make a statement per length."""
    if value is not None and len(value) > MAX_LISTED:
        raise NotCompiledError("a long list of partners")
    return raw_ids(value, "Partner")


FIRST = ArgumentRule("size", page_size)

READABLE: dict[str, Readable] = {
    "Collaborative": Readable(
        relations.COLLABORATIVES,
        {
            "slug": "slug",
            "name": "name",
            "description": "description",
            "languages": "languages",
            "defaultLanguage": "default_language",
            "timeZone": "time_zone",
        },
        related={
            "measures": Relation(
                "connection",
                "Measure",
                relations.measures_of_collaborative,
                relations.by_name,
                {
                    "first": FIRST,
                    "partnerIds": ArgumentRule("partners", partner_filter, is_list=True),
                },
                relations.MEASURE_KEYS,
            )
        },
    ),
    "Partner": Readable(
        relations.PARTNERS,
        {
            "name": "name",
            "kind": "kind",
            "description": "description",
            "website": "website",
            "visibility": "visibility",
        },
        related={
            "measures": Relation(
                "connection",
                "Measure",
                relations.measures_of_partner,
                relations.by_name,
                {"first": FIRST},
                relations.MEASURE_KEYS,
            )
        },
        by_id=relations.partner_by_id,
    ),
    "Measure": Readable(
        relations.MEASURES,
        {
            "name": "name",
            "description": "description",
            "quadrant": "quadrant",
            "unit": "unit",
            "direction": "direction",
            "granularity": "granularity",
            "visibility": "visibility",
            "shareInAggregates": "share_in_aggregates",
        },
        translated=frozenset({"name", "description"}),
        translation_kind="performance_measure",
        related={
            "partner": Relation("one", "Partner", relations.partner_of_measure),
            "latestObservations": Relation(
                "many",
                "Observation",
                relations.latest_totals,
                relations.newest_first,
                {"count": ArgumentRule("count", latest_count)},
            ),
        },
        by_id=relations.measure_by_id,
    ),
    "Observation": Readable(
        relations.OBSERVATIONS,
        {
            "value": "value",
            "numerator": "numerator",
            "denominator": "denominator",
            "n": "n",
            "suppressedAtSource": "suppressed_at_source",
            "note": "note",
            "status": "status",
            "revision": "revision",
            "isCurrent": "is_current",
            "correctionReason": "correction_reason",
        },
    ),
}
