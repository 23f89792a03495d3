"""The database's releases (PL/pgSQL, migrations/sql/0013_releases.sql) against their
specification (services/analytics/suppression.py): random histories are played in both,
and every release must publish the same cells for the same reasons, decision for decision.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.cube import breakdown_of
from tests.release_database import DatabaseWorld
from tests.release_history import History, World, histories


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories(max_steps=8))
async def test_the_database_releases_exactly_what_the_specification_does(
    session: AsyncSession, history: History
) -> None:
    spec = World(history).play()
    database = await (await DatabaseWorld(session, history).build()).play()
    assert len(database.releases) == len(spec.cells)
    for number, (got, want) in enumerate(zip(database.releases, spec.cells, strict=True)):
        by_cell = {breakdown_of(c.breakdown): c for c in got}
        assert sorted(by_cell) == sorted(c.breakdown for c in want), number
        for w in want:
            g = by_cell[w.breakdown]
            context = (number, w, g)
            assert g.reason == (None if w.reason is None else w.reason.value), context
            assert (g.partners, g.n, g.unstable) == (w.partners, w.n, w.unstable), context
            assert g.value == (None if w.value is None else pytest.approx(w.value)), context
