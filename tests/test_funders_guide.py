"""docs/funders.md, run as written against a served demo, as the demo's funder."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from tests.database import TestServer
from tests.guides import run_guide, served_demo

pytestmark = pytest.mark.served


@pytest.fixture(scope="module")
async def served(migrated: TestServer) -> AsyncIterator[tuple[str, dict[str, str]]]:
    await migrated.create_database("tablero_funders_guide")
    with served_demo(migrated, "tablero_funders_guide") as found:
        yield found


def test_every_command_of_the_funders_guide_runs_against_the_demo(served, tmp_path) -> None:
    # given
    url, env = served
    # when
    result = run_guide("funders.md", url, env, tmp_path)
    # then
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "Families completing home-visiting program" in out  # the shared measures
    assert '"rules":{"minPartners":3,"minCell":11,"maxDominanceShare":0.8}' in out
    assert '"reason":"NOT_RELEASED"' in out  # the quarter waiting for its deadline
    assert '"reason":"SUPPRESSED_AT_SOURCE"' in out  # a hidden cell says why
    csv = (tmp_path / "screened-by-race.csv").read_text(encoding="utf-8-sig")
    assert csv.startswith("period_start,period,race_ethnicity,race_ethnicity_label,value")
    assert "Latino/a" in csv  # Spanish labels, as asked
    assert "suppressed" in csv
    assert '"revises":1' in out
    # as of the first release, then now: the same period, release 1 then release 2
    answers = re.findall(r'"aggregate":\{"cells":\[(.*?)\]\}', out)
    assert len(answers) == 2
    assert '"release":{"number":1}' in answers[0]
    assert '"release":{"number":2}' in answers[1]
    assert '"releaseAfterDays":92' in out
    assert '"deadline":"' in out
