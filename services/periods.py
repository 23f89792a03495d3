"""Reporting periods: a granularity and the date the period starts. Pure functions.

A school year starts on August 1 (the common U.S. convention for state reporting); a
quarter on the first day of January, April, July or October.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

SCHOOL_YEAR_START_MONTH = 8
# The days Tablero works with. Every period in it has a next one (Python's dates stop in
# year 9999) and no reporting, due date or target needs more.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


class Granularity(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    SCHOOL_YEAR = "school_year"


def starts_a_period(granularity: Granularity, start: date) -> bool:
    """Whether `start` is the first day of a period of this granularity."""
    if start.day != 1:
        return False
    match granularity:
        case Granularity.MONTH:
            return True
        case Granularity.QUARTER:
            return start.month in (1, 4, 7, 10)
        case Granularity.YEAR:
            return start.month == 1
        case Granularity.SCHOOL_YEAR:
            return start.month == SCHOOL_YEAR_START_MONTH


def expected_start(granularity: Granularity) -> str:
    """How to describe a valid start, for error messages."""
    return {
        Granularity.MONTH: "the first day of a month",
        Granularity.QUARTER: "January, April, July or October 1",
        Granularity.YEAR: "January 1",
        Granularity.SCHOOL_YEAR: "August 1",
    }[granularity]


def next_start(granularity: Granularity, start: date) -> date:
    """The start of the period after the one starting at `start`."""
    months = {Granularity.MONTH: 1, Granularity.QUARTER: 3}.get(granularity, 12)
    month_index = start.month - 1 + months
    return date(start.year + month_index // 12, month_index % 12 + 1, 1)


def start_of(granularity: Granularity, day: date) -> date:
    """The first day of the period of this granularity that contains `day`."""
    match granularity:
        case Granularity.MONTH:
            return date(day.year, day.month, 1)
        case Granularity.QUARTER:
            return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        case Granularity.YEAR:
            return date(day.year, 1, 1)
        case Granularity.SCHOOL_YEAR:
            year = day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1
            return date(year, SCHOOL_YEAR_START_MONTH, 1)


def last_complete_start(granularity: Granularity, as_of: date) -> date:
    """The start of the latest period that has ended before `as_of`: the one now due."""
    months = {Granularity.MONTH: 1, Granularity.QUARTER: 3}.get(granularity, 12)
    current = start_of(granularity, as_of)
    month_index = current.year * 12 + current.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, 1)


def reporting_deadline(granularity: Granularity, start: date, days: int | None) -> date | None:
    """The last day partners have to report a period: `days` after it ends (None: none)."""
    if days is None:
        return None
    return next_start(granularity, start) + timedelta(days=days - 1)


def label(granularity: Granularity, start: date) -> str:
    """A short human label: 2024-03, 2024-Q2, 2024, 2024-25."""
    match granularity:
        case Granularity.MONTH:
            return f"{start.year}-{start.month:02d}"
        case Granularity.QUARTER:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        case Granularity.YEAR:
            return str(start.year)
        case Granularity.SCHOOL_YEAR:
            return f"{start.year}-{(start.year + 1) % 100:02d}"
