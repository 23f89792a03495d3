"""The rule that lets Citus distribute an instance of many collaboratives by `collaborative_id`
without changing the schema (docs/scaling.md), checked on every table of the migrated
database from PostgreSQL's catalog:

- every table carries `collaborative_id`, NOT NULL (Citus refuses NULL in the distribution
  column), or is listed in GLOBAL with the reason it belongs to no collaborative;
- every primary key, unique constraint and unique index of a tenant table, partial and
  expression indexes included, has `collaborative_id` among its columns, and every exclusion
  constraint compares it with `=`, so that uniqueness is decided inside one shard;
- a foreign key between tenant tables pairs `collaborative_id` with `collaborative_id`
  (colocated shards); one from a tenant table may also name a reference table; a global
  table never refers to a tenant table.

A new table must be classified here before the suite passes; a table that breaks the rule
and cannot be fixed yet is listed in KNOWN_VIOLATIONS, and the list must stay exact.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

COLUMN = "collaborative_id"
SCALING = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"


class Kind(StrEnum):
    """How Citus would hold a global table."""

    REFERENCE = "reference"  # copied to every node: joined with tenant tables, or read anywhere
    LOCAL = "local"  # stays on the coordinator: never joined with tenant tables


GLOBAL: dict[str, tuple[Kind, str]] = {
    "collaborative": (
        Kind.REFERENCE,
        "the tenants themselves, one row each, found by slug before the tenant is known; "
        "every tenant table's foreign key to it names a reference table",
    ),
    "account": (
        Kind.REFERENCE,
        "a person may belong to several collaboratives, and is found by a token's subject "
        "before any collaborative is known; memberships join it",
    ),
    "persisted_document": (
        Kind.REFERENCE,
        "front-end documents registered for the whole instance, read by every request that "
        "names one",
    ),
    "rate_limit_usage": (
        Kind.LOCAL,
        "each client's spend per minute across all collaboratives, written by every API "
        "process every second and never joined",
    ),
    "alembic_version": (Kind.LOCAL, "the migrations' own bookkeeping"),
}

KNOWN_VIOLATIONS: dict[str, str] = {
    "invitation": (
        "a code is redeemed by someone who belongs to nothing yet, so it is found by its hash "
        "alone, unique across the instance; under Citus the code would carry its "
        "collaborative and the unique index would become (collaborative_id, code_hash)"
    ),
    "audit_event": (
        "changes to global tables (account, persisted_document) are recorded without a "
        "collaborative, so `collaborative_id` may be NULL and the key is `id` alone; making "
        "it distributable needs a home for those events (a table of their own, as a "
        "reference or local table) and changes the trail's triggers and readers"
    ),
}

TABLES = text(
    """
SELECT c.oid::regclass::text AS name,
       a.attnum AS column_number,
       coalesce(a.attnotnull, false) AS not_null
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a
  ON a.attrelid = c.oid AND a.attname = :column AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"""
)
# Every unique index: primary keys' and unique constraints' included, partial or not.
UNIQUE_INDEXES = text(
    """
SELECT i.indrelid::regclass::text AS table_name, i.indexrelid::regclass::text AS name,
       (i.indkey::int2[])[0:i.indnkeyatts - 1] AS columns
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = current_schema()::regnamespace AND i.indisunique"""
)
CONSTRAINTS = text(
    """
SELECT k.conrelid::regclass::text AS table_name, k.conname AS name, k.contype::text AS kind,
       k.conkey AS columns, k.confrelid::regclass::text AS referenced,
       k.confkey AS referenced_columns,
       ARRAY(SELECT o.oprname FROM unnest(k.conexclop) AS e(op)
             JOIN pg_operator o ON o.oid = e.op) AS operators
FROM pg_constraint k
WHERE k.connamespace = current_schema()::regnamespace AND k.contype IN ('f', 'x')"""
)


async def distribution_problems(conn: AsyncConnection) -> dict[str, list[str]]:
    """Every break of the rule, by table; an unclassified table is one too."""
    problems: dict[str, list[str]] = defaultdict(list)
    tables = {row.name: row for row in await conn.execute(TABLES, {"column": COLUMN})}
    tenant = {name: row.column_number for name, row in tables.items() if row.column_number}
    for name, row in tables.items():
        if name in GLOBAL and name in tenant:
            problems[name].append(f"has {COLUMN} but is listed as global")
        elif name not in GLOBAL and name not in tenant:
            problems[name].append(f"has no {COLUMN}: add it, or list the table as global")
        elif name in tenant and not row.not_null:
            problems[name].append(f"{COLUMN} may be NULL")
    for name in GLOBAL.keys() - tables.keys():
        problems[name].append("is listed as global but no longer exists")
    for index in await conn.execute(UNIQUE_INDEXES):
        column = tenant.get(index.table_name)
        if column is not None and column not in index.columns:
            problems[index.table_name].append(f"unique index {index.name} lacks {COLUMN}")
    for constraint in await conn.execute(CONSTRAINTS):
        problems[constraint.table_name] += _constraint_problems(constraint, tenant)
    return {name: found for name, found in problems.items() if found}


def _constraint_problems(constraint: Any, tenant: dict[str, int]) -> list[str]:
    table, name = constraint.table_name, constraint.name
    if constraint.kind == "x":
        column = tenant.get(table)
        if column is None:
            return []
        pairs = dict(zip(constraint.columns, constraint.operators, strict=True))
        return [] if pairs.get(column) == "=" else [f"exclusion {name} lacks {COLUMN} WITH ="]
    referenced = constraint.referenced
    if table not in tenant:
        if referenced in tenant:
            return [f"foreign key {name} of a global table names tenant table {referenced}"]
        return []
    if referenced not in tenant:
        kind = GLOBAL.get(referenced, (None, ""))[0]
        return [] if kind is Kind.REFERENCE else [f"foreign key {name} names {referenced}"]
    pairs = dict(zip(constraint.columns, constraint.referenced_columns, strict=True))
    if pairs.get(tenant[table]) != tenant[referenced]:
        return [f"foreign key {name} does not pair {COLUMN} with {referenced}.{COLUMN}"]
    return []


async def test_every_table_can_be_distributed_on_collaborative_id(connection) -> None:
    problems = await distribution_problems(connection)
    unexpected = {t: found for t, found in problems.items() if t not in KNOWN_VIOLATIONS}
    assert unexpected == {}, "the Citus rule (docs/scaling.md) is broken"
    fixed = KNOWN_VIOLATIONS.keys() - problems.keys()
    assert not fixed, f"no longer violations, take them out of KNOWN_VIOLATIONS: {fixed}"


BROKEN_TABLES = [
    """CREATE TABLE gizmo (id uuid PRIMARY KEY)""",
    """CREATE TABLE gadget (
  collaborative_id uuid,
  id uuid,
  slug text,
  during tstzrange,
  gizmo_id uuid REFERENCES gizmo (id),
  PRIMARY KEY (id),
  UNIQUE (collaborative_id, slug),
  EXCLUDE USING gist (during WITH &&)
)""",
    """CREATE UNIQUE INDEX gadget_lower_slug ON gadget (lower(slug)) WHERE slug IS NOT NULL""",
    """CREATE UNIQUE INDEX gadget_id_collaborative ON gadget (id, collaborative_id)""",
    """CREATE TABLE widget (
  collaborative_id uuid NOT NULL,
  id uuid,
  gadget_id uuid,
  PRIMARY KEY (collaborative_id, id),
  FOREIGN KEY (collaborative_id, gadget_id) REFERENCES gadget (id, collaborative_id)
)""",
]


async def test_the_rule_catches_what_it_names(connection) -> None:
    # given tables that break each part of the rule (rolled back with the test)
    for statement in BROKEN_TABLES:
        await connection.exec_driver_sql(statement)
    # then each break is named, and nothing else
    problems = await distribution_problems(connection)
    assert problems["gizmo"] == [f"has no {COLUMN}: add it, or list the table as global"]
    assert sorted(problems["gadget"]) == sorted(
        [
            f"{COLUMN} may be NULL",
            f"unique index gadget_pkey lacks {COLUMN}",
            f"unique index gadget_lower_slug lacks {COLUMN}",
            f"exclusion gadget_during_excl lacks {COLUMN} WITH =",
            "foreign key gadget_gizmo_id_fkey names gizmo",
        ]
    )
    assert problems["widget"] == [
        f"foreign key widget_collaborative_id_gadget_id_fkey does not pair {COLUMN} "
        f"with gadget.{COLUMN}"
    ]


def test_the_scaling_guide_lists_every_global_table_as_this_test_does() -> None:
    guide = SCALING.read_text(encoding="utf-8")
    for name, (kind, _) in GLOBAL.items():
        assert f"| `{name}` | {kind.value} |" in guide, name
    for name in KNOWN_VIOLATIONS:
        assert f"`{name}`" in guide, name
