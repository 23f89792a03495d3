"""Where an aggregate's numbers come from. The only caller of the narrow path.

A shared measure's cells come from `tablero_aggregate_cells()` (migration 0004), which
reads the consenting partners' private values as the owner and hands over only publishable
cells: it decides suppression itself, as `suppression.py` specifies, so the API role never
holds a partner's value. An indicator is the collaborative's own data, read as the viewer
may see it, and suppressed in Python.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.analytics.cube import Contribution, breakdown_of
from services.analytics.suppression import Cell, Reason
from services.observations.models import Observation, ObservationStatus
from services.viewer import Viewer

COLLABORATIVE = 0  # the contributor number of an indicator's own data

_CELLS = text(
    "SELECT period_start, breakdown, value, partners, n, reason, unstable"
    " FROM tablero_aggregate_cells(:shared_measure_id)"
)


async def cells_of_shared_measure(*, session: AsyncSession, shared_measure_id: UUID) -> list[Cell]:
    """Every publishable cell, decided together (none unless the viewer may read aggregates)."""
    rows = (await session.exec(_CELLS.bindparams(shared_measure_id=shared_measure_id))).all()
    return [
        Cell(
            period=r.period_start,
            breakdown=breakdown_of(r.breakdown),
            value=r.value,
            partners=r.partners,
            n=r.n,
            reason=None if r.reason is None else Reason(r.reason),
            unstable=r.unstable,
        )
        for r in rows
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
        Contribution(
            contributor=COLLABORATIVE,
            period=o.period_start,
            breakdown=breakdown_of(o.breakdown),
            value=o.value,
            numerator=o.numerator,
            denominator=o.denominator,
            n=o.n,
            suppressed_at_source=o.suppressed_at_source is not None,
        )
        for o in (await session.exec(statement)).all()
    ]
