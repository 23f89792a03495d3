"""The Indicator type: a population measure of a result, with its series of observations."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.dimensions.types import Dimension, load_dimensions
from schema.enums import (
    DirectionEnum,
    GranularityEnum,
    IndicatorKindEnum,
    IndicatorStatusEnum,
    UnitEnum,
)
from schema.observations.fields import Series
from schema.observations.types import Period
from schema.partners.types import ProfileVisibilityEnum
from schema.relay import fetches_nodes, to_global_id
from schema.translations.types import Translatable, translated
from services.indicators import service as indicators
from services.indicators.models import Indicator as IndicatorModel


@strawberry.type(description="Where the curve started: a period and its value.")
class Baseline:
    period: Period
    value: float


@strawberry.type(description="A population indicator of a result, community-defined.")
class Indicator(Series, Translatable):
    name: str = translated()
    definition: str = translated()
    unit: UnitEnum  # type: ignore[valid-type]
    direction: DirectionEnum  # type: ignore[valid-type]
    kind: IndicatorKindEnum  # type: ignore[valid-type]
    data_source: str
    granularity: GranularityEnum  # type: ignore[valid-type]
    status: IndicatorStatusEnum  # type: ignore[valid-type]
    visibility: ProfileVisibilityEnum  # type: ignore[valid-type]
    baseline: Baseline | None
    model: strawberry.Private[IndicatorModel]

    @classmethod
    def from_model(cls, m: IndicatorModel) -> Indicator:
        baseline = None
        if m.baseline_period_start is not None and m.baseline_value is not None:
            baseline = Baseline(
                period=Period.of(m.granularity, m.baseline_period_start), value=m.baseline_value
            )
        return cls(
            id=to_global_id("Indicator", m.id),
            name=m.name,
            definition=m.definition,
            unit=m.unit,
            direction=m.direction,
            kind=m.kind,
            data_source=m.data_source,
            granularity=m.granularity,
            status=m.status,
            visibility=m.visibility,
            baseline=baseline,
            model=m,
        )

    @strawberry.field
    async def result(
        self, info: Info[Context, None]
    ) -> Annotated[Result, strawberry.lazy("schema.agenda.types")]:  # noqa: F821
        from schema.agenda.types import Result

        return Result.from_model(await info.context.loaders.result.load(self.model.result_id))

    @strawberry.field(
        description="Its definitions, oldest first, once ratified; each new version marks a "
        "break in the series."
    )
    async def versions(
        self, info: Info[Context, None]
    ) -> list[Annotated[IndicatorVersion, strawberry.lazy("schema.governance.types")]]:  # noqa: F821
        from schema.governance.types import IndicatorVersion

        rows = await info.context.loaders.indicator_versions.load(self.model.id)
        return [IndicatorVersion.from_model(v) for v in rows]

    @strawberry.field(description="The dimensions this indicator is disaggregated by.")
    async def dimensions(self, info: Info[Context, None]) -> list[Dimension]:
        ids = await info.context.loaders.indicator_dimension_ids.load(self.model.id)
        return await load_dimensions(info, ids)


@fetches_nodes("Indicator")
async def fetch_indicators(info: Info[Context, None], ids: Any) -> dict[UUID, Indicator]:
    ctx = info.context
    found = await indicators.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Indicator.from_model(v) for k, v in found.items()}
