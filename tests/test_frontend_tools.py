"""What front-end teams run against Tablero, run here: the graphql-http conformance audit,
Relay's compiler on refetchable fragments and connections (its generated queries then run
against the demo), and Apollo Client's normalized cache (tests/frontend/apollo.mjs).

Node packages come from tests/frontend/package-lock.json (`make node`, which `make test`
runs); without them these tests skip and say so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.demo_server import NODE_BIN, REPOSITORY, Demo

pytestmark = pytest.mark.served

FRONTEND = REPOSITORY / "tests" / "frontend"
SCHEMA = REPOSITORY / "schema.graphql"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None or not (FRONTEND / "node_modules").is_dir():
        pytest.skip("node and tests/frontend/node_modules are needed: `make node` installs them")
    return found


def run(command: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_the_graphql_over_http_audit_passes_with_no_warning(demo: Demo, node: str) -> None:
    result = run([node, "audit.mjs", demo.graphql], FRONTEND)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len([line for line in lines if line.startswith("ok ")]) >= 60
    assert lines[-1].endswith(" 0 not ok")


def test_relays_compiler_accepts_refetchable_fragments_connections_and_node_refetches(
    demo: Demo, node: str, tmp_path: Path
) -> None:
    # given the documents of a Relay app, with the committed schema
    shutil.copytree(FRONTEND / "relay", tmp_path / "src")
    config = {"src": "./src", "schema": str(SCHEMA), "language": "typescript"}
    (tmp_path / "relay.config.json").write_text(json.dumps(config))
    # when
    compiled = run([str(NODE_BIN / "relay-compiler")], tmp_path)
    # then
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    generated = tmp_path / "src" / "__generated__"
    refetch = (generated / "MeasureRowRefetchQuery.graphql.ts").read_text()
    assert "node(id: $id)" in refetch
    # and the queries Relay generated run against the demo as they are
    texts = {
        path.name: json.loads(found.group(1))
        for path in generated.glob("*Query.graphql.ts")
        if (found := re.search(r'"text": ("(?:[^"\\]|\\.)*")', path.read_text()))
    }
    assert set(texts) >= {"AppQuery.graphql.ts", "MeasureListPaginationQuery.graphql.ts"}
    app = httpx.post(
        demo.graphql,
        json={"query": texts["AppQuery.graphql.ts"], "variables": {"slug": "riverside"}},
    ).json()
    assert "errors" not in app, app
    collaborative = app["data"]["collaborative"]
    edges = collaborative["measures"]["edges"]
    page = httpx.post(
        demo.graphql,
        json={
            "query": texts["MeasureListPaginationQuery.graphql.ts"],
            # as Relay's loadPrevious sends them: the forward variables null
            "variables": {
                "id": collaborative["id"],
                "first": None,
                "after": None,
                "last": 2,
                "before": edges[-1]["cursor"],
            },
        },
    ).json()
    assert "errors" not in page, page
    backward = page["data"]["node"]["measures"]["edges"]
    assert [e["node"]["id"] for e in backward] == [e["node"]["id"] for e in edges[-3:-1]]


def test_apollo_clients_cache_normalizes_every_answer_and_keeps_one_language(
    demo: Demo, node: str
) -> None:
    result = run([node, "apollo.mjs", demo.graphql, str(SCHEMA)], FRONTEND)
    report = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(report) >= 10
    assert set(report.values()) == {"ok"}
