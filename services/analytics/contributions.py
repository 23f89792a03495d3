"""Where an indicator's aggregate comes from: the collaborative's own data.

A shared measure's cells are never computed here: releases decide them in the database
(migrations/sql/0013_releases.sql), and readers read what they stored (services/releases).
An indicator is the collaborative's own data, read as the viewer may see it.
"""

from __future__ import annotations

from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.analytics.cube import Contribution, breakdown_of
from services.observations.models import Observation, ObservationStatus
from services.viewer import Viewer

COLLABORATIVE = 0  # the contributor number of an indicator's own data


async def of_indicator(
    *, session: AsyncSession, viewer: Viewer, indicator_id: UUID
) -> list[Contribution]:
    """The indicator's current published values that the viewer may see."""
    statement = select(Observation).where(
        Observation.indicator_id == indicator_id,
        col(Observation.is_current),
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
