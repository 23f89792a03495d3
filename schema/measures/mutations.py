"""createMeasure, updateMeasure (the owning partner), createSharedMeasure, updateSharedMeasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.enums import (
    AggregationEnum,
    DirectionEnum,
    GranularityEnum,
    QuadrantEnum,
    SharedMeasureStatusEnum,
    UnitEnum,
    VisibilityEnum,
)
from schema.errors import UserError, attempt
from schema.inputs import sent_fields
from schema.measures.types import Measure, SharedMeasure
from schema.relay import raw_id
from services.measures import service as measures
from services.measures import shared as shared_measures
from services.visibility import Visibility


@strawberry.input(description="Results and indicators a measure contributes to (replaced whole).")
class ContributionsInput:
    result_ids: list[strawberry.ID] | None = None
    indicator_ids: list[strawberry.ID] | None = None


@strawberry.input
class CreateMeasureInput:
    partner_id: strawberry.ID
    name: str
    quadrant: QuadrantEnum  # type: ignore[valid-type]
    unit: UnitEnum  # type: ignore[valid-type]
    direction: DirectionEnum  # type: ignore[valid-type]
    granularity: GranularityEnum  # type: ignore[valid-type]
    description: str = ""
    visibility: VisibilityEnum = Visibility.PRIVATE  # type: ignore[valid-type]
    share_in_aggregates: bool = True
    shared_measure_id: strawberry.ID | None = None
    dimension_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    contributes_to: ContributionsInput | None = None


@strawberry.input(description="Only the fields given are changed. A measure keeps its owner.")
class UpdateMeasureInput:
    id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET
    quadrant: QuadrantEnum | None = UNSET  # type: ignore[valid-type]
    unit: UnitEnum | None = UNSET  # type: ignore[valid-type]
    direction: DirectionEnum | None = UNSET  # type: ignore[valid-type]
    granularity: GranularityEnum | None = UNSET  # type: ignore[valid-type]
    visibility: VisibilityEnum | None = UNSET  # type: ignore[valid-type]
    share_in_aggregates: bool | None = UNSET
    shared_measure_id: strawberry.ID | None = UNSET
    dimension_ids: list[strawberry.ID] | None = UNSET
    contributes_to: ContributionsInput | None = UNSET


@strawberry.type
class MeasurePayload:
    measure: Measure | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


LINKS = ("partner_id", "shared_measure_id", "dimension_ids", "contributes_to", "id")


def _links(input: Any) -> dict[str, Any]:
    links: dict[str, Any] = {}
    if input.shared_measure_id is not UNSET:
        # A malformed or foreign id must not mean "adopt nothing": it finds no shared measure.
        links["shared_measure_id"] = (
            raw_id(input.shared_measure_id, "SharedMeasure") or UUID(int=0)
            if input.shared_measure_id
            else None
        )
    if input.dimension_ids not in (UNSET, None):
        links["dimension_ids"] = [raw_id(i, "Dimension") for i in input.dimension_ids]
    contributes = input.contributes_to
    if contributes not in (UNSET, None):
        if contributes.result_ids is not None:
            links["result_ids"] = [raw_id(i, "Result") for i in contributes.result_ids]
        if contributes.indicator_ids is not None:
            links["indicator_ids"] = [raw_id(i, "Indicator") for i in contributes.indicator_ids]
    return links


def _success(measure: Any) -> MeasurePayload:
    return MeasurePayload(measure=Measure.from_model(measure))


async def create_measure(info: Info[Context, None], input: CreateMeasureInput) -> MeasurePayload:
    ctx = info.context
    action = measures.create_measure(
        session=ctx.session,
        viewer=ctx.viewer,
        partner_id=raw_id(input.partner_id, "Partner"),
        data=sent_fields(input, exclude=LINKS),
        links=_links(input),
    )
    return await attempt(action, _success, MeasurePayload)


async def update_measure(info: Info[Context, None], input: UpdateMeasureInput) -> MeasurePayload:
    ctx = info.context
    action = measures.update_measure(
        session=ctx.session,
        viewer=ctx.viewer,
        measure_id=raw_id(input.id, "Measure"),
        data=sent_fields(input, exclude=LINKS),
        links=_links(input),
    )
    return await attempt(action, _success, MeasurePayload)


@strawberry.input
class CreateSharedMeasureInput:
    collaborative_id: strawberry.ID
    name: str
    unit: UnitEnum  # type: ignore[valid-type]
    direction: DirectionEnum  # type: ignore[valid-type]
    aggregation: AggregationEnum  # type: ignore[valid-type]
    granularity: GranularityEnum  # type: ignore[valid-type]
    definition: str = ""
    numerator_definition: str = ""
    denominator_definition: str = ""


@strawberry.input(description="Only the fields given are changed.")
class UpdateSharedMeasureInput:
    id: strawberry.ID
    name: str | None = UNSET
    definition: str | None = UNSET
    unit: UnitEnum | None = UNSET  # type: ignore[valid-type]
    direction: DirectionEnum | None = UNSET  # type: ignore[valid-type]
    aggregation: AggregationEnum | None = UNSET  # type: ignore[valid-type]
    granularity: GranularityEnum | None = UNSET  # type: ignore[valid-type]
    numerator_definition: str | None = UNSET
    denominator_definition: str | None = UNSET
    status: SharedMeasureStatusEnum | None = UNSET  # type: ignore[valid-type]


@strawberry.type
class SharedMeasurePayload:
    shared_measure: SharedMeasure | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _shared_success(shared: Any) -> SharedMeasurePayload:
    return SharedMeasurePayload(shared_measure=SharedMeasure.from_model(shared))


async def create_shared_measure(
    info: Info[Context, None], input: CreateSharedMeasureInput
) -> SharedMeasurePayload:
    ctx = info.context
    action = shared_measures.create_shared_measure(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
        data=sent_fields(input, exclude=("collaborative_id",)),
    )
    return await attempt(action, _shared_success, SharedMeasurePayload)


async def update_shared_measure(
    info: Info[Context, None], input: UpdateSharedMeasureInput
) -> SharedMeasurePayload:
    ctx = info.context
    action = shared_measures.update_shared_measure(
        session=ctx.session,
        viewer=ctx.viewer,
        shared_measure_id=raw_id(input.id, "SharedMeasure"),
        data=sent_fields(input, exclude=("id",)),
    )
    return await attempt(action, _shared_success, SharedMeasurePayload)
