"""Playing a release history (tests/release_history.py) in the database itself: the same
reports, corrections, consent and visibility changes, and releases by the real function."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.cube import Breakdown, Level
from services.dimensions.models import DimensionCategory
from services.measures.models import Aggregation
from services.measures.units import Unit
from services.observations.models import Observation
from services.releases.models import ReleaseCell
from services.visibility import Visibility
from tests.factories import make_collaborative, make_partner
from tests.measurement_factories import (
    make_dimension,
    make_measure,
    make_shared_measure,
    quarterly_row,
)
from tests.release_history import PERIOD, History, Step

VISIBILITY = {
    Level.OWNER: Visibility.PRIVATE,
    Level.MEMBERS: Visibility.COLLABORATIVE,
    Level.PUBLIC: Visibility.PUBLIC,
}
RELEASE = text("SELECT tablero_release(:collaborative, :granularity, :period, '', NULL, false)")


async def release(
    session: AsyncSession, collaborative_id: UUID, period: date, granularity: str = "quarter"
) -> UUID:
    """Release a period as the database's owner would (the scheduler's path)."""
    await session.flush()
    result = await session.exec(  # type: ignore[call-overload]
        RELEASE,
        params={"collaborative": collaborative_id, "granularity": granularity, "period": period},
    )
    return result.scalar_one()


@dataclass
class DatabaseWorld:
    session: AsyncSession
    history: History
    collaborative: Any = None
    shared: Any = None
    partners: list[Any] = field(default_factory=list)
    measures: list[Any] = field(default_factory=list)
    current: dict[tuple[int, Breakdown], Observation] = field(default_factory=dict)
    releases: list[list[ReleaseCell]] = field(default_factory=list)
    watcher: Any = None  # a funder that contributes nothing: the public's eyes

    async def build(self) -> DatabaseWorld:
        min_partners, min_cell, dominance = self.history.rules
        self.collaborative = await make_collaborative(
            self.session,
            min_partners=min_partners,
            min_cell=min_cell,
            max_dominance_share=dominance,
        )
        categories = {c: c for c in self.history.categories}
        dimensions = [await make_dimension(self.session, self.collaborative, "d", categories)]
        if self.history.rolls_up:
            broad = await make_dimension(self.session, self.collaborative, "g", {"lo": "Lo"})
            dimensions.append(broad)
            lo = (await self._categories(broad.id))[0]
            for category in await self._categories(dimensions[0].id):
                if category.key in ("c0", "c1"):
                    category.rolls_up_to_id = lo.id
                    self.session.add(category)
            await self.session.flush()
        self.watcher = await make_partner(self.session, self.collaborative, kind="funder")
        self.shared = await make_shared_measure(
            self.session, self.collaborative, unit=Unit.COUNT, aggregation=Aggregation.SUM
        )
        self.partners = [
            await make_partner(
                self.session,
                self.collaborative,
                **({"kind": "funder"} if p in self.history.funders else {}),
            )
            for p in self.history.partners
        ]
        for i, design in enumerate(self.history.measures):
            self.measures.append(
                await make_measure(
                    self.session,
                    self.partners[design.partner],
                    name=f"Measure {i}",
                    visibility=VISIBILITY[design.level],
                    shared_measure_id=self.shared.id,
                    share_in_aggregates=design.consent,
                    dimensions=tuple(dimensions),
                )
            )
        return self

    async def _categories(self, dimension_id: UUID) -> list[DimensionCategory]:
        statement = select(DimensionCategory).where(DimensionCategory.dimension_id == dimension_id)
        return list((await self.session.exec(statement)).all())

    async def play(self) -> DatabaseWorld:
        for step in self.history.steps:
            await getattr(self, step.kind)(step)
        return self

    async def report(self, step: Step) -> None:
        measure = self.measures[step.measure]
        before = self.current.get((step.measure, step.breakdown))
        extra: dict[str, Any] = {}
        if before is not None:  # a correction: a new revision, the old one kept
            before.is_current = False
            self.session.add(before)
            await self.session.flush()
            extra = {"revision": before.revision + 1, "previous_id": before.id}
        row = quarterly_row(
            measure, PERIOD, dict(step.breakdown), value=float(step.value), n=step.value, **extra
        )
        self.session.add(row)
        await self.session.flush()
        self.current[(step.measure, step.breakdown)] = row

    async def consent(self, step: Step) -> None:
        measure = self.measures[step.measure]
        measure.share_in_aggregates = step.on
        self.session.add(measure)
        await self.session.flush()

    async def visibility(self, step: Step) -> None:
        measure = self.measures[step.measure]
        measure.visibility = VISIBILITY[step.level]
        self.session.add(measure)
        await self.session.flush()

    async def release(self, step: Step) -> None:
        release_id = await release(self.session, self.collaborative.id, PERIOD)
        statement = select(ReleaseCell).where(
            ReleaseCell.collaborative_id == self.collaborative.id,
            ReleaseCell.release_id == release_id,
        )
        self.releases.append(list((await self.session.exec(statement)).all()))
