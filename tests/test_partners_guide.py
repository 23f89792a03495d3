"""docs/partners.md, run as written against a served demo, and `tablero import` at scale.

Starts `tablero serve` on a database of its own (migrated and seeded with the demo by serve
itself), then runs every ```sh block of the guide in one bash script, as a partner would
paste them, with the guide's address replaced by the test server's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.database import TestServer
from tests.guides import commands_of
from tests.processes import clean_env, free_port, serving, tablero

pytestmark = pytest.mark.served

GUIDE = Path(__file__).parent.parent / "docs" / "partners.md"
GUIDE_URL = "http://127.0.0.1:8000"
CONFIDENCE = "TWVhc3VyZToyNjhkYzIzNi1iZDE5LTU1MWQtYjRhMy0wZGFhYTgzMzI2OTc="  # Casa's, private


@pytest.fixture(scope="module")
async def served(migrated: TestServer) -> Iterator[tuple[str, dict[str, str]]]:
    await migrated.create_database("tablero_guide")
    port = free_port()
    env = clean_env(
        TABLERO_DATABASE_URL=migrated.api_url("tablero_guide"),
        TABLERO_OWNER_DATABASE_URL=migrated.owner_url("tablero_guide"),
        TABLERO_PORT=str(port),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    with serving(env, port):
        yield f"http://127.0.0.1:{port}", env


def test_every_command_of_the_partners_guide_runs_against_the_demo(served, tmp_path) -> None:
    # given
    url, env = served
    script = "\n".join(commands_of(GUIDE.read_text())).replace(GUIDE_URL, url)
    # when
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # then
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert '"quadrant":"HOW_MUCH"' in out  # the measure defined
    assert (tmp_path / "screened.xlsx").stat().st_size > 0
    assert "period,language,race_ethnicity,value,numerator,denominator,n" in out  # template
    assert "Imported 3 rows from screened-this-quarter.csv (published)." in out
    assert "screened-this-quarter.csv was imported before (3 rows): nothing written." in out
    for mistake in (
        "row 3, period: a quarter starts on January, April, July or October 1",
        "row 4, numerator: must not exceed the denominator",
        "row 5, race_ethnicity: 'martian' is not a category of race_ethnicity",
        "row 6: repeats row 2: the same period and breakdown",
    ):
        assert mistake in out
    assert "fix the rows above" in out
    assert '"importObservations":{"import":{"rows":3,"replayed":true}' in out  # curl, API key
    assert "\n3\n" in out  # grep -c: the export holds the three imported rows
    exported = (tmp_path / "screened-all.csv").read_text(encoding="utf-8-sig")
    today = date.today()  # the guide reports this quarter, as `date` tells the shell
    quarter = f"{today.year}-Q{(today.month + 2) // 3}"
    assert f"{quarter},,latino,{100 * 61 / 75!r},61,75,75,," in exported
    assert (tmp_path / "screened-all.xlsx").stat().st_size > 0
    assert '"revision":2' in out
    assert "one late intake form" in out
    assert "Imported 1 row from screened-english.csv (draft)." in out


def test_a_large_file_imports_through_the_command_line_and_exports_back(served, tmp_path) -> None:
    # given: 5,000 rows of a measure that has none for those quarters
    url, env = served
    token = tablero("token", "--email", "steward@demo.tablero.example", env=env).stdout.strip()
    env = {**env, "TABLERO_URL": url, "TABLERO_TOKEN": token}
    lines = ["period,language,race_ethnicity,numerator,denominator,n,note"]
    for quarter in range(1000):
        year = 1900 + quarter // 4 if quarter < 480 else 1910 + quarter // 4  # not the demo's
        period = f"{year}-Q{quarter % 4 + 1}"
        lines += [f"{period},,,50,80,80,é"] + [
            f"{period},,{race},{i},20,20," for i, race in enumerate(("latino", "black"), 3)
        ]
        lines += [f"{period},spanish,,9,30,30,", f"{period},english,latino,1,2,2,=x"]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # when
    imported = tablero("import", str(big), "--measure", CONFIDENCE, env=env, timeout=300)
    exported = tablero("export", "--measure", CONFIDENCE, "-o", str(tmp_path / "all.csv"), env=env)
    # then
    assert imported.returncode == 0, imported.stderr
    assert "Imported 5,000 rows from big.csv (published)." in imported.stdout
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "all.csv").read_text(encoding="utf-8-sig")
    assert "1900-Q1,,,62.5,50,80,80,,é" in text
    assert "1900-Q1,english,latino,50,1,2,2,,'=x" in text


def test_the_command_line_says_what_is_wrong_without_a_traceback(served, tmp_path) -> None:
    url, env = served
    bad = tmp_path / "bad.csv"
    bad.write_text("period,value\n2026-Q1,5\n")
    nobody = tablero("import", str(bad), "--measure", CONFIDENCE, "--url", url, env=env)
    assert nobody.returncode == 1
    assert "sign in: a mutation needs a bearer token" in nobody.stderr
    both = tablero("export", "--url", url, env=env)
    assert (both.returncode, "give one of --measure or --indicator") == (
        1,
        both.stderr.strip().removeprefix("tablero: "),
    )
    away = tablero(
        "template", "--measure", CONFIDENCE, "--url", f"http://127.0.0.1:{free_port()}", env=env
    )
    assert away.returncode == 1
    assert "cannot reach Tablero" in away.stderr
    assert "Traceback" not in nobody.stderr + both.stderr + away.stderr
