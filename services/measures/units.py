"""Units and directions shared by indicators, measures and shared measures."""

from __future__ import annotations

from enum import StrEnum


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"  # 0-100, from a numerator and a denominator
    RATE = "rate"  # per `n` of the denominator, e.g. per 1,000
    CURRENCY = "currency"
    SCORE = "score"
    DURATION = "duration"
    RATIO = "ratio"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


RATIO_UNITS = frozenset({Unit.PERCENT, Unit.RATE, Unit.RATIO})
