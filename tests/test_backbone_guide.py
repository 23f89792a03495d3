"""docs/backbone.md, run as written against a served demo: a proposal ratified, an action
item moved, accountability, a release and its revision, the reporting deadline."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.database import TestServer
from tests.guides import run_guide, served_demo

pytestmark = pytest.mark.served


@pytest.fixture(scope="module")
async def served(migrated: TestServer) -> AsyncIterator[tuple[str, dict[str, str]]]:
    await migrated.create_database("tablero_backbone_guide")
    with served_demo(migrated, "tablero_backbone_guide") as found:
        yield found


def test_every_command_of_the_backbone_guide_runs_against_the_demo(served, tmp_path) -> None:
    # given
    url, env = served
    # when
    result = run_guide("backbone.md", url, env, tmp_path)
    # then
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert '"errors"' not in out
    assert '"quorum":3' in out
    assert out.count('"castVote":{"vote":{') == 3
    assert '"status":"RATIFIED"' in out  # ratified onto the data development agenda
    assert (
        '"indicator":{"name":"Children attending a pre-K program","status":"DATA_DEVELOPMENT"}'
        in out
    )
    assert '"ratified":true' in out
    assert '"status":"IN_PROGRESS","history":[' in out
    assert '"note":"Two clinics signed up"' in out
    assert '"accountability":{"partners":[' in out
    assert '"releasePeriod":{"release":{"number":1' in out
    assert "Every partner reported early." in out
    assert "of 'riverside': release 2." in out  # the operator's revision
    assert '"releaseAfterDays":45' in out
