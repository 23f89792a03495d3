"""Every ```sh example in README.md and docs/ runs, as written, against the served demo.

Each guide's blocks run in order in one bash script (`-euo pipefail`), as a reader pastes
them, from a scratch folder whose `.venv` is the repository's, with the guides' address
replaced by the test server's. docs/partners.md has a test of its own
(tests/test_partners_guide.py), on a database of its own, since it writes. What each guide
prints is checked too: an example that runs but shows nothing useful has rotted as well.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from tests.demo_server import DOCS_URL, NODE_BIN, REPOSITORY, Demo

pytestmark = pytest.mark.served

# Guides whose examples a test of their own runs, step by step (tests/guides.py).
OWN_TEST = {"partners.md", "funders.md", "backbone.md", "operators.md"}
GUIDES = [REPOSITORY / "README.md"] + [
    p for p in sorted((REPOSITORY / "docs").glob("*.md")) if p.name not in OWN_TEST
]
# What each guide's examples must print, besides running (a new guide: add its lines).
PRINTS = {
    "README.md": [
        '"__typename":"Viewer"',
        '"email":"backbone@demo.tablero.example"',
        '"latestObservations":[{',
        '"sharedMeasure":{"name":"Children screened on time"}',
        "children-screened-on-time-aggregate.csv",
        '"missingTranslations"',
        '"title":"Riverside Thrives"',
        '"title":"Riverside Prospera"',
        '"setTranslations":{"subject":{"translations":[',
        "Founded 'northside' with Northside Together.",
    ],
    "people.md": [
        "Founded 'eastside' with Eastside Together.",
        "Invitation for ana@eastside.example",
        "invitation#code=tbi_",
    ],
    "frontend.md": [
        "access-control-allow-origin: http://localhost:5173",
        '{"language":"es","first":{"id":',
        "content-language: es",
        "vary: Accept-Language",
        '"hasPreviousPage":true',
        '"__typename":"Measure"',
        "400",
        '"code":"BAD_USER_INPUT","path":["collaborative","partners"]',
        '"code":"PERSISTED_QUERY_NOT_FOUND"',
        '{"collaborative":{"name":"Riverside Thrives"}}',
        'export type Quadrant = "BETTER_OFF" | "HOW_MUCH" | "HOW_WELL"',
        "readonly quadrant: Quadrant;",
    ],
}


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("guide", [g for g in GUIDES if blocks(g, "sh")], ids=lambda g: g.name)
def test_every_shell_example_runs_against_the_demo(demo: Demo, guide: Path, tmp_path) -> None:
    # given a reader's folder, with the repository's tablero
    (tmp_path / ".venv").symlink_to(REPOSITORY / ".venv")
    script = "\n".join(blocks(guide, "sh")).replace(DOCS_URL, demo.url)
    if "relay-compiler" in script and not (NODE_BIN / "relay-compiler").exists():
        pytest.skip("Relay's compiler is not installed: `make node` (make test does) installs it")
    # when
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=demo.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # then
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    for expected in PRINTS.get(guide.name, ()):
        assert expected.lower() in out.lower(), (expected, out)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.name)
def test_every_graphql_example_is_valid_against_the_schema(guide: Path) -> None:
    schema = build_schema((REPOSITORY / "schema.graphql").read_text())
    for document in blocks(guide, "graphql"):
        assert validate(schema, parse(document)) == [], document
