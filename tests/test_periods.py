"""Reporting periods: where each granularity starts, what comes next, how it reads."""

from __future__ import annotations

from datetime import date

import pytest

from services.periods import Granularity, label, next_start, starts_a_period


@pytest.mark.parametrize(
    ("granularity", "start", "valid"),
    [
        (Granularity.MONTH, date(2025, 2, 1), True),
        (Granularity.MONTH, date(2025, 2, 2), False),
        (Granularity.QUARTER, date(2025, 4, 1), True),
        (Granularity.QUARTER, date(2025, 5, 1), False),
        (Granularity.YEAR, date(2025, 1, 1), True),
        (Granularity.YEAR, date(2025, 7, 1), False),
        (Granularity.SCHOOL_YEAR, date(2024, 8, 1), True),
        (Granularity.SCHOOL_YEAR, date(2024, 9, 1), False),
    ],
)
def test_periods_start_where_their_granularity_says(
    granularity: Granularity, start: date, valid: bool
) -> None:
    assert starts_a_period(granularity, start) is valid


def test_the_next_period_crosses_year_boundaries() -> None:
    assert next_start(Granularity.QUARTER, date(2024, 10, 1)) == date(2025, 1, 1)
    assert next_start(Granularity.MONTH, date(2024, 12, 1)) == date(2025, 1, 1)
    assert next_start(Granularity.SCHOOL_YEAR, date(2024, 8, 1)) == date(2025, 8, 1)


def test_labels_read_as_people_write_them() -> None:
    assert label(Granularity.QUARTER, date(2024, 7, 1)) == "2024-Q3"
    assert label(Granularity.MONTH, date(2024, 3, 1)) == "2024-03"
    assert label(Granularity.SCHOOL_YEAR, date(2024, 8, 1)) == "2024-25"
    assert label(Granularity.YEAR, date(2024, 1, 1)) == "2024"
