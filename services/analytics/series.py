"""A curve ready to chart: points, baseline, target and the baseline forecast.

Points are the subject's current observations for one cell, as the viewer may see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.trend import Forecast, Point, Verdict, baseline_forecast
from services.analytics.trend import latest_against_forecast as judge
from services.indicators.models import Indicator
from services.measures.models import PerformanceMeasure
from services.observations import service as observations
from services.observations.models import Observation, Target
from services.observations.targets import targets_of
from services.observations.validation import breakdown_key
from services.viewer import Viewer


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


async def curve_of(
    *,
    session: AsyncSession,
    viewer: Viewer,
    subject: Indicator | PerformanceMeasure,
    breakdown: Mapping[str, str],
    start: date | None,
    end: date | None,
) -> Curve:
    key = breakdown_key(breakdown)
    rows = await observations.list_observations(
        session=session,
        viewer=viewer,
        subject_id=subject.id,
        start=start,
        end=end,
        breakdowns=[key],
        all_cells=False,
    )
    targets = [
        t
        for t in (await targets_of(session=session, subject_ids=[subject.id]))[subject.id]
        if t.breakdown_key == key
    ]
    target = max(targets, key=lambda t: t.period_start, default=None)
    points = [Point(o.period_start, o.value) for o in rows]
    baseline, declared = _baseline(subject, key, points)
    latest = max((p.period for p in points), default=None)
    through = (
        max(d for d in (latest, target.period_start if target else None) if d) if latest else None
    )
    forecast = (
        baseline_forecast(
            points,
            granularity=subject.granularity,
            baseline_period=baseline.period if declared and baseline else None,
            through=through,
        )
        if points
        else None
    )
    return Curve(
        subject=subject,
        breakdown=dict(breakdown),
        observations=rows,
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
