"""Three years of demo observations: plausible trends with noise from a seeded generator, so
every run writes the same rows.

The total is the sum of its cells (for every dimension), as a partner's export would be;
cells of fewer than five people are marked suppressed at their source. The latest quarter
of one private measure is still a draft, and one value was corrected (revision 2, the first
report kept as history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from random import Random
from typing import Any, NamedTuple
from uuid import UUID

from seeds.demo import CATEGORIES, INCOME, LANGUAGE, PLACE, RACE, demo_id
from seeds.demo_calendar import calendar
from services.measures.units import Direction, Unit
from services.observations.models import ObservationStatus
from services.observations.validation import breakdown_key
from services.periods import Granularity, next_start

SMALL = 5  # sources suppress cells of fewer people than this
SUPPRESSED = "<5"

DRAFTS = {"casa.confidence"}  # its latest quarter is not yet published
# subject, period, cell, how much the first report overcounted, why it was corrected
CORRECTION = (
    ("foodbank.served", date(2024, 7, 1), ""),
    286,
    "July mobile-pantry visits were counted twice when two sign-in sheets were merged.",
)
NOTES = {
    ("foodbank.served", date(2024, 7, 1)): "Mobile pantry added in Riverbend.",
    ("broadband", date(2024, 4, 1)): "The survey moved online; weighted to county households.",
}

# Who is counted, per dimension, in the order of its categories (percent of people).
MIXES = {
    "county": {RACE: (41, 13, 11, 27, 2, 6), INCOME: (38, 34, 28), PLACE: (29, 27, 19, 25),
               LANGUAGE: (63, 29, 8)},
    "families": {RACE: (62, 14, 7, 10, 2, 5), INCOME: (78, 19, 3), PLACE: (41, 23, 28, 8),
                 LANGUAGE: (36, 55, 9)},
    "students": {RACE: (47, 15, 10, 20, 2, 6), INCOME: (58, 28, 14), PLACE: (31, 28, 22, 19),
                 LANGUAGE: (55, 36, 9)},
    "tenants": {RACE: (45, 25, 6, 16, 3, 5), INCOME: (84, 14, 2), PLACE: (36, 30, 24, 10),
                LANGUAGE: (58, 33, 9)},
}  # fmt: skip
# How far each category sits from the total, in units of a subject's `gap` (+ = better off).
GAPS = {
    RACE: (-1.0, -1.3, 0.5, 1.0, -1.5, -0.2),
    INCOME: (-1.2, 0.1, 1.0),
    PLACE: (-1.0, -0.7, -0.9, 0.8),
    LANGUAGE: (0.4, -0.8, -1.0),
}


@dataclass(frozen=True)
class Series:
    """How a subject's values move. Percent: `level`, `trend`, `gap` and `noise` in points,
    `size` people per period. Count: `level` per period, `trend` and `noise` as fractions.
    Currency: dollars, `gap` as a fraction, `size` people. `cells`: how many of the subject's
    dimensions are reported cell by cell (the others are defined but not yet reported)."""

    level: float
    trend: float
    size: int = 0
    gap: float = 0.0
    noise: float = 1.0
    mix: str = "county"
    cells: int = 1


class Cell(NamedTuple):
    value: float | None  # None: suppressed at the source
    numerator: float | None = None
    denominator: float | None = None
    n: int | None = None


Reading = tuple[date, dict[str, str], Cell]  # period start, breakdown ({} = total), cell


def periods(granularity: Granularity) -> list[date]:
    """Three years ending with the latest closed quarter (written for 2023-Q1 to 2025-Q4),
    or three years, or three school years (written for 2023 to 2025, 2023-24 to 2025-26)."""
    return [calendar().period(granularity, p) for p in _written_periods(granularity)]


def _written_periods(granularity: Granularity) -> list[date]:
    start = date(2023, 8, 1) if granularity is Granularity.SCHOOL_YEAR else date(2023, 1, 1)
    starts = [start]
    for _ in range(11 if granularity is Granularity.QUARTER else 2):
        starts.append(next_start(granularity, starts[-1]))
    return starts


def _split(total: int, weights: Sequence[float], caps: Sequence[int] | None = None) -> list[int]:
    """`total` shared in proportion to `weights` (largest remainder), no share above its cap."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    if caps is None:
        return parts
    for i, cap in enumerate(caps):  # move any excess to the heaviest cells with room
        excess, parts[i] = max(0, parts[i] - cap), min(parts[i], cap)
        for j in sorted(range(len(parts)), key=lambda j: -weights[j]):
            moved = min(excess, caps[j] - parts[j])
            parts[j], excess = parts[j] + moved, excess - moved
    return parts


def _percent(numerator: int, denominator: int) -> Cell:
    if denominator < SMALL:
        return Cell(None)
    value = round(100 * numerator / denominator, 1)
    return Cell(value, numerator, denominator, denominator)


def _count(count: int) -> Cell:
    return Cell(float(count), n=count) if count >= SMALL else Cell(None)


def generate(
    rng: Random, unit: Unit, direction: Direction, granularity: Granularity,
    dims: Sequence[str], s: Series,
) -> list[Reading]:  # fmt: skip
    """Every period's total, then its cells, dimension by dimension."""
    sign = 1 if direction is Direction.HIGHER_IS_BETTER else -1
    rows: list[Reading] = []
    for t, start in enumerate(periods(granularity)):
        shares = {dim: [w * rng.uniform(0.85, 1.15) for w in MIXES[s.mix][dim]] for dim in dims}
        gaps = {dim: [sign * s.gap * g * (1 - 0.03 * t) for g in GAPS[dim]] for dim in dims}
        reported = dims[: s.cells]
        if unit is Unit.COUNT:
            total = max(0, round(s.level * (1 + s.trend) ** t * rng.gauss(1, s.noise)))
            cells = [({}, _count(total))]
            for dim in reported:
                counts = _split(total, shares[dim])
                cells += [
                    ({dim: c}, _count(k)) for c, k in zip(CATEGORIES[dim], counts, strict=True)
                ]
        else:
            level = s.level + s.trend * t + rng.gauss(0, s.noise)
            size = round(s.size * (1 + 0.01 * t) * rng.uniform(0.95, 1.05))
            make = _percents if unit is Unit.PERCENT else _averages
            cells = make(rng, level, size, reported, shares, gaps, s.noise)
        rows += [(start, breakdown, cell) for breakdown, cell in cells]
    return rows


def _percents(
    rng: Random, level: float, size: int, dims: Sequence[str],
    shares: dict[str, list[float]], gaps: dict[str, list[float]], noise: float,
) -> list[tuple[dict[str, str], Cell]]:  # fmt: skip
    numerator = round(size * level / 100)
    cells: list[tuple[dict[str, str], Cell]] = []
    for d, dim in enumerate(dims):
        people = _split(size, shares[dim])
        rates = [min(97.0, max(1.0, level + g + rng.gauss(0, noise))) for g in gaps[dim]]
        if d == 0:  # the first dimension's cells make the total
            counted = [round(p * r / 100) for p, r in zip(people, rates, strict=True)]
            numerator = sum(counted)
        else:
            counted = _split(
                numerator, [p * r for p, r in zip(people, rates, strict=True)], caps=people
            )
        cells += [
            ({dim: c}, _percent(k, p))
            for c, k, p in zip(CATEGORIES[dim], counted, people, strict=True)
        ]
    return [({}, _percent(numerator, size)), *cells]


def _averages(
    rng: Random, level: float, size: int, dims: Sequence[str],
    shares: dict[str, list[float]], gaps: dict[str, list[float]], noise: float,
) -> list[tuple[dict[str, str], Cell]]:  # fmt: skip
    total = level
    cells: list[tuple[dict[str, str], Cell]] = []
    for d, dim in enumerate(dims):
        people = _split(size, shares[dim])
        values = [level * (1 + g) + rng.gauss(0, noise) for g in gaps[dim]]
        mean = sum(p * v for p, v in zip(people, values, strict=True)) / size
        total = mean if d == 0 else total
        values = [v * total / mean for v in values]  # every dimension averages to the total
        cells += [
            ({dim: c}, Cell(float(round(v)), n=p) if p >= SMALL else Cell(None))
            for c, v, p in zip(CATEGORIES[dim], values, people, strict=True)
        ]
    return [({}, Cell(float(round(total)), n=size)), *cells]


def _moved(cell: tuple[str, date, str]) -> tuple[str, date, str]:
    key, start, breakdown = cell
    return key, calendar().day(start), breakdown


def _written(granularity: Granularity, start: date) -> date:
    """The period as the demo's dates were written (the inverse of the calendar's move)."""
    moved = dict(zip(periods(granularity), _written_periods(granularity), strict=True))
    return moved[start]


def subject(key: str) -> dict[str, UUID]:
    """Measures' keys are "partner.slug"; indicators' have no dot."""
    if "." in key:
        return {"measure_id": demo_id("measure", key)}
    return {"indicator_id": demo_id("indicator", key)}


def observations(
    c: UUID, key: str, granularity: Granularity, series: Sequence[Reading]
) -> list[dict[str, Any]]:
    """Rows for a bulk insert (every row with the same columns): much faster than building
    thousands of model instances. The database fills in the owner and the visibility."""
    latest = series[-1][0]
    rows: list[dict[str, Any]] = []
    for start, breakdown, cell in series:
        cell_key = breakdown_key(breakdown)
        draft = key in DRAFTS and start == latest
        row = {
            "collaborative_id": c,
            "id": demo_id("observation", key, str(start), cell_key),
            "measure_id": None,
            "indicator_id": None,
            **subject(key),
            "granularity": granularity,
            "period_start": start,
            "breakdown": breakdown,
            "breakdown_key": cell_key,
            "value": cell.value,
            "numerator": cell.numerator,
            "denominator": cell.denominator,
            "n": cell.n,
            "suppressed_at_source": SUPPRESSED if cell.value is None else None,
            "note": "" if breakdown else NOTES.get((key, _written(granularity, start)), ""),
            "status": ObservationStatus.DRAFT if draft else ObservationStatus.PUBLISHED,
            "revision": 1,
            "is_current": True,
            "previous_id": None,
            "correction_reason": None,
        }
        if (key, start, cell_key) == _moved(CORRECTION[0]):
            _, overcount, reason = CORRECTION
            first = row | {
                "id": demo_id("observation", key, str(start), cell_key, "revision-1"),
                "value": (cell.value or 0.0) + overcount,
                "n": (cell.n or 0) + overcount,
                "is_current": False,
            }
            row |= {"revision": 2, "previous_id": first["id"], "correction_reason": reason}
            rows.append(first)
        rows.append(row)
    return rows
