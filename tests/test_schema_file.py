"""The committed schema.graphql is what the code serves (run `make schema` to update it)."""

from __future__ import annotations

from pathlib import Path

from schema.root import build_schema

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text().strip() == build_schema().as_str().strip(), (
        "schema.graphql is stale: run `make schema` and review the diff"
    )
