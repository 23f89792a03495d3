"""Health-disparity measures between the groups of a breakdown, and progress to a target.

Pure functions, no I/O. The definitions follow Healthy People 2030 ("About Disparities
Data", health.gov; Talih & Huang, Healthy People Statistical Notes No. 27, 2016) and
Pearcy & Keppel, "A summary measure of health disparity", Public Health Reports 2002.

Groups are compared in *adverse* terms, so a rate ratio above 1 and a rate difference above
0 always mean "worse off than the reference", whatever the measure's direction. Keppel &
Pearcy (2005) showed that relative measures of a favourable event (say, 90% vaccinated) and
of its adverse complement (10% not vaccinated) can disagree, and recommend the adverse one:

- lower is better: the value itself is adverse;
- higher is better, percent: the adverse percentage is 100 - value;
- higher is better, other units (scores, counts, currency) have no complement, so the
  ratio is reference / group and the difference reference - group.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.measures.units import Direction, Unit


class Reference(StrEnum):
    BEST = "best"  # the most favourable group with a value (Healthy People's "best group rate")
    OVERALL = "overall"  # the whole population's value (Pearcy & Keppel's reference)
    CATEGORY = "category"  # a group chosen by the table


@dataclass(frozen=True, slots=True)
class GroupValue:
    """One group's value; None when suppressed or not reported."""

    key: str
    value: float | None


@dataclass(frozen=True, slots=True)
class GroupDisparity:
    """One group against the reference; measures are None when they cannot be computed."""

    key: str
    value: float | None
    rate_ratio: float | None  # 1 is parity; above 1 is worse off than the reference
    rate_difference: float | None  # 0 is parity; above 0 is worse off (in adverse terms)
    is_reference: bool


@dataclass(frozen=True, slots=True)
class Disparities:
    """Every group against one reference, and the summaries Healthy People reports.

    - `max_rate_difference`, `max_rate_ratio`: Healthy People 2030's maximal rate difference
      and ratio, the worst group against the best one, whatever the chosen reference; None
      with fewer than two groups with a value (a disparity needs two groups).
    - `summary_rate_ratio`: the mean of the rate ratios of the groups other than the
      reference. Against the best group this is Healthy People's summary rate ratio, the
      average rate of all other groups divided by the best group rate (Talih & Huang 2016).
    - `index_of_disparity`: Pearcy & Keppel (2002), ID = (Σ|r_i - R| / J) / R * 100 over the
      J groups other than the reference, R the reference; in percent. Against the best
      group, with adverse rates, ID = (summary rate ratio - 1) * 100 (Talih & Huang 2016).
    """

    reference_key: str | None  # the best group, the chosen category, or None (overall)
    reference_value: float | None  # as reported, not in adverse terms
    groups: tuple[GroupDisparity, ...]
    max_rate_difference: float | None
    max_rate_ratio: float | None
    summary_rate_ratio: float | None
    index_of_disparity: float | None
    method: str


def disparities(
    groups: Sequence[GroupValue],
    *,
    direction: Direction,
    unit: Unit,
    reference: Reference,
    overall: float | None = None,
    reference_category: str | None = None,
) -> Disparities:
    """Each group's rate ratio and difference against the reference, and their summaries.

    Groups without a value are carried through with every measure None and left out of
    the summaries. A ratio whose denominator is not positive (or whose numerator is
    negative) is None: it would not say how many times worse off a group is.
    """
    _require_unique_keys(groups)
    reference_key, reference_value = _reference(
        groups, direction, reference, overall, reference_category
    )
    scale = _Scale(direction, unit)
    rows = tuple(_compare(g, reference_key, reference_value, scale) for g in groups)
    others = [r for r in rows if r.value is not None and not r.is_reference]
    max_difference, max_ratio = _maximal(groups, direction, scale)
    return Disparities(
        reference_key=reference_key,
        reference_value=reference_value,
        groups=rows,
        max_rate_difference=max_difference,
        max_rate_ratio=max_ratio,
        summary_rate_ratio=_mean_ratio(others),
        index_of_disparity=_index_of_disparity(others, reference_value, scale),
        method=_method(reference, reference_key, reference_value, scale),
    )


def gap_narrowed(current: GroupDisparity | None, previous: GroupDisparity | None) -> bool | None:
    """Whether the group's absolute gap to the reference is smaller now than before."""
    if current is None or previous is None:
        return None
    if current.rate_difference is None or previous.rate_difference is None:
        return None
    return abs(current.rate_difference) < abs(previous.rate_difference)


def progress_toward_target(
    *, start: float | None, latest: float | None, target: float | None, direction: Direction
) -> float | None:
    """The share of the way from start to target covered so far (0 none, 1 reached).

    Healthy People 2030's "percentage of targeted change achieved", as a fraction:
    (latest - start) / (target - start). It exceeds 1 past the target and is negative when
    the curve moved away. None when a value is missing or the start already met the target,
    where no change was asked for.
    """
    if start is None or latest is None or target is None:
        return None
    if target_met(start, target, direction):
        return None
    return (latest - start) / (target - start)


def target_met(latest: float | None, target: float | None, direction: Direction) -> bool | None:
    """At or above the target when higher is better, at or below it otherwise (HP2030)."""
    if latest is None or target is None:
        return None
    if direction is Direction.HIGHER_IS_BETTER:
        return latest >= target
    return latest <= target


@dataclass(frozen=True, slots=True)
class _Scale:
    """How two values compare in adverse terms, for one direction and unit."""

    direction: Direction
    unit: Unit

    @property
    def has_complement(self) -> bool:
        """Whether values can be turned into adverse values (otherwise they are inverted)."""
        return self.direction is Direction.LOWER_IS_BETTER or self.unit is Unit.PERCENT

    def comparable(self, value: float) -> float:
        """The value in the terms ratios are taken in: adverse when it can be, else as is."""
        if self.direction is Direction.HIGHER_IS_BETTER and self.unit is Unit.PERCENT:
            return 100.0 - value
        return value

    def _sides(self, value: float, reference: float) -> tuple[float, float]:
        """(worse-off side, better-off side) when `value` is worse off than `reference`."""
        if self.has_complement:
            return self.comparable(value), self.comparable(reference)
        return reference, value

    def ratio(self, value: float, reference: float) -> float | None:
        numerator, denominator = self._sides(value, reference)
        if denominator <= 0 or numerator < 0:
            return None
        return numerator / denominator

    def difference(self, value: float, reference: float) -> float:
        numerator, denominator = self._sides(value, reference)
        return numerator - denominator


def _require_unique_keys(groups: Sequence[GroupValue]) -> None:
    repeated = sorted(key for key, count in Counter(g.key for g in groups).items() if count > 1)
    if repeated:
        raise ValueError(f"each group appears once; repeated: {', '.join(repeated)}")


def _reference(
    groups: Sequence[GroupValue],
    direction: Direction,
    reference: Reference,
    overall: float | None,
    reference_category: str | None,
) -> tuple[str | None, float | None]:
    """The reference's key and value (the value None when it is suppressed or missing)."""
    match reference:
        case Reference.BEST:
            best = _best(groups, direction)
            return best if best is not None else (None, None)
        case Reference.OVERALL:
            if overall is None:
                raise ValueError("the overall reference needs the overall value")
            return None, overall
        case Reference.CATEGORY:
            chosen = next((g for g in groups if g.key == reference_category), None)
            if chosen is None:
                known = ", ".join(g.key for g in groups) or "none"
                raise ValueError(
                    f"the category reference needs one of the groups' keys "
                    f"(got {reference_category!r}; known: {known})"
                )
            return chosen.key, chosen.value


def _best(groups: Sequence[GroupValue], direction: Direction) -> tuple[str, float] | None:
    """The most favourable group with a value; the first one listed on a tie."""
    ranked = _ranked(groups, direction)
    return ranked[0] if ranked else None


def _ranked(groups: Sequence[GroupValue], direction: Direction) -> list[tuple[str, float]]:
    """(key, value) of the groups with a value, most favourable first; ties keep their order."""
    valued = [(g.key, g.value) for g in groups if g.value is not None]
    higher_first = direction is Direction.HIGHER_IS_BETTER
    return sorted(valued, key=lambda kv: -kv[1] if higher_first else kv[1])


def _maximal(
    groups: Sequence[GroupValue], direction: Direction, scale: _Scale
) -> tuple[float | None, float | None]:
    """Healthy People's maximal rate difference and ratio: the worst group against the best."""
    ranked = _ranked(groups, direction)
    if len(ranked) < 2:
        return None, None
    (_, best), (_, worst) = ranked[0], ranked[-1]
    return scale.difference(worst, best), scale.ratio(worst, best)


def _compare(
    group: GroupValue, reference_key: str | None, reference_value: float | None, scale: _Scale
) -> GroupDisparity:
    is_reference = reference_key is not None and group.key == reference_key
    if group.value is None or reference_value is None:
        return GroupDisparity(group.key, group.value, None, None, is_reference)
    return GroupDisparity(
        key=group.key,
        value=group.value,
        rate_ratio=scale.ratio(group.value, reference_value),
        rate_difference=scale.difference(group.value, reference_value),
        is_reference=is_reference,
    )


def _mean_ratio(others: list[GroupDisparity]) -> float | None:
    """None when any group's ratio is unknown: leaving it out would understate the gap."""
    ratios = [g.rate_ratio for g in others]
    if not ratios or any(r is None for r in ratios):
        return None
    return math.fsum(r for r in ratios if r is not None) / len(ratios)


def _index_of_disparity(
    others: list[GroupDisparity], reference_value: float | None, scale: _Scale
) -> float | None:
    """Pearcy & Keppel's ID: the mean absolute difference as a percent of the reference."""
    differences = [g.rate_difference for g in others if g.rate_difference is not None]
    if reference_value is None or not differences:
        return None
    base = scale.comparable(reference_value)
    if base <= 0:
        return None
    return math.fsum(abs(d) for d in differences) / len(differences) / base * 100.0


def _method(reference: Reference, key: str | None, value: float | None, scale: _Scale) -> str:
    against = {
        Reference.BEST: f"the best group ({key!r}, {_number(value)})" if key else "no group",
        Reference.OVERALL: f"the overall value ({_number(value)})",
        Reference.CATEGORY: f"the category {key!r} ({_number(value)})",
    }[reference]
    if scale.direction is Direction.LOWER_IS_BETTER:
        terms = "ratio = group / reference, difference = group - reference (lower is better)"
    elif scale.unit is Unit.PERCENT:
        terms = "ratio and difference of the adverse percentages (100 - value)"
    else:
        terms = "ratio = reference / group, difference = reference - group (higher is better)"
    return (
        f"Each group against {against}, {terms}; summary rate ratio = mean ratio of the other "
        "groups; index of disparity = their mean absolute difference as a percent of the "
        "reference (Pearcy & Keppel 2002)."
    )


def _number(value: float | None) -> str:
    return "suppressed" if value is None else f"{value:g}"
