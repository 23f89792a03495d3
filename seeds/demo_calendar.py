"""When the demo happens: its dates are written for a history ending in 2025-Q4, and moved
as a whole so that the history ends at the latest quarter closed on the day it is seeded.

Quarters and days move by whole quarters; years and school years by whole years, so every
period still starts where its granularity says. Set once per seeding (`seeding_on`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.periods import Granularity, last_complete_start

WRITTEN_FOR = date(2025, 10, 1)  # the last quarter the demo's dates were written around
TIME_ZONE = ZoneInfo("America/Los_Angeles")  # where the demo table meets


@dataclass(frozen=True)
class DemoCalendar:
    today: date

    @property
    def last_quarter(self) -> date:
        """The latest quarter that has ended: the demo's history stops there."""
        return last_complete_start(Granularity.QUARTER, self.today)

    @property
    def months(self) -> int:
        last = self.last_quarter
        return (last.year - WRITTEN_FOR.year) * 12 + last.month - WRITTEN_FOR.month

    def day(self, written: date) -> date:
        """A day of the written history, moved by whole quarters (the last day of a month
        stays the last day of its month)."""
        index = written.year * 12 + written.month - 1 + self.months
        year, month = divmod(index, 12)
        last_day = _month_length(year, month + 1)
        at_month_end = written.day == _month_length(written.year, written.month)
        return date(year, month + 1, last_day if at_month_end else min(written.day, last_day))

    def moment(self, written: datetime) -> datetime:
        moved = self.day(written.date())
        return written.replace(year=moved.year, month=moved.month, day=moved.day)

    def period(self, granularity: Granularity, written: date) -> date:
        """A period of the written history: quarters and months by quarters, years by years."""
        if granularity in (Granularity.YEAR, Granularity.SCHOOL_YEAR):
            return written.replace(year=written.year + self.months // 12)
        return self.day(written)


def _month_length(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


_current: ContextVar[DemoCalendar] = ContextVar("demo_calendar")


def today_where_the_table_meets() -> date:
    return datetime.now(TIME_ZONE).date()


@contextmanager
def seeding_on(today: date) -> Iterator[DemoCalendar]:
    token = _current.set(DemoCalendar(today))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def calendar() -> DemoCalendar:
    """The calendar of the seeding under way."""
    return _current.get()
