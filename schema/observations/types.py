"""Observation, Period, BreakdownCell and Target types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.enums import GranularityEnum, ObservationStatusEnum
from schema.relay import Node, fetches_nodes, to_global_id
from services import policy
from services.crud import get_visible
from services.errors import DomainError, ErrorCode
from services.observations.models import Observation as ObservationModel
from services.observations.models import Target as TargetModel
from services.periods import Granularity, label

MAX_REVISIONS = 50  # of one cell, in one answer


@strawberry.type(description="A reporting period: its granularity and first day.")
class Period:
    granularity: GranularityEnum  # type: ignore[valid-type]
    start: date
    label: str

    @classmethod
    def of(cls, granularity: Granularity, start: date) -> Period:
        return cls(granularity=granularity, start=start, label=label(granularity, start))


@strawberry.type(description="One dimension's category in a breakdown, with its labels.")
class BreakdownCell:
    dimension: str
    category: str
    dimension_name: str
    category_label: str


@strawberry.input(description="A dimension and one of its categories, by key.")
class BreakdownInput:
    dimension: str
    category: str


def breakdown_dict(cells: list[BreakdownInput] | None) -> dict[str, str]:
    return {c.dimension: c.category for c in cells or []}


async def labelled(
    info: Info[Context, None], collaborative_id: UUID, breakdown: dict[str, str]
) -> list[BreakdownCell]:
    if not breakdown:
        return []
    labels = await info.context.loaders.labels.load(collaborative_id)
    return [breakdown_cell(labels, d, c) for d, c in sorted(breakdown.items())]


def breakdown_cell(
    labels: Mapping[tuple[str, str], tuple[str, str]], dimension: str, category: str
) -> BreakdownCell:
    """A category with its labels; its keys stand in for labels nobody wrote."""
    name, category_label = labels.get((dimension, category), (dimension, category))
    return BreakdownCell(
        dimension=dimension, category=category, dimension_name=name, category_label=category_label
    )


@strawberry.type(description="One value of a measure or indicator, for a period and a cell.")
class Observation(Node):
    period: Period
    value: float | None = strawberry.field(
        description="Null when the source suppressed it; see suppressedAtSource."
    )
    numerator: float | None
    denominator: float | None
    n: int | None = strawberry.field(description="People counted.")
    suppressed_at_source: str | None = strawberry.field(
        description="How the source marked a value it suppressed, e.g. '<5'."
    )
    note: str
    status: ObservationStatusEnum  # type: ignore[valid-type]
    revision: int
    is_current: bool
    correction_reason: str | None
    recorded_at: datetime | None
    model: strawberry.Private[ObservationModel]

    @classmethod
    def from_model(cls, m: ObservationModel) -> Observation:
        return cls(
            id=to_global_id("Observation", m.id),
            period=Period.of(m.granularity, m.period_start),
            value=m.value,
            numerator=m.numerator,
            denominator=m.denominator,
            n=m.n,
            suppressed_at_source=m.suppressed_at_source,
            note=m.note,
            status=m.status,
            revision=m.revision,
            is_current=m.is_current,
            correction_reason=m.correction_reason,
            recorded_at=m.recorded_at,
            model=m,
        )

    @strawberry.field(description="The cell: empty for the total.")
    async def breakdown(self, info: Info[Context, None]) -> list[BreakdownCell]:
        return await labelled(info, self.model.collaborative_id, self.model.breakdown)

    @strawberry.field(
        description=f"The latest `count` revisions of this cell (at most {MAX_REVISIONS}), "
        "first to last."
    )
    async def revisions(
        self, info: Info[Context, None], count: int = 10
    ) -> list[Observation] | None:
        if not 0 <= count <= MAX_REVISIONS:
            raise DomainError.single(
                ("count",), ErrorCode.OUT_OF_RANGE, f"must be between 0 and {MAX_REVISIONS}"
            )
        rows = await info.context.loaders.revisions.load(self.model)
        return [Observation.from_model(r) for r in rows[len(rows) - count :]]


@strawberry.type(description="A target for a period: for the total, or one cell (equity).")
class Target:
    period_start: date
    value: float
    model: strawberry.Private[TargetModel]

    @classmethod
    def from_model(cls, m: TargetModel) -> Target:
        return cls(period_start=m.period_start, value=m.value, model=m)

    @strawberry.field
    async def breakdown(self, info: Info[Context, None]) -> list[BreakdownCell]:
        return await labelled(info, self.model.collaborative_id, self.model.breakdown)


@fetches_nodes("Observation")
async def fetch_observations(info: Info[Context, None], ids: Any) -> dict[UUID, Observation]:
    ctx = info.context
    found = await get_visible(
        ctx.session, ObservationModel, ids, policy.observation_visible(ctx.viewer)
    )
    return {k: Observation.from_model(v) for k, v in found.items()}
