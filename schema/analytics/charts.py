"""A curve ready to chart: its points as one list of plain values, baseline, target and
the baseline forecast (where the curve is heading if nothing changes)."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.observations.types import BreakdownCell
from services.analytics.series import Curve
from services.analytics.trend import Forecast, Point, Verdict
from services.periods import Granularity, label

VerdictEnum = strawberry.enum(
    Verdict, name="ForecastVerdict", description="The latest value against the forecast."
)


@strawberry.type(description="One point of a curve; no resolvers, ready to plot.")
class ChartPoint:
    start: date
    label: str
    value: float | None = strawberry.field(description="Null when there is nothing to publish.")
    suppressed_at_source: str | None = None

    @classmethod
    def of(cls, granularity: Granularity, point: Point, marker: str | None = None) -> ChartPoint:
        return cls(
            start=point.period,
            label=label(granularity, point.period),
            value=point.value,
            suppressed_at_source=marker,
        )


@strawberry.type(description="A straight line fitted to the history and projected forward.")
class BaselineForecast:
    method: str = strawberry.field(description="How it was computed, in words.")
    fitted_from: date
    fitted_to: date
    slope_per_period: float
    points: list[ChartPoint]

    @classmethod
    def of(cls, granularity: Granularity, forecast: Forecast) -> BaselineForecast:
        return cls(
            method=forecast.method,
            fitted_from=forecast.fitted_from,
            fitted_to=forecast.fitted_to,
            slope_per_period=forecast.slope_per_period,
            points=[ChartPoint.of(granularity, p) for p in forecast.points],
        )


@strawberry.type(description="A curve for one cell (the total by default), ready to chart.")
class Chart:
    breakdown: list[BreakdownCell]
    points: list[ChartPoint] = strawberry.field(description="Oldest first.")
    baseline: ChartPoint | None = strawberry.field(
        description="The indicator's declared baseline, else the first value."
    )
    baseline_declared: bool
    target: ChartPoint | None = strawberry.field(description="The furthest target for this cell.")
    forecast: BaselineForecast | None = strawberry.field(
        description="Null with fewer than two values to fit."
    )
    latest_vs_forecast: VerdictEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="Whether the latest value beats the forecast, honouring the direction."
    )
    breaks: list[date] = strawberry.field(
        default_factory=list,
        description="Period starts where an indicator's definition changed (a new version): "
        "values before and after are not comparable.",
    )

    @classmethod
    def of(
        cls, curve: Curve, breakdown: list[BreakdownCell], breaks: list[date] | None = None
    ) -> Chart:
        g = curve.subject.granularity
        return cls(
            breakdown=breakdown,
            points=[
                ChartPoint.of(g, Point(o.period_start, o.value), o.suppressed_at_source)
                for o in curve.observations
            ],
            baseline=ChartPoint.of(g, curve.baseline) if curve.baseline else None,
            baseline_declared=curve.baseline_declared,
            target=(
                ChartPoint.of(g, Point(curve.target.period_start, curve.target.value))
                if curve.target
                else None
            ),
            forecast=BaselineForecast.of(g, curve.forecast) if curve.forecast else None,
            latest_vs_forecast=curve.verdict,
            breaks=breaks or [],
        )
