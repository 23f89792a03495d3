"""The columns of a measure's or an indicator's file, in the order templates write them.

    period, <one column per dimension>, value, [numerator, denominator], n,
    suppressed_at_source, note

- `period` is the period's label (2025-Q1, 2025-03, 2025, 2025-26) or its first day
  (2025-01-01).
- A dimension's column holds a category key of that dimension; blank means the row is not
  broken down by it (a row with every dimension blank is the total).
- `numerator` and `denominator` are written for percents, rates and ratios; a file for
  another unit may carry them too.
- `suppressed_at_source` is how the source marked a value it withheld (<5, *), with value,
  numerator and denominator left blank.

A dimension whose key is one of the fixed names gets `by_` in front, as in the aggregate
export, so that no column hides another.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.measures.units import RATIO_UNITS
from services.observations.validation import Subject

PERIOD = "period"
VALUE = "value"
NUMERATOR = "numerator"
DENOMINATOR = "denominator"
N = "n"
SUPPRESSED = "suppressed_at_source"
NOTE = "note"
FIXED = (PERIOD, VALUE, NUMERATOR, DENOMINATOR, N, SUPPRESSED, NOTE)
CARRY_A_VALUE = (VALUE, NUMERATOR, DENOMINATOR, SUPPRESSED)


@dataclass(frozen=True, slots=True)
class Layout:
    dimensions: tuple[tuple[str, str], ...]  # (column, dimension key), by key
    ratio: bool  # the unit is a percent, rate or ratio: numerator and denominator expected

    @property
    def columns(self) -> tuple[str, ...]:
        """The template's columns, in order."""
        ratio = (NUMERATOR, DENOMINATOR) if self.ratio else ()
        dims = tuple(column for column, _ in self.dimensions)
        return (PERIOD, *dims, VALUE, *ratio, N, SUPPRESSED, NOTE)

    @property
    def known(self) -> frozenset[str]:
        """Every column a file may have."""
        return frozenset(FIXED) | {column for column, _ in self.dimensions}

    def dimension_of(self, column: str) -> str | None:
        return dict(self.dimensions).get(column)

    def column_of(self, dimension: str) -> str:
        return {key: column for column, key in self.dimensions}.get(dimension, dimension)


def layout_of(subject: Subject) -> Layout:
    taken = set(FIXED)
    dimensions = []
    for key in sorted(subject.vocabulary):
        column = key
        while column in taken:
            column = f"by_{column}"
        taken.add(column)
        dimensions.append((column, key))
    return Layout(dimensions=tuple(dimensions), ratio=subject.unit in RATIO_UNITS)
