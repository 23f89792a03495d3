"""Checking a batch of observations before anything is written. Pure: no I/O.

Every problem names its row and field (["observations", "3", "value"]) so that a form or a
partner's system can point at it; a batch with any problem is refused whole.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.errors import ErrorCode, Problem
from services.measures.units import Unit
from services.observations.models import (
    MAX_N,
    MAX_NOTE,
    MAX_SUPPRESSED_MARKER,
    SUPPRESSED_PATTERN,
)
from services.periods import EARLIEST, LATEST, Granularity, expected_start, starts_a_period
from services.validation import out_of_bounds

# Values computed from a numerator and a denominator may be rounded by the sender.
PERCENT_TOLERANCE = 0.05
RELATIVE_TOLERANCE = 1e-6
NON_NEGATIVE_UNITS = frozenset({Unit.COUNT, Unit.PERCENT, Unit.RATE, Unit.RATIO, Unit.DURATION})


@dataclass(frozen=True, slots=True)
class Subject:
    """What the batch reports on: a measure or an indicator, and the vocabulary it may use."""

    unit: Unit
    granularity: Granularity
    # dimension key -> its category keys, for the dimensions the subject is disaggregated by
    vocabulary: Mapping[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class ObservationInput:
    period_start: date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n: int | None = None
    breakdown: Mapping[str, str] = field(default_factory=dict)
    suppressed_at_source: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class CleanObservation:
    period_start: date
    value: float | None
    numerator: float | None
    denominator: float | None
    n: int | None
    breakdown: dict[str, str]
    breakdown_key: str
    suppressed_at_source: str | None
    note: str


def breakdown_key(breakdown: Mapping[str, str]) -> str:
    """The canonical text of a breakdown: "dim=cat" sorted by dimension, joined by ";"."""
    return ";".join(f"{k}={breakdown[k]}" for k in sorted(breakdown))


def ratio_value(unit: Unit, numerator: float, denominator: float) -> float:
    """The value a numerator and denominator stand for in this unit."""
    share = numerator / denominator
    return share * 100 if unit is Unit.PERCENT else share


def validate_batch(
    rows: Sequence[ObservationInput],
    subject: Subject,
    *,
    path: str = "observations",
    numbering: Callable[[int], str] = str,
) -> tuple[list[CleanObservation], list[Problem]]:
    """Clean rows, and every problem found; rows are usable only when problems is empty.

    `numbering` names a row by its index, in problems' fields and messages (a file's rows
    are named by their line in the spreadsheet, not by their place in the batch).
    """
    clean: list[CleanObservation] = []
    problems: list[Problem] = []
    first_row_of_cell: dict[tuple[date, str], int] = {}
    for index, row in enumerate(rows):
        where = (path, numbering(index))
        row_problems = [
            *check_period(row.period_start, subject.granularity, (*where, "periodStart")),
            *check_breakdown(row, subject, where),
            *_check_texts(row, where),
        ]
        value, value_problems = _check_values(row, subject, where)
        row_problems += value_problems
        cell = (row.period_start, breakdown_key(row.breakdown))
        if cell in first_row_of_cell:
            row_problems.append(
                Problem(
                    (*where, "breakdown"),
                    ErrorCode.DUPLICATE,
                    f"repeats row {numbering(first_row_of_cell[cell])}: the same period and "
                    "breakdown",
                )
            )
        else:
            first_row_of_cell[cell] = index
        problems += row_problems
        if not row_problems:
            clean.append(
                CleanObservation(
                    period_start=row.period_start,
                    value=value,
                    numerator=row.numerator,
                    denominator=row.denominator,
                    n=row.n,
                    breakdown=dict(row.breakdown),
                    breakdown_key=cell[1],
                    suppressed_at_source=_normalized_suppression(row.suppressed_at_source),
                    note=row.note,
                )
            )
    return clean, problems


def check_period(start: date, granularity: Granularity, field: tuple[str, ...]) -> list[Problem]:
    """A period starts on its first day, within the days Tablero works with."""
    if not EARLIEST <= start <= LATEST:
        return [Problem(field, ErrorCode.OUT_OF_RANGE, f"periods run from {EARLIEST} to {LATEST}")]
    if starts_a_period(granularity, start):
        return []
    return [
        Problem(
            field,
            ErrorCode.INVALID,
            f"a {granularity.value.replace('_', ' ')} starts on {expected_start(granularity)}",
        )
    ]


def _check_texts(row: ObservationInput, where: tuple[str, ...]) -> list[Problem]:
    """Texts within their columns' lengths, refused by name rather than by the database."""
    limits = {"note": (row.note, MAX_NOTE)}
    if row.suppressed_at_source is not None:
        limits["suppressedAtSource"] = (row.suppressed_at_source.strip(), MAX_SUPPRESSED_MARKER)
    return [
        Problem((*where, name), ErrorCode.TOO_LONG, f"at most {limit} characters")
        for name, (text, limit) in limits.items()
        if len(text) > limit
    ]


def check_breakdown(
    row: ObservationInput, subject: Subject, where: tuple[str, ...]
) -> list[Problem]:
    problems = []
    for dimension, category in row.breakdown.items():
        if dimension not in subject.vocabulary:
            allowed = ", ".join(sorted(subject.vocabulary)) or "none"
            problems.append(
                Problem(
                    (*where, "breakdown", dimension),
                    ErrorCode.INVALID,
                    f"is not a dimension this is disaggregated by (allowed: {allowed})",
                )
            )
        elif category not in subject.vocabulary[dimension]:
            problems.append(
                Problem(
                    (*where, "breakdown", dimension),
                    ErrorCode.INVALID,
                    f"'{category}' is not a category of {dimension}",
                )
            )
    return problems


def _check_values(
    row: ObservationInput, subject: Subject, where: tuple[str, ...]
) -> tuple[float | None, list[Problem]]:
    numbers = {"value": row.value, "numerator": row.numerator, "denominator": row.denominator}
    problems = [
        Problem((*where, name), ErrorCode.OUT_OF_RANGE, reason)
        for name, number in numbers.items()
        if number is not None and (reason := out_of_bounds(number))
    ]
    if row.n is not None and row.n < 0:
        problems.append(Problem((*where, "n"), ErrorCode.OUT_OF_RANGE, "must not be negative"))
    elif row.n is not None and row.n > MAX_N:
        problems.append(Problem((*where, "n"), ErrorCode.OUT_OF_RANGE, f"must be at most {MAX_N}"))
    if problems:
        return None, problems
    if row.suppressed_at_source is not None:
        if len(row.suppressed_at_source.strip()) > MAX_SUPPRESSED_MARKER:
            return None, []  # _check_texts says so
        return None, _check_suppressed(row, where)
    if (row.numerator is None) != (row.denominator is None):
        missing = "denominator" if row.denominator is None else "numerator"
        return None, [
            Problem((*where, missing), ErrorCode.REQUIRED, "give a numerator and a denominator")
        ]
    value = row.value
    if row.numerator is not None and row.denominator is not None:
        value, problems = _check_ratio(row, subject, where)
        if problems:
            return None, problems
    if value is None:
        return None, [
            Problem(
                (*where, "value"),
                ErrorCode.REQUIRED,
                "give a value, a numerator and denominator, or suppressedAtSource",
            )
        ]
    return value, _check_range(value, subject, where)


def _check_suppressed(row: ObservationInput, where: tuple[str, ...]) -> list[Problem]:
    if any(v is not None for v in (row.value, row.numerator, row.denominator)):
        return [
            Problem(
                (*where, "suppressedAtSource"),
                ErrorCode.INVALID,
                "a value suppressed at its source has no number: leave value, numerator and "
                "denominator empty",
            )
        ]
    if not re.match(
        SUPPRESSED_PATTERN, row.suppressed_at_source.strip() if row.suppressed_at_source else ""
    ):
        return [
            Problem(
                (*where, "suppressedAtSource"),
                ErrorCode.INVALID,
                "must be how the source marked it, such as '<5', '<=10', '*' or 'suppressed'",
            )
        ]
    return []


def _check_ratio(
    row: ObservationInput, subject: Subject, where: tuple[str, ...]
) -> tuple[float | None, list[Problem]]:
    assert row.numerator is not None
    assert row.denominator is not None
    if row.denominator <= 0:
        return None, [Problem((*where, "denominator"), ErrorCode.OUT_OF_RANGE, "must be positive")]
    if row.numerator < 0:
        return None, [
            Problem((*where, "numerator"), ErrorCode.OUT_OF_RANGE, "must not be negative")
        ]
    if subject.unit is Unit.PERCENT and row.numerator > row.denominator:
        return None, [
            Problem(
                (*where, "numerator"), ErrorCode.OUT_OF_RANGE, "must not exceed the denominator"
            )
        ]
    derived = ratio_value(subject.unit, row.numerator, row.denominator)
    if row.value is not None and not _close(row.value, derived, subject.unit):
        return None, [
            Problem(
                (*where, "value"),
                ErrorCode.INVALID,
                f"does not match numerator/denominator (which give {derived:.4g})",
            )
        ]
    return (row.value if row.value is not None else derived), []


def _close(given: float, derived: float, unit: Unit) -> bool:
    if unit is Unit.PERCENT:
        return abs(given - derived) <= PERCENT_TOLERANCE + 1e-9  # floats: 31.25 -> 31.2 is fine
    return math.isclose(given, derived, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)


def _check_range(value: float, subject: Subject, where: tuple[str, ...]) -> list[Problem]:
    if reason := out_of_bounds(value):  # a ratio of two fine numbers may still be huge
        return [Problem((*where, "value"), ErrorCode.OUT_OF_RANGE, reason)]
    if subject.unit is Unit.PERCENT and not 0 <= value <= 100:
        return [
            Problem((*where, "value"), ErrorCode.OUT_OF_RANGE, "a percent is between 0 and 100")
        ]
    if subject.unit in NON_NEGATIVE_UNITS and value < 0:
        return [Problem((*where, "value"), ErrorCode.OUT_OF_RANGE, "must not be negative")]
    return []


def _normalized_suppression(marker: str | None) -> str | None:
    return marker.strip() if marker is not None else None
