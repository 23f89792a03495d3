"""Where an aggregate's numbers come from. The only caller of the narrow path.

Partners' measures are read through `tablero_aggregate_contributions()` (migration 0003),
which hands over consenting partners' published values under pseudonyms; nothing read here
leaves services/analytics except through the suppression in `suppression.py`. An
indicator is the collaborative's own data and is read as the viewer may see it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.analytics.cube import Contribution, breakdown_of
from services.observations.models import Observation, ObservationStatus
from services.viewer import Viewer

COLLABORATIVE = 0  # the contributor number of an indicator's own data

_CONTRIBUTIONS = text(
    "SELECT contributor, period_start, breakdown, value, numerator, denominator, n,"
    " suppressed_at_source, visible FROM tablero_aggregate_contributions(:shared_measure_id)"
)


async def of_shared_measure(
    *, session: AsyncSession, shared_measure_id: UUID
) -> list[Contribution]:
    """Consenting partners' values (none unless the viewer may read aggregates)."""
    rows = (
        await session.exec(_CONTRIBUTIONS.bindparams(shared_measure_id=shared_measure_id))
    ).all()
    return [
        _contribution(r, r.contributor, r.suppressed_at_source, visible=r.visible) for r in rows
    ]


async def of_indicator(
    *, session: AsyncSession, viewer: Viewer, indicator_id: UUID
) -> list[Contribution]:
    """The indicator's current published values that the viewer may see."""
    statement = select(Observation).where(
        Observation.indicator_id == indicator_id,
        col(Observation.is_current).is_(True),
        Observation.status == ObservationStatus.PUBLISHED,
        policy.observation_visible(viewer),
    )
    return [
        _contribution(o, COLLABORATIVE, o.suppressed_at_source is not None, visible=True)
        for o in (await session.exec(statement)).all()
    ]


def _contribution(
    row: Any, contributor: int, suppressed_at_source: bool, *, visible: bool
) -> Contribution:
    """A contribution from an observation-shaped row (a table row or the function's)."""
    return Contribution(
        contributor=contributor,
        period=row.period_start,
        breakdown=breakdown_of(row.breakdown),
        value=row.value,
        numerator=row.numerator,
        denominator=row.denominator,
        n=row.n,
        suppressed_at_source=suppressed_at_source,
        visible=visible,
    )
