"""Releases and reporting periods: when a period's aggregates were published, and what
changed in each revision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.observations.types import Period
from schema.relay import Node, fetches_nodes, to_global_id
from services.periods import reporting_deadline
from services.releases import service as releases
from services.releases import words
from services.releases.models import Release as ReleaseModel
from services.releases.models import ReportingPeriod as ReportingPeriodModel


@strawberry.type(
    description="One publication of a closed period's aggregates: release 1, then revisions. "
    "Every cell of a release was decided once, with every earlier release of the period "
    "counted as known, so that no two answers together single out a partner."
)
class Release(Node):
    period: Period
    number: int = strawberry.field(description="1 for the first release, then 2, 3, ...")
    released_at: datetime
    automatic: bool = strawberry.field(
        description="Released on its reporting deadline rather than by the backbone."
    )
    note: str = strawberry.field(description="What the backbone said of it.")
    revises: int | None = strawberry.field(description="The release it revises, if any.")
    summary: str = strawberry.field(description="What it is and what changed, in words.")
    cells_shown: int
    cells_hidden: int
    cells_withheld: int = strawberry.field(
        description="Hidden because, beside an earlier release, they would single out a change."
    )
    cells_changed: int = strawberry.field(
        description="Shown here and in the release before, with another value."
    )
    cells_newly_shown: int

    @classmethod
    def from_model(cls, m: ReleaseModel) -> Release:
        return cls(
            id=to_global_id("Release", m.id),
            period=Period.of(m.granularity, m.period_start),
            number=m.number,
            released_at=m.released_at or datetime.min,
            automatic=m.automatic,
            note=m.note,
            revises=m.number - 1 if m.number > 1 else None,
            summary=words.summary(m),
            cells_shown=m.cells_shown,
            cells_hidden=m.cells_hidden,
            cells_withheld=m.cells_withheld,
            cells_changed=m.cells_changed,
            cells_newly_shown=m.cells_newly_shown,
        )


@strawberry.type(description="A period partners reported for, and whether it is released.")
class ReportingPeriod:
    period: Period
    deadline: date | None = strawberry.field(
        description="The last day to report before the period is released on its own "
        "(null when the backbone releases by hand)."
    )
    collaborative_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, m: ReportingPeriodModel, release_after_days: int | None) -> ReportingPeriod:
        return cls(
            period=Period.of(m.granularity, m.period_start),
            deadline=reporting_deadline(m.granularity, m.period_start, release_after_days),
            collaborative_id=m.collaborative_id,
        )

    @strawberry.field(description="The latest release of the period; null until it is released.")
    async def latest_release(self, info: Info[Context, None]) -> Release | None:
        found = await releases.latest_releases(
            session=info.context.session,
            collaborative_id=self.collaborative_id,
            periods=[(self.period.granularity, self.period.start)],
        )
        model = next(iter(found.values()), None)
        return Release.from_model(model) if model else None


@fetches_nodes("Release")
async def fetch_releases(info: Info[Context, None], ids: Any) -> dict[UUID, Release]:
    ctx = info.context
    found = await releases.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Release.from_model(v) for k, v in found.items()}
