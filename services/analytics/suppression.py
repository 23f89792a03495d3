"""Which cells of a cube may be published. Pure: contributions in, publishable cells out.

A cell is shown only when enough partners contribute (`min_partners`), enough people are
counted (`min_cell`; cells of 1 to min_cell - 1 people are hidden, zero is shown), and no
partner dominates it (`max_dominance_share`).

A total is the sum of its parts plus a remainder: whatever its contributors left out of
the breakdown. A remainder that is not zero is unknown to a reader, like a hidden cell;
the same rules decide whether it must stay unknown (a partner that reported no breakdown
must not be found by subtracting the parts from the total). Complementary suppression
then hides further cells until no hidden cell, nor a guarded remainder, follows exactly
from the published ones by any combination of the additive relations. Everything is
decided on the whole cube, so any slice of it answers the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.analytics import linear
from services.analytics.cube import (
    NO_PARENTS,
    Breakdown,
    Contribution,
    CubeCell,
    Mass,
    Parents,
    Relation,
    Share,
    build_cube,
    relations,
    residual,
    text_of,
)
from services.measures.models import Aggregation

UNSTABLE_AT_MOST = 20  # events: a rate resting on 20 or fewer is unreliable (NCHS practice)


class Reason(StrEnum):
    """Why a cell has no value. Every hidden cell carries one."""

    SUPPRESSED_AT_SOURCE = "suppressed_at_source"
    TOO_FEW_PARTNERS = "too_few_partners"
    SMALL_CELL = "small_cell"
    UNKNOWN_SIZE = "unknown_size"
    DOMINANCE = "dominance"
    COMPLEMENTARY = "complementary"
    UNDEFINED = "undefined"
    NO_DATA = "no_data"
    SEEN_PARTS = "seen_parts"


EXPLANATIONS = {
    Reason.SUPPRESSED_AT_SOURCE: "a contributor's value was suppressed at its source, or lacks "
    "what this aggregation adds up (a numerator and denominator, or n)",
    Reason.TOO_FEW_PARTNERS: "fewer partners contribute than the collaborative's minimum",
    Reason.SMALL_CELL: "fewer people are counted than the collaborative's minimum cell size",
    Reason.UNKNOWN_SIZE: "how many people are counted is not known",
    Reason.DOMINANCE: "one partner makes up more than the allowed share of the cell",
    Reason.COMPLEMENTARY: "hidden so that another hidden cell cannot be found by subtraction",
    Reason.UNDEFINED: "the denominator is zero",
    Reason.NO_DATA: "nobody reported this cell",
    Reason.SEEN_PARTS: "the partners' values you can already read would single out the rest",
}


@dataclass(frozen=True, slots=True)
class Rules:
    min_partners: int = 3
    min_cell: int = 11
    max_dominance_share: float = 0.8
    # False for one source's own data (a collaborative's indicator): partners do not apply.
    partner_rules: bool = True
    # Contributors whose values this viewer can already read (its own, public ones, ...):
    # what they leave of a cell must pass the rules on its own, or subtraction exposes it.
    seen: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Cell:
    period: date
    breakdown: Breakdown
    value: float | None
    partners: int | None  # contributing partners; None when hidden or not partner data
    n: float | None  # people counted; None when hidden or unknown
    reason: Reason | None  # why the value is hidden; None when shown
    unstable: bool  # shown, but resting on 20 or fewer events

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


def publishable_cells(
    contributions: Iterable[Contribution],
    aggregation: Aggregation,
    rules: Rules,
    *,
    parents: Parents = NO_PARENTS,
    counts_people: bool = False,
    scale: float = 1.0,
) -> list[Cell]:
    """Every cell of the cube, each with its value or the reason it is hidden.

    `scale` turns a rate's numerator / denominator into the unit (100 for a percent).
    """
    cube = build_cube(contributions, aggregation, parents=parents, counts_people=counts_people)
    hidden = {key: r for key, cell in cube.items() if (r := _primary(cell, aggregation, rules))}
    links = relations(cube.keys(), parents)
    remainders = {i: rest for i, relation in enumerate(links) if (rest := _known(relation, cube))}
    guarded = {i for i, rest in remainders.items() if _exposed(rest, aggregation, rules)}
    for period in sorted({key[0] for key in cube}):
        mine = [(i, r) for i, r in enumerate(links) if r.period == period]
        _complete(period, mine, Remainders(set(remainders), guarded), cube, hidden)
    return [
        _publish(cube[key], hidden.get(key), aggregation, rules, scale)
        for key in sorted(cube, key=lambda k: (k[0], len(k[1]), text_of(k[1])))
    ]


def _primary(cell: CubeCell, aggregation: Aggregation, rules: Rules) -> Reason | None:
    reason = _exposed(cell.shares, aggregation, rules)
    if reason is not None:
        return reason
    total = cell.total
    assert total is not None
    if aggregation is not Aggregation.SUM and total.b == 0:
        return Reason.UNDEFINED
    return None


def _exposed(shares: Mapping[int, Share], aggregation: Aggregation, rules: Rules) -> Reason | None:
    """The rules on the whole, then on what the viewer cannot already read of it."""
    reason = _unsafe(shares, aggregation, rules)
    if reason is not None:
        return reason
    unseen = {c: share for c, share in shares.items() if c not in rules.seen}
    # The viewer is like a partner that knows its own value: what is left must still hold
    # enough partners that none can be told apart (min_partners - 1, and at least 2).
    left = max(2, rules.min_partners - 1)
    if 0 < len(unseen) < len(shares) and _unsafe(unseen, aggregation, rules, left):
        return Reason.SEEN_PARTS
    return None


def _unsafe(
    shares: Mapping[int, Share],
    aggregation: Aggregation,
    rules: Rules,
    min_partners: int | None = None,
) -> Reason | None:
    """The first rule that a set of contributions breaks, if any."""
    if any(s is None for s in shares.values()):
        return Reason.SUPPRESSED_AT_SOURCE
    masses = [s for s in shares.values() if s is not None]
    if rules.partner_rules and len(masses) < (min_partners or rules.min_partners):
        return Reason.TOO_FEW_PARTNERS
    if any(m.people is None for m in masses):
        return Reason.UNKNOWN_SIZE
    people = abs(sum(m.people or 0.0 for m in masses))
    if 0 < people < rules.min_cell:
        return Reason.SMALL_CELL
    if rules.partner_rules and _dominated(masses, aggregation, rules.max_dominance_share):
        return Reason.DOMINANCE
    return None


def _dominated(masses: Sequence[Mass], aggregation: Aggregation, limit: float) -> bool:
    """One contributor weighs more than `limit` of the cell (of the amount, or of the people)."""
    amounts = [abs(m.a) for m in masses]
    bases = [abs(m.b) for m in masses]
    sides = [amounts] if aggregation is Aggregation.SUM else [bases]
    if aggregation is Aggregation.RATE:
        sides.append(amounts)  # a rate's events and its population: neither may be one's
    return any(sum(w) > 0 and max(w) / sum(w) > limit for w in sides)


def _known(relation: Relation, cube: Mapping[tuple[date, Breakdown], CubeCell]) -> dict[int, Share]:
    """The remainders a reader cannot know. A contributor whose share is unusable (a value
    suppressed at its source) is taken to have reported parts that add up to its total, so
    the cell it hides in is not thought protected by a remainder that is most likely zero."""
    return {c: share for c, share in residual(relation, cube).items() if share is not None}


@dataclass(frozen=True, slots=True)
class Remainders:
    """Relations (by index) whose total holds more than its parts, and which of those
    remainders must stay unknown."""

    unknown: set[int]
    guarded: set[int]


Unknown = tuple[str, object]  # ("cell", key) or ("rest", relation index)


def _complete(
    period: date,
    links: Sequence[tuple[int, Relation]],
    remainders: Remainders,
    cube: Mapping[tuple[date, Breakdown], CubeCell],
    hidden: dict[tuple[date, Breakdown], Reason],
) -> None:
    """Hide more cells of one period until nothing hidden follows from what is shown."""
    while True:
        unknowns: list[Unknown] = [
            ("cell", k) for k in sorted(hidden, key=_order) if k[0] == period
        ]
        unknowns += [("rest", i) for i, _ in links if i in remainders.unknown]
        equations = [_equation(i, r, remainders.unknown, hidden) for i, r in links]
        disclosed = [
            u
            for u in linear.determined(equations, unknowns)
            if u[0] == "cell" or u[1] in remainders.guarded
        ]
        if not disclosed:
            return
        extra = _cover(disclosed[0], links, cube, hidden)
        if extra is None:
            return  # every cell around it is hidden already: nothing published to subtract
        hidden[extra] = Reason.COMPLEMENTARY


def _equation(
    index: int, relation: Relation, remainders: set[int], hidden: Mapping
) -> dict[Unknown, int]:
    equation: dict[Unknown, int] = {}
    margin = (relation.period, relation.margin)
    if margin in hidden:
        equation[("cell", margin)] = 1
    for part in relation.parts:
        key = (relation.period, part)
        if key in hidden:
            equation[("cell", key)] = -1
    if index in remainders:
        equation[("rest", index)] = -1
    return equation


def _cover(
    disclosed: Unknown,
    links: Sequence[tuple[int, Relation]],
    cube: Mapping[tuple[date, Breakdown], CubeCell],
    hidden: Mapping,
) -> tuple[date, Breakdown] | None:
    """The shown cell to hide next: the smallest in a relation with the disclosed unknown."""
    near = [r for i, r in links if _involves(r, i, disclosed)]
    for relations_to_search in (near, [r for _, r in links]):
        candidates = {
            key
            for r in relations_to_search
            for key in ((r.period, r.margin), *((r.period, p) for p in r.parts))
            if key not in hidden
        }
        if candidates:
            return min(candidates, key=lambda k: (_people(cube[k]), _order(k)))
    return None


def _involves(relation: Relation, index: int, unknown: Unknown) -> bool:
    kind, what = unknown
    if kind == "rest":
        return what == index
    period, breakdown = what  # type: ignore[misc]
    return period == relation.period and (
        breakdown == relation.margin or breakdown in relation.parts
    )


def _people(cell: CubeCell) -> float:
    total = cell.total
    return math.inf if total is None or total.people is None else total.people


def _order(key: tuple[date, Breakdown]) -> tuple[date, int, str]:
    return (key[0], len(key[1]), text_of(key[1]))


def _publish(
    cell: CubeCell, reason: Reason | None, aggregation: Aggregation, rules: Rules, scale: float
) -> Cell:
    if reason is not None:
        return Cell(cell.period, cell.breakdown, None, None, None, reason, unstable=False)
    total = cell.total
    assert total is not None
    match aggregation:
        case Aggregation.SUM:
            value, events = total.a, None
        case Aggregation.RATE:
            value, events = total.a / total.b * scale, total.a
        case Aggregation.MEAN:
            value, events = total.a / total.b, total.b
    return Cell(
        period=cell.period,
        breakdown=cell.breakdown,
        value=value,
        partners=len(cell.shares) if rules.partner_rules else None,
        n=total.people,
        reason=None,
        unstable=events is not None and events <= UNSTABLE_AT_MOST,
    )


def infer_scale(contributions: Iterable[Contribution]) -> float:
    """The power of ten that turns numerator / denominator into reported values (per 1,000…)."""
    factors = sorted(
        abs(c.value * c.denominator / c.numerator)  # a sign mix-up must not break the scale
        for c in contributions
        if c.value and c.numerator and c.denominator
    )
    if not factors:
        return 1.0
    return 10.0 ** round(math.log10(factors[len(factors) // 2]))
