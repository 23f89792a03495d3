"""createIndicator and updateIndicator (backbone stewards indicators)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.enums import (
    DirectionEnum,
    GranularityEnum,
    IndicatorKindEnum,
    IndicatorStatusEnum,
    UnitEnum,
)
from schema.errors import UserError, attempt
from schema.indicators.types import Indicator
from schema.inputs import sent_fields
from schema.partners.types import ProfileVisibilityEnum
from schema.relay import raw_id
from services.indicators import service as indicators
from services.indicators.models import IndicatorKind
from services.partners.models import ProfileVisibility


@strawberry.input
class BaselineInput:
    period_start: date
    value: float


@strawberry.input
class CreateIndicatorInput:
    result_id: strawberry.ID
    name: str
    unit: UnitEnum  # type: ignore[valid-type]
    direction: DirectionEnum  # type: ignore[valid-type]
    granularity: GranularityEnum  # type: ignore[valid-type]
    definition: str = ""
    kind: IndicatorKindEnum = IndicatorKind.POPULATION  # type: ignore[valid-type]
    data_source: str = ""
    baseline: BaselineInput | None = None
    visibility: ProfileVisibilityEnum = ProfileVisibility.PUBLIC  # type: ignore[valid-type]
    dimension_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given are changed.")
class UpdateIndicatorInput:
    id: strawberry.ID
    name: str | None = UNSET
    definition: str | None = UNSET
    unit: UnitEnum | None = UNSET  # type: ignore[valid-type]
    direction: DirectionEnum | None = UNSET  # type: ignore[valid-type]
    kind: IndicatorKindEnum | None = UNSET  # type: ignore[valid-type]
    data_source: str | None = UNSET
    granularity: GranularityEnum | None = UNSET  # type: ignore[valid-type]
    baseline: BaselineInput | None = UNSET
    visibility: ProfileVisibilityEnum | None = UNSET  # type: ignore[valid-type]
    status: IndicatorStatusEnum | None = UNSET  # type: ignore[valid-type]
    dimension_ids: list[strawberry.ID] | None = UNSET


@strawberry.type
class IndicatorPayload:
    indicator: Indicator | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _fields(input: Any) -> dict[str, Any]:
    data = sent_fields(input, exclude=("id", "result_id", "baseline", "dimension_ids"))
    if input.baseline is not UNSET:
        baseline = input.baseline
        data["baseline_period_start"] = baseline.period_start if baseline else None
        data["baseline_value"] = baseline.value if baseline else None
    return data


def _dimensions(ids: list[strawberry.ID] | None) -> list[Any] | None:
    return None if ids is None or ids is UNSET else [raw_id(i, "Dimension") for i in ids]


def _success(indicator: Any) -> IndicatorPayload:
    return IndicatorPayload(indicator=Indicator.from_model(indicator))


async def create_indicator(
    info: Info[Context, None], input: CreateIndicatorInput
) -> IndicatorPayload:
    ctx = info.context
    action = indicators.create_indicator(
        session=ctx.session,
        viewer=ctx.viewer,
        result_id=raw_id(input.result_id, "Result"),
        data=_fields(input),
        dimension_ids=_dimensions(input.dimension_ids) or [],
    )
    return await attempt(action, _success, IndicatorPayload)


async def update_indicator(
    info: Info[Context, None], input: UpdateIndicatorInput
) -> IndicatorPayload:
    ctx = info.context
    action = indicators.update_indicator(
        session=ctx.session,
        viewer=ctx.viewer,
        indicator_id=raw_id(input.id, "Indicator"),
        data=_fields(input),
        dimension_ids=_dimensions(input.dimension_ids),
    )
    return await attempt(action, _success, IndicatorPayload)
