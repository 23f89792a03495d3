"""Measure (a partner's performance measure) and SharedMeasure types."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.agenda.types import Result
from schema.dimensions.types import Dimension, load_dimensions
from schema.enums import (
    AggregationEnum,
    DirectionEnum,
    GranularityEnum,
    QuadrantEnum,
    SharedMeasureStatusEnum,
    UnitEnum,
    VisibilityEnum,
)
from schema.indicators.types import Indicator
from schema.observations.fields import Series
from schema.partners.types import Partner
from schema.relay import Node, fetches_nodes, to_global_id
from schema.translations.types import Translatable, translated
from services.measures import service as measures
from services.measures import shared as shared_measures
from services.measures.models import PerformanceMeasure
from services.measures.models import SharedMeasure as SharedMeasureModel


@strawberry.type(description="A measure definition ratified so that partners report alike.")
class SharedMeasure(Node, Translatable):
    name: str = translated()
    definition: str = translated()
    unit: UnitEnum  # type: ignore[valid-type]
    direction: DirectionEnum  # type: ignore[valid-type]
    numerator_definition: str
    denominator_definition: str
    aggregation: AggregationEnum  # type: ignore[valid-type]
    granularity: GranularityEnum  # type: ignore[valid-type]
    status: SharedMeasureStatusEnum  # type: ignore[valid-type]
    model: strawberry.Private[SharedMeasureModel]

    @classmethod
    def from_model(cls, m: SharedMeasureModel) -> SharedMeasure:
        return cls(
            id=to_global_id("SharedMeasure", m.id),
            name=m.name,
            definition=m.definition,
            unit=m.unit,
            direction=m.direction,
            numerator_definition=m.numerator_definition,
            denominator_definition=m.denominator_definition,
            aggregation=m.aggregation,
            granularity=m.granularity,
            status=m.status,
            model=m,
        )


@strawberry.type(description="What a measure contributes to.")
class Contributions:
    results: list[Result]
    indicators: list[Indicator]


@strawberry.type(description="A change of who may see a measure (shown to its owner).")
class VisibilityChange:
    from_visibility: VisibilityEnum  # type: ignore[valid-type]
    to_visibility: VisibilityEnum  # type: ignore[valid-type]
    changed_at: datetime | None


@strawberry.type(description="A partner's own performance measure of its work.")
class Measure(Series, Translatable):
    name: str = translated()
    description: str = translated()
    quadrant: QuadrantEnum  # type: ignore[valid-type]
    unit: UnitEnum  # type: ignore[valid-type]
    direction: DirectionEnum  # type: ignore[valid-type]
    granularity: GranularityEnum  # type: ignore[valid-type]
    visibility: VisibilityEnum  # type: ignore[valid-type]
    share_in_aggregates: bool
    model: strawberry.Private[PerformanceMeasure]

    @classmethod
    def from_model(cls, m: PerformanceMeasure) -> Measure:
        return cls(
            id=to_global_id("Measure", m.id),
            name=m.name,
            description=m.description,
            quadrant=m.quadrant,
            unit=m.unit,
            direction=m.direction,
            granularity=m.granularity,
            visibility=m.visibility,
            share_in_aggregates=m.share_in_aggregates,
            model=m,
        )

    @strawberry.field(description="The partner that owns this measure.")
    async def partner(self, info: Info[Context, None]) -> Partner | None:
        found = await info.context.loaders.partner.load(self.model.partner_id)
        return Partner.from_model(found) if found else None

    @strawberry.field
    async def shared_measure(self, info: Info[Context, None]) -> SharedMeasure | None:
        if self.model.shared_measure_id is None:
            return None
        found = await info.context.loaders.shared_measure.load(self.model.shared_measure_id)
        return SharedMeasure.from_model(found) if found else None

    @strawberry.field(description="The dimensions this measure is disaggregated by.")
    async def dimensions(self, info: Info[Context, None]) -> list[Dimension]:
        ids = await info.context.loaders.measure_dimension_ids.load(self.model.id)
        return await load_dimensions(info, ids)

    @strawberry.field
    async def contributes_to(self, info: Info[Context, None]) -> Contributions:
        loaders = info.context.loaders
        links = await loaders.contributions.load(self.model.id)
        results = await loaders.result.load_many([c.result_id for c in links if c.result_id])
        found = await loaders.indicator.load_many([c.indicator_id for c in links if c.indicator_id])
        return Contributions(
            results=[Result.from_model(r) for r in results if r],
            indicators=[Indicator.from_model(i) for i in found if i],
        )

    @strawberry.field(description="Every change of visibility; only the owner sees them.")
    async def visibility_changes(self, info: Info[Context, None]) -> list[VisibilityChange]:
        rows = await info.context.loaders.visibility_changes.load(self.model.id)
        return [
            VisibilityChange(
                from_visibility=r.from_visibility,
                to_visibility=r.to_visibility,
                changed_at=r.changed_at,
            )
            for r in rows
        ]


@fetches_nodes("Measure")
async def fetch_measures(info: Info[Context, None], ids: Any) -> dict[UUID, Measure]:
    ctx = info.context
    found = await measures.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Measure.from_model(v) for k, v in found.items()}


@fetches_nodes("SharedMeasure")
async def fetch_shared_measures(info: Info[Context, None], ids: Any) -> dict[UUID, SharedMeasure]:
    ctx = info.context
    found = await shared_measures.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: SharedMeasure.from_model(v) for k, v in found.items()}
