"""The turn-the-curve baseline forecast of Results-Based Accountability. Pure functions.

A baseline is "where the curve is heading if nothing changes": a straight line fitted by
ordinary least squares to the history, projected forward, so the latest value can be
judged against it. Nothing here reads or writes anything; callers bring the points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise

from services.measures.units import Direction
from services.periods import Granularity, expected_start, label, next_start, starts_a_period

MONTHS_PER_PERIOD = {Granularity.MONTH: 1, Granularity.QUARTER: 3}  # years and school years: 12
ADJECTIVE = {
    Granularity.MONTH: "monthly",
    Granularity.QUARTER: "quarterly",
    Granularity.YEAR: "yearly",
    Granularity.SCHOOL_YEAR: "school-year",
}
# Closer than this (relative or absolute) is floating-point noise, never a verdict.
NOISE = 1e-9


@dataclass(frozen=True, slots=True)
class Point:
    """One period of a curve; `value` is None when nothing publishable was reported."""

    period: date  # the start of the period
    value: float | None


class Verdict(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    ON_FORECAST = "on_forecast"


@dataclass(frozen=True, slots=True)
class Forecast:
    """A fitted straight line and its value for every period it covers."""

    method: str
    fitted_from: date
    fitted_to: date
    slope_per_period: float
    intercept: float  # the value at `fitted_from`
    points: tuple[Point, ...]  # every period from `fitted_from` through `through`


def periods_between(granularity: Granularity, start: date, end: date) -> int:
    """Whole periods from `start` to `end` (negative when `end` comes first)."""
    _require_start(granularity, start)
    _require_start(granularity, end)
    months = (end.year - start.year) * 12 + end.month - start.month
    return months // MONTHS_PER_PERIOD.get(granularity, 12)


def baseline_forecast(
    points: Sequence[Point],
    *,
    granularity: Granularity,
    baseline_period: date | None = None,
    through: date | None = None,
) -> Forecast | None:
    """The straight-line forecast of the curve, or None with fewer than two values to fit.

    The fit window is the valued points up to `baseline_period` when at least two lie
    there; otherwise every valued point but the latest, so that the latest can be judged.
    """
    ordered = _sorted_unique(points, granularity)
    window = _fit_window(ordered, baseline_period)
    if len(window) < 2:
        return None
    fitted_from, fitted_to = window[0][0], window[-1][0]
    end = through if through is not None else ordered[-1].period
    _require_start(granularity, end)
    if end < fitted_from:
        raise ValueError(
            f"cannot forecast through {label(granularity, end)}: "
            f"it comes before the first fitted period, {label(granularity, fitted_from)}"
        )
    xs = [float(periods_between(granularity, fitted_from, period)) for period, _ in window]
    ys = [value for _, value in window]
    slope, intercept = _least_squares(xs, ys)
    return Forecast(
        method=_method(granularity, len(window), fitted_from, fitted_to, end),
        fitted_from=fitted_from,
        fitted_to=fitted_to,
        slope_per_period=slope,
        intercept=intercept,
        points=_line(granularity, fitted_from, end, slope, intercept),
    )


def latest_against_forecast(
    points: Sequence[Point],
    forecast: Forecast | None,
    direction: Direction,
    *,
    tolerance: float = 0.0,
) -> Verdict | None:
    """Whether the latest value beat the forecast, honouring the measure's direction.

    None when there is nothing to judge: no forecast, no value, the latest value was
    itself fitted (or precedes the fit), or the forecast does not reach its period.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must not be negative, got {tolerance}")
    valued = _valued(points)
    if forecast is None or not valued:
        return None
    period, value = max(valued)
    if period <= forecast.fitted_to:
        return None
    expected = next((p.value for p in forecast.points if p.period == period), None)
    if expected is None:
        return None
    return _verdict(value, expected, direction, tolerance)


def _require_start(granularity: Granularity, start: date) -> None:
    if not starts_a_period(granularity, start):
        raise ValueError(
            f"{start.isoformat()} does not start a {granularity.value} period: "
            f"expected {expected_start(granularity)}"
        )


def _sorted_unique(points: Sequence[Point], granularity: Granularity) -> list[Point]:
    """Points in period order; two values for one period would make the curve ambiguous."""
    ordered = sorted(points, key=lambda p: p.period)
    for before, after in pairwise(ordered):
        if before.period == after.period:
            raise ValueError(
                f"two points for the period {label(granularity, after.period)}: "
                "a curve has at most one value per period"
            )
    for point in ordered:
        _require_start(granularity, point.period)
    return ordered


def _valued(points: Sequence[Point]) -> list[tuple[date, float]]:
    """(period, value) of the points with a value, in period order."""
    return sorted((p.period, p.value) for p in points if p.value is not None)


def _fit_window(ordered: list[Point], baseline_period: date | None) -> list[tuple[date, float]]:
    valued = _valued(ordered)
    if baseline_period is not None:
        up_to_baseline = [(period, v) for period, v in valued if period <= baseline_period]
        if len(up_to_baseline) >= 2:
            return up_to_baseline
    return valued[:-1]


def _least_squares(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Slope and intercept (at x = 0) of the ordinary least squares line through (x, y)."""
    mean_x = math.fsum(xs) / len(xs)
    mean_y = math.fsum(ys) / len(ys)
    spread = math.fsum((x - mean_x) ** 2 for x in xs)  # > 0: periods are distinct
    covariance = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = covariance / spread
    return slope, mean_y - slope * mean_x


def _line(
    granularity: Granularity, start: date, end: date, slope: float, intercept: float
) -> tuple[Point, ...]:
    line = []
    period, index = start, 0
    while period <= end:
        line.append(Point(period=period, value=intercept + slope * index))
        period, index = next_start(granularity, period), index + 1
    return tuple(line)


def _method(
    granularity: Granularity, count: int, fitted_from: date, fitted_to: date, end: date
) -> str:
    text = (
        f"ordinary least squares linear trend over {count} {ADJECTIVE[granularity]} values, "
        f"{label(granularity, fitted_from)} to {label(granularity, fitted_to)}"
    )
    if end > fitted_to:
        text += f", projected forward to {label(granularity, end)}"
    return text


def _verdict(value: float, expected: float, direction: Direction, tolerance: float) -> Verdict:
    if abs(value - expected) <= tolerance or math.isclose(
        value, expected, rel_tol=NOISE, abs_tol=NOISE
    ):
        return Verdict.ON_FORECAST
    above = value > expected
    better = above if direction is Direction.HIGHER_IS_BETTER else not above
    return Verdict.BETTER if better else Verdict.WORSE
