"""Aggregate cells: a value ready to publish, or the reason there is none."""

from __future__ import annotations

from collections.abc import Mapping

import strawberry

from schema.collaboratives.types import Suppression
from schema.enums import AggregationEnum, DirectionEnum, GranularityEnum, UnitEnum
from schema.indicators.types import Indicator
from schema.measures.types import SharedMeasure
from schema.observations.types import BreakdownCell, Period
from services.analytics.aggregates import Aggregate as AggregateResult
from services.analytics.suppression import EXPLANATIONS, Reason
from services.analytics.suppression import Cell as CellResult
from services.indicators.models import Indicator as IndicatorModel
from services.periods import Granularity

Labels = Mapping[tuple[str, str], tuple[str, str]]

SuppressionReason = strawberry.enum(
    Reason, name="SuppressionReason", description="Why a cell of an aggregate has no value."
)


@strawberry.type(description="One cell of an aggregate: a value, or why it is hidden.")
class AggregateCell:
    period: Period
    breakdown: list[BreakdownCell] = strawberry.field(description="Empty for the total.")
    value: float | None = strawberry.field(description="Null exactly when `reason` says why.")
    partners: int | None = strawberry.field(
        description="Partners contributing; null when hidden, and for an indicator's own data."
    )
    n: float | None = strawberry.field(description="People counted; null when hidden.")
    suppressed: bool
    reason: SuppressionReason | None  # type: ignore[valid-type]
    explanation: str | None
    unstable: bool = strawberry.field(
        description="Shown, but resting on 20 or fewer events: read with care."
    )

    @classmethod
    def of(
        cls, cell: CellResult, granularity: Granularity, order: list[str], labels: Labels
    ) -> AggregateCell:
        items = dict(cell.breakdown)
        return cls(
            period=Period.of(granularity, cell.period),
            breakdown=[_labelled(d, items[d], labels) for d in order if d in items],
            value=cell.value,
            partners=cell.partners,
            n=cell.n,
            suppressed=cell.reason is not None,
            reason=cell.reason,
            explanation=EXPLANATIONS[cell.reason] if cell.reason else None,
            unstable=cell.unstable,
        )


def _labelled(dimension: str, category: str, labels: Labels) -> BreakdownCell:
    name, label = labels.get((dimension, category), (dimension, category))
    return BreakdownCell(
        dimension=dimension, category=category, dimension_name=name, category_label=label
    )


@strawberry.type(
    description="What all partners achieve together on a shared measure (or an indicator by "
    "its cells), suppressed so that no partner and no small group can be singled out."
)
class Aggregate:
    shared_measure: SharedMeasure | None
    indicator: Indicator | None
    aggregation: AggregationEnum  # type: ignore[valid-type]
    unit: UnitEnum  # type: ignore[valid-type]
    direction: DirectionEnum  # type: ignore[valid-type]
    granularity: GranularityEnum  # type: ignore[valid-type]
    by: list[str] = strawberry.field(description="The dimensions of the cells, by key.")
    rules: Suppression = strawberry.field(description="The collaborative's thresholds.")
    partner_rules: bool = strawberry.field(
        description="False for an indicator: one source, so the partner rules do not apply."
    )
    cells: list[AggregateCell] = strawberry.field(
        description="Period by period; within a period, categories in their order."
    )

    @classmethod
    def of(cls, result: AggregateResult, labels: Labels) -> Aggregate:
        subject = result.subject
        is_indicator = isinstance(subject, IndicatorModel)
        order = [d.key for d, _ in result.by]
        return cls(
            shared_measure=None if is_indicator else SharedMeasure.from_model(subject),  # type: ignore[arg-type]
            indicator=Indicator.from_model(subject) if is_indicator else None,  # type: ignore[arg-type]
            aggregation=result.aggregation,
            unit=subject.unit,
            direction=subject.direction,
            granularity=subject.granularity,
            by=order,
            rules=Suppression(
                min_partners=result.rules.min_partners,
                min_cell=result.rules.min_cell,
                max_dominance_share=result.rules.max_dominance_share,
            ),
            partner_rules=result.rules.partner_rules,
            cells=[AggregateCell.of(c, subject.granularity, order, labels) for c in result.cells],
        )
