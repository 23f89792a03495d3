"""Aggregate cells: a value ready to publish, or the reason there is none."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import strawberry

from schema.collaboratives.types import Suppression
from schema.enums import AggregationEnum, DirectionEnum, GranularityEnum, UnitEnum
from schema.indicators.types import Indicator
from schema.measures.types import SharedMeasure
from schema.observations.types import BreakdownCell, Period, breakdown_cell
from schema.releases.types import Release
from services.analytics.aggregates import Aggregate as AggregateResult
from services.analytics.disparity import Reference
from services.analytics.equity import EquityView, GroupEquity
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
    release: Release | None = strawberry.field(
        description="The release this cell answers from: null for a period not released yet "
        "and for an indicator's cells, which are its own data and not released."
    )

    @classmethod
    def of(
        cls,
        cell: CellResult,
        granularity: Granularity,
        order: list[str],
        labels: Labels,
        release: Release | None = None,
    ) -> AggregateCell:
        items = dict(cell.breakdown)
        return cls(
            release=release,
            period=Period.of(granularity, cell.period),
            breakdown=[breakdown_cell(labels, d, items[d]) for d in order if d in items],
            value=cell.value,
            partners=cell.partners,
            n=cell.n,
            suppressed=cell.reason is not None,
            reason=cell.reason,
            explanation=EXPLANATIONS[cell.reason] if cell.reason else None,
            unstable=cell.unstable,
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
    releases: list[Release] = strawberry.field(
        description="The releases the cells answer from, period by period (a shared measure's)."
    )

    @classmethod
    def of(cls, result: AggregateResult, labels: Labels) -> Aggregate:
        subject = result.subject
        is_indicator = isinstance(subject, IndicatorModel)
        order = [d.key for d, _ in result.by]
        released = {
            period: Release.from_model(r) for period, r in result.releases.items() if r is not None
        }
        return cls(
            releases=[released[p] for p in sorted(released)],
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
            cells=[
                AggregateCell.of(c, subject.granularity, order, labels, released.get(c.period))
                for c in result.cells
            ],
        )


DisparityReference = strawberry.enum(
    Reference, name="DisparityReference", description="What each group is compared with."
)


@strawberry.type(description="One group against the reference; > 1 and > 0 mean worse off.")
class GroupDisparity:
    category: BreakdownCell
    value: float | None
    suppressed: bool
    reason: SuppressionReason | None  # type: ignore[valid-type]
    rate_ratio: float | None = strawberry.field(description="1 is parity; above 1 worse off.")
    rate_difference: float | None = strawberry.field(
        description="0 is parity; above 0 worse off (in adverse terms, see `method`)."
    )
    is_reference: bool
    gap_narrowed: bool | None = strawberry.field(
        description="Whether the gap is smaller than in the previous period."
    )
    equity_target: float | None = strawberry.field(description="A target set for this group.")
    equity_target_period: date | None
    progress_toward_target: float | None = strawberry.field(
        description="Share of the way from the group's first value to its target (1 = reached)."
    )
    target_met: bool | None


@strawberry.type(
    description="Gaps between the groups of a dimension at one period (Healthy People 2030 "
    "measures; Pearcy & Keppel's index of disparity). Suppressed cells stay suppressed."
)
class Disparities:
    shared_measure: SharedMeasure | None
    indicator: Indicator | None
    by: str
    period: Period
    previous_period: Period | None
    reference: DisparityReference  # type: ignore[valid-type]
    reference_category: str | None
    reference_value: float | None
    groups: list[GroupDisparity]
    max_rate_difference: float | None
    max_rate_ratio: float | None
    summary_rate_ratio: float | None
    index_of_disparity: float | None
    method: str

    @classmethod
    def of(cls, view: EquityView, labels: Labels) -> Disparities:
        subject = view.subject
        g = subject.granularity
        is_indicator = isinstance(subject, IndicatorModel)
        summary = view.summary
        return cls(
            shared_measure=None if is_indicator else SharedMeasure.from_model(subject),  # type: ignore[arg-type]
            indicator=Indicator.from_model(subject) if is_indicator else None,  # type: ignore[arg-type]
            by=view.dimension.key,
            period=Period.of(g, view.period),
            previous_period=Period.of(g, view.previous_period) if view.previous_period else None,
            reference=view.reference,
            reference_category=summary.reference_key,
            reference_value=summary.reference_value,
            groups=[_group(view.dimension.key, e, labels) for e in view.groups],
            max_rate_difference=summary.max_rate_difference,
            max_rate_ratio=summary.max_rate_ratio,
            summary_rate_ratio=summary.summary_rate_ratio,
            index_of_disparity=summary.index_of_disparity,
            method=summary.method,
        )


def _group(dimension: str, e: GroupEquity, labels: Labels) -> GroupDisparity:
    return GroupDisparity(
        category=breakdown_cell(labels, dimension, e.category.key),
        value=e.cell.value,
        suppressed=e.cell.reason is not None,
        reason=e.cell.reason,
        rate_ratio=e.disparity.rate_ratio,
        rate_difference=e.disparity.rate_difference,
        is_reference=e.disparity.is_reference,
        gap_narrowed=e.narrowed,
        equity_target=e.target,
        equity_target_period=e.target_period,
        progress_toward_target=e.progress,
        target_met=e.met,
    )
