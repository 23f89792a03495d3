"""A curve ready to chart: points, baseline, target and the baseline forecast. Pure.

Callers bring the subject's observations of one cell (as the viewer may see them) and its
targets; loading them in batches is the API's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.analytics.trend import Forecast, Point, Verdict, baseline_forecast
from services.analytics.trend import latest_against_forecast as judge
from services.indicators.models import Indicator
from services.measures.models import PerformanceMeasure
from services.observations.models import Observation, Target
from services.observations.validation import breakdown_key


@dataclass(frozen=True, slots=True)
class Curve:
    subject: Indicator | PerformanceMeasure
    breakdown: dict[str, str]
    observations: list[Observation]  # oldest first; a value suppressed at source has none
    baseline: Point | None  # the indicator's declared baseline, else the first value
    baseline_declared: bool
    target: Target | None  # the furthest target set for this cell
    forecast: Forecast | None
    verdict: Verdict | None  # the latest value against the forecast, honouring direction


def build_curve(
    subject: Indicator | PerformanceMeasure,
    breakdown: Mapping[str, str],
    rows: Sequence[Observation],
    targets: Sequence[Target],
) -> Curve:
    key = breakdown_key(breakdown)
    target = max(
        (t for t in targets if t.breakdown_key == key), key=lambda t: t.period_start, default=None
    )
    points = [Point(o.period_start, o.value) for o in rows]
    baseline, declared = _baseline(subject, key, points)
    ends = [p.period for p in points] + ([target.period_start] if target else [])
    forecast = (
        baseline_forecast(
            points,
            granularity=subject.granularity,
            baseline_period=baseline.period if declared and baseline else None,
            through=max(ends),
        )
        if points
        else None
    )
    return Curve(
        subject=subject,
        breakdown=dict(breakdown),
        observations=list(rows),
        baseline=baseline,
        baseline_declared=declared,
        target=target,
        forecast=forecast,
        verdict=judge(points, forecast, subject.direction),
    )


def _baseline(
    subject: Indicator | PerformanceMeasure, key: str, points: list[Point]
) -> tuple[Point | None, bool]:
    if (
        isinstance(subject, Indicator)
        and not key
        and subject.baseline_period_start is not None
        and subject.baseline_value is not None
    ):
        return Point(subject.baseline_period_start, subject.baseline_value), True
    first = next((p for p in points if p.value is not None), None)
    return first, False
