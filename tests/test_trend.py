"""The turn-the-curve baseline: a least squares line through the history, projected forward."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.analytics.trend import (
    Point,
    Verdict,
    baseline_forecast,
    latest_against_forecast,
    periods_between,
)
from services.measures.units import Direction
from services.periods import Granularity, next_start

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
FIRST_MONTHS = {
    Granularity.MONTH: list(range(1, 13)),
    Granularity.QUARTER: [1, 4, 7, 10],
    Granularity.YEAR: [1],
    Granularity.SCHOOL_YEAR: [8],
}


def curve(granularity: Granularity, start: date, *values: float | None) -> list[Point]:
    """Consecutive periods from `start`, one per value."""
    points: list[Point] = []
    period = start
    for value in values:
        points.append(Point(period, value))
        period = next_start(granularity, period)
    return points


def values_of(points: tuple[Point, ...]) -> list[float | None]:
    return [p.value for p in points]


# periods_between


@pytest.mark.parametrize(
    ("granularity", "start", "end", "expected"),
    [
        (Granularity.QUARTER, date(2023, 1, 1), date(2024, 10, 1), 7),
        (Granularity.QUARTER, date(2024, 10, 1), date(2023, 1, 1), -7),
        (Granularity.MONTH, date(2024, 11, 1), date(2025, 2, 1), 3),
        (Granularity.YEAR, date(2019, 1, 1), date(2024, 1, 1), 5),
        (Granularity.SCHOOL_YEAR, date(2020, 8, 1), date(2024, 8, 1), 4),
        (Granularity.MONTH, date(2024, 5, 1), date(2024, 5, 1), 0),
    ],
)
def test_periods_between_counts_whole_periods_either_way(
    granularity: Granularity, start: date, end: date, expected: int
) -> None:
    assert periods_between(granularity, start, end) == expected


def test_periods_between_refuses_a_date_that_does_not_start_a_period() -> None:
    with pytest.raises(ValueError, match="does not start a quarter period"):
        periods_between(Granularity.QUARTER, date(2024, 1, 1), date(2024, 2, 1))


# baseline_forecast: known answers


def test_a_straight_history_is_fitted_exactly_and_the_latest_is_left_out_to_be_judged() -> None:
    # given 10, 12, 14, 16 in 2023 and 20 in 2024-Q1
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, 20)

    # when
    forecast = baseline_forecast(points, granularity=Granularity.QUARTER)

    # then the line through the first four is 10 + 2x; at 2024-Q1 (x = 4) it reads 18
    assert forecast is not None
    assert forecast.fitted_from == date(2023, 1, 1)
    assert forecast.fitted_to == date(2023, 10, 1)
    assert forecast.slope_per_period == pytest.approx(2.0)
    assert forecast.intercept == pytest.approx(10.0)
    assert values_of(forecast.points) == pytest.approx([10, 12, 14, 16, 18])
    assert [p.period for p in forecast.points] == [p.period for p in points]
    assert forecast.method == (
        "ordinary least squares linear trend over 4 quarterly values, 2023-Q1 to 2023-Q4, "
        "projected forward to 2024-Q1"
    )


def test_a_noisy_history_gets_the_least_squares_line() -> None:
    # x = 0..3, y = 1, 3, 2, 5: mean x 1.5, mean y 2.75
    # Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5
    # Sxy = (-1.5)(-1.75) + (-0.5)(0.25) + (0.5)(-0.75) + (1.5)(2.25) = 5.5
    # slope = 5.5 / 5 = 1.1; intercept = 2.75 - 1.1 * 1.5 = 1.1
    points = curve(Granularity.YEAR, date(2019, 1, 1), 1, 3, 2, 5, 4)

    forecast = baseline_forecast(points, granularity=Granularity.YEAR)

    assert forecast is not None
    assert forecast.slope_per_period == pytest.approx(1.1)
    assert forecast.intercept == pytest.approx(1.1)
    # 2023 (x = 4): 1.1 + 4 * 1.1 = 5.5
    assert forecast.points[-1] == Point(date(2023, 1, 1), pytest.approx(5.5))


def test_the_forecast_projects_beyond_the_data_when_asked() -> None:
    # same line as above: 1.1 + 1.1x; 2025 is x = 6: 1.1 + 6.6 = 7.7
    points = curve(Granularity.YEAR, date(2019, 1, 1), 1, 3, 2, 5, 4)

    forecast = baseline_forecast(points, granularity=Granularity.YEAR, through=date(2025, 1, 1))

    assert forecast is not None
    assert len(forecast.points) == 7  # 2019 through 2025
    assert forecast.points[-1] == Point(date(2025, 1, 1), pytest.approx(7.7))
    assert forecast.method.endswith("2019 to 2022, projected forward to 2025")


def test_a_baseline_period_fixes_the_fit_window() -> None:
    # given the curve bent after March: the baseline is the line through 5, 7, 9 (5 + 2x)
    points = curve(Granularity.MONTH, date(2024, 1, 1), 5, 7, 9, 20, 25, 30)

    forecast = baseline_forecast(
        points, granularity=Granularity.MONTH, baseline_period=date(2024, 3, 1)
    )

    assert forecast is not None
    assert (forecast.fitted_from, forecast.fitted_to) == (date(2024, 1, 1), date(2024, 3, 1))
    assert values_of(forecast.points) == pytest.approx([5, 7, 9, 11, 13, 15])
    assert "over 3 monthly values, 2024-01 to 2024-03, projected forward to 2024-06" in (
        forecast.method
    )


def test_a_baseline_period_with_one_value_before_it_falls_back_to_all_but_the_latest() -> None:
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, 20)

    forecast = baseline_forecast(
        points, granularity=Granularity.QUARTER, baseline_period=date(2023, 1, 1)
    )

    assert forecast is not None
    assert forecast.fitted_to == date(2023, 10, 1)  # 2023-Q1 to 2023-Q4, as with no baseline


def test_the_baseline_period_may_include_every_value_and_then_nothing_is_judged() -> None:
    points = curve(Granularity.YEAR, date(2020, 1, 1), 3, 5)

    forecast = baseline_forecast(
        points, granularity=Granularity.YEAR, baseline_period=date(2021, 1, 1)
    )

    assert forecast is not None
    assert forecast.fitted_to == date(2021, 1, 1)
    assert forecast.method == (
        "ordinary least squares linear trend over 2 yearly values, 2020 to 2021"
    )
    assert latest_against_forecast(points, forecast, HIGHER) is None


def test_missing_and_suppressed_values_are_skipped_but_keep_their_place_in_time() -> None:
    # x = 0, 2, 3 with y = 10, 14, 16 lie on 10 + 2x, so 2024-Q1 (x = 4) reads 18
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, None, 14, 16, 20, None)

    forecast = baseline_forecast(points, granularity=Granularity.QUARTER)

    assert forecast is not None
    assert forecast.fitted_to == date(2023, 10, 1)
    assert "over 3 quarterly values" in forecast.method
    # the forecast runs to the latest period, valued or not: 2024-Q2 (x = 5) reads 20
    assert values_of(forecast.points) == pytest.approx([10, 12, 14, 16, 18, 20])


def test_the_order_of_the_points_does_not_matter() -> None:
    points = curve(Granularity.YEAR, date(2019, 1, 1), 1, 3, 2, 5, 4)
    shuffled = [points[3], points[0], points[4], points[2], points[1]]

    assert baseline_forecast(shuffled, granularity=Granularity.YEAR) == baseline_forecast(
        points, granularity=Granularity.YEAR
    )


def test_school_years_read_as_school_years_in_the_method() -> None:
    points = curve(Granularity.SCHOOL_YEAR, date(2020, 8, 1), 70, 72, 74, 75)

    forecast = baseline_forecast(points, granularity=Granularity.SCHOOL_YEAR)

    assert forecast is not None
    assert forecast.method == (
        "ordinary least squares linear trend over 3 school-year values, 2020-21 to 2022-23, "
        "projected forward to 2023-24"
    )


@pytest.mark.parametrize(
    "values",
    [[], [5.0], [5.0, 6.0], [None, 5.0, None, 6.0], [None, None, None]],
)
def test_fewer_than_two_values_to_fit_give_no_forecast(values: list[float | None]) -> None:
    points = curve(Granularity.MONTH, date(2024, 1, 1), *values)

    assert baseline_forecast(points, granularity=Granularity.MONTH) is None


def test_two_points_for_one_period_are_refused() -> None:
    points = [
        Point(date(2024, 1, 1), 1.0),
        Point(date(2024, 4, 1), 2.0),
        Point(date(2024, 1, 1), None),
    ]

    with pytest.raises(ValueError, match="two points for the period 2024-Q1"):
        baseline_forecast(points, granularity=Granularity.QUARTER)


def test_a_point_off_the_granularity_is_refused() -> None:
    points = [
        Point(date(2024, 1, 1), 1.0),
        Point(date(2024, 2, 1), 2.0),
        Point(date(2024, 4, 1), 3),
    ]

    with pytest.raises(ValueError, match="expected January, April, July or October 1"):
        baseline_forecast(points, granularity=Granularity.QUARTER)


def test_a_forecast_cannot_end_before_it_starts() -> None:
    points = curve(Granularity.YEAR, date(2019, 1, 1), 1, 3, 2, 5, 4)

    with pytest.raises(ValueError, match="before the first fitted period, 2019"):
        baseline_forecast(points, granularity=Granularity.YEAR, through=date(2018, 1, 1))


# latest_against_forecast


@pytest.mark.parametrize(
    ("latest", "direction", "verdict"),
    [
        (20.0, HIGHER, Verdict.BETTER),  # above the forecast 18, and higher is better
        (20.0, LOWER, Verdict.WORSE),
        (15.0, HIGHER, Verdict.WORSE),
        (15.0, LOWER, Verdict.BETTER),
        (18.0, HIGHER, Verdict.ON_FORECAST),
        (18.0, LOWER, Verdict.ON_FORECAST),
    ],
)
def test_the_latest_value_is_judged_against_the_forecast_in_the_measures_direction(
    latest: float, direction: Direction, verdict: Verdict
) -> None:
    # the forecast for 2024-Q1 is 18 (10 + 2 * 4)
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, latest)
    forecast = baseline_forecast(points, granularity=Granularity.QUARTER)

    assert latest_against_forecast(points, forecast, direction) is verdict


def test_a_tolerance_absorbs_small_differences_either_way() -> None:
    # forecast 18; 20 and 16 are both 2 away
    above = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, 20)
    below = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, 16)
    forecast = baseline_forecast(above, granularity=Granularity.QUARTER)

    assert latest_against_forecast(above, forecast, HIGHER, tolerance=2.0) is Verdict.ON_FORECAST
    assert latest_against_forecast(below, forecast, HIGHER, tolerance=2.0) is Verdict.ON_FORECAST
    assert latest_against_forecast(above, forecast, HIGHER, tolerance=1.9) is Verdict.BETTER


def test_floating_point_noise_is_not_a_verdict() -> None:
    # 0.1, 0.2, 0.3 forecast 0.4 at x = 3, give or take the last bit
    points = curve(Granularity.MONTH, date(2024, 1, 1), 0.1, 0.2, 0.3, 0.4)
    forecast = baseline_forecast(points, granularity=Granularity.MONTH)

    assert latest_against_forecast(points, forecast, HIGHER) is Verdict.ON_FORECAST


def test_the_latest_valued_point_is_judged_when_the_last_period_is_suppressed() -> None:
    # fitted: 10, 12, 14 (2023-Q1..Q3); latest valued: 2023-Q4 = 13 against 16
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 13, None)
    forecast = baseline_forecast(points, granularity=Granularity.QUARTER)

    assert latest_against_forecast(points, forecast, HIGHER) is Verdict.WORSE


def test_nothing_is_judged_without_a_forecast_or_a_value() -> None:
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, 20)
    forecast = baseline_forecast(points, granularity=Granularity.QUARTER)

    assert latest_against_forecast(points, None, HIGHER) is None
    assert latest_against_forecast([], forecast, HIGHER) is None
    assert latest_against_forecast([Point(date(2024, 1, 1), None)], forecast, HIGHER) is None


def test_nothing_is_judged_when_the_forecast_stops_short_of_the_latest_period() -> None:
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, 20)
    short = baseline_forecast(points, granularity=Granularity.QUARTER, through=date(2023, 10, 1))

    assert short is not None
    assert latest_against_forecast(points, short, HIGHER) is None


def test_a_negative_tolerance_is_refused() -> None:
    points = curve(Granularity.QUARTER, date(2023, 1, 1), 10, 12, 14, 16, 20)
    forecast = baseline_forecast(points, granularity=Granularity.QUARTER)

    with pytest.raises(ValueError, match="tolerance must not be negative"):
        latest_against_forecast(points, forecast, HIGHER, tolerance=-1.0)


# properties

granularities = st.sampled_from(list(Granularity))
finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def histories(draw: st.DrawFn, *, size: int = 20) -> tuple[Granularity, date, int]:
    granularity = draw(granularities)
    month = draw(st.sampled_from(FIRST_MONTHS[granularity]))
    start = date(draw(st.integers(1990, 2040)), month, 1)
    return granularity, start, draw(st.integers(3, size))


@given(histories(), finite, finite)
def test_a_perfectly_linear_history_forecasts_itself(
    history: tuple[Granularity, date, int], intercept: float, slope: float
) -> None:
    granularity, start, length = history
    points = curve(granularity, start, *(intercept + slope * i for i in range(length)))

    forecast = baseline_forecast(points, granularity=granularity)

    assert forecast is not None
    assert forecast.slope_per_period == pytest.approx(slope, rel=1e-6, abs=1e-6)
    assert forecast.intercept == pytest.approx(intercept, rel=1e-6, abs=1e-6)
    assert values_of(forecast.points) == pytest.approx(values_of(tuple(points)), rel=1e-6, abs=1e-6)
    assert latest_against_forecast(points, forecast, HIGHER, tolerance=1e-6) is Verdict.ON_FORECAST


@given(histories(), st.lists(finite, min_size=20, max_size=20), st.randoms())
def test_the_fit_balances_its_residuals_and_ignores_input_order(
    history: tuple[Granularity, date, int], values: list[float], rnd: random.Random
) -> None:
    granularity, start, length = history
    points = curve(granularity, start, *values[:length])
    shuffled = list(points)
    rnd.shuffle(shuffled)

    forecast = baseline_forecast(shuffled, granularity=granularity)

    # least squares residuals sum to zero over the fitted (all but the latest) values
    assert forecast is not None
    fitted = [p.value for p in forecast.points[: length - 1]]
    residuals = [y - f for y, f in zip(values, fitted, strict=False) if f is not None]
    assert len(residuals) == length - 1
    assert sum(residuals) == pytest.approx(0.0, abs=1e-6)
    assert forecast == baseline_forecast(points, granularity=granularity)


@given(histories(), st.lists(finite, min_size=20, max_size=20), finite)
def test_shifting_the_curve_shifts_the_forecast_and_keeps_its_slope(
    history: tuple[Granularity, date, int], values: list[float], shift: float
) -> None:
    granularity, start, length = history
    original = baseline_forecast(
        curve(granularity, start, *values[:length]), granularity=granularity
    )
    shifted = baseline_forecast(
        curve(granularity, start, *(v + shift for v in values[:length])), granularity=granularity
    )

    assert original is not None
    assert shifted is not None
    assert shifted.slope_per_period == pytest.approx(original.slope_per_period, abs=1e-6)
    assert shifted.intercept == pytest.approx(original.intercept + shift, abs=1e-6)
