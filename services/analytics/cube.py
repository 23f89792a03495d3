"""The cube of a measure: every period and breakdown cell, each contribution's share of it,
and the additive relations between cells. Pure functions, no I/O.

A contribution is one partner's measure as one audience may read it (`Holder`): a partner
feeding a shared measure from a public and a private measure holds two shares of a cell,
one that members and the public can subtract and one that nobody but its own people can.
A cell's content is additive in every aggregation (see `Mass`), which is what lets a total
be compared with the sum of its parts, and what complementary suppression guards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from types import MappingProxyType

from services.measures.models import Aggregation
from services.observations.validation import breakdown_key

Breakdown = tuple[tuple[str, str], ...]  # (dimension, category) pairs sorted by dimension
Item = tuple[str, str]
EPSILON = 1e-9


class Level(IntEnum):
    """Who may read a contribution: the widest audience its values ever had."""

    OWNER = 0  # its partner's own people (a private measure)
    MEMBERS = 1  # every member of the collaborative
    PUBLIC = 2  # anyone


# The audiences a release must be safe for: what each can read, plus (see disclosure.py)
# whatever any one partner's own people read of their own.
AUDIENCES = (Level.MEMBERS, Level.PUBLIC)


def breakdown_of(mapping: Mapping[str, str]) -> Breakdown:
    return tuple(sorted(mapping.items()))


def text_of(breakdown: Breakdown) -> str:
    """The canonical text, as stored in `observation.breakdown_key`."""
    return breakdown_key(dict(breakdown))


@dataclass(frozen=True, slots=True)
class Contribution:
    """One reported value for one cell. Partners and measures are opaque numbers."""

    contributor: int  # the partner
    period: date
    breakdown: Breakdown = ()
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n: float | None = None
    suppressed_at_source: bool = False
    measure: int = 0
    known: Level = Level.OWNER  # the widest audience that may read this value
    version: int = 0  # which report of the cell (a correction is a new one)


@dataclass(frozen=True, slots=True)
class Mass:
    """The additive content of a contribution.

    sum: (value, 0); rate: (numerator, denominator); mean: (value * n, n). `people` is who
    was counted, for the small-cell rule; None when nobody said.
    """

    a: float
    b: float
    people: float | None

    def __add__(self, other: Mass) -> Mass:
        people = None if self.people is None or other.people is None else self.people + other.people
        return Mass(self.a + other.a, self.b + other.b, people)

    def __sub__(self, other: Mass) -> Mass:
        people = None if self.people is None or other.people is None else self.people - other.people
        return Mass(self.a - other.a, self.b - other.b, people)

    @property
    def is_zero(self) -> bool:
        return (
            abs(self.a) <= EPSILON and abs(self.b) <= EPSILON and abs(self.people or 0) <= EPSILON
        )


ZERO = Mass(0.0, 0.0, 0.0)
Share = Mass | None  # None: the contributor's value is unusable (suppressed at source, incomplete)
Holder = tuple[int, int, Level]  # (partner, measure, who may read it)
Shares = Mapping[Holder, Share]


def mass_of(c: Contribution, aggregation: Aggregation, *, counts_people: bool) -> Share:
    """The additive content of one contribution, or None when it cannot be added up."""
    if c.suppressed_at_source:
        return None
    # n = 0 beside a nonzero value says nothing about who was counted
    people = None if c.n == 0 and (c.value or c.denominator) else c.n
    match aggregation:
        case Aggregation.SUM:
            if c.value is None:
                return None
            if counts_people:  # a count of people: trust the smaller of it and n
                people = c.value if people is None else min(people, c.value)
            return Mass(c.value, 0.0, people)
        case Aggregation.RATE:
            if c.numerator is None or c.denominator is None:
                return None
            people = c.denominator if people is None else min(people, c.denominator)
            return Mass(c.numerator, c.denominator, people)
        case Aggregation.MEAN:
            if c.value is None or c.n is None:
                return None
            return Mass(c.value * c.n, c.n, people)


def plus(x: Share, y: Share) -> Share:
    return None if x is None or y is None else x + y


def minus(x: Share, y: Share) -> Share:
    return None if x is None or y is None else x - y


def total_of(shares: Iterable[Share]) -> Share:
    result: Share = ZERO
    for share in shares:
        result = plus(result, share)
    return result


def by_partner(shares: Shares, *, unread_by: Level | None = None) -> dict[int, Share]:
    """Each partner's share; with `unread_by`, only the part that audience cannot read."""
    result: dict[int, Share] = {}
    for (partner, _, known), share in sorted(shares.items()):
        if unread_by is None or known < unread_by:
            result[partner] = plus(result.get(partner, ZERO), share)
    return result


Sources = Mapping[Holder, frozenset[int]]  # the versions each share adds up


@dataclass(slots=True)
class CubeCell:
    period: date
    breakdown: Breakdown
    shares: dict[Holder, Share] = field(default_factory=dict)
    sources: dict[Holder, frozenset[int]] = field(default_factory=dict)

    @property
    def total(self) -> Share:
        return total_of(self.shares.values())


@dataclass(frozen=True, slots=True)
class Relation:
    """A total and the parts it is made of: `margin` = Σ `parts` + whatever nobody split."""

    period: date
    margin: Breakdown
    parts: tuple[Breakdown, ...]


Parents = Mapping[Item, Item]  # a detailed category -> the broader one it rolls up to
NO_PARENTS: Parents = MappingProxyType({})
Cube = dict[tuple[date, Breakdown], CubeCell]


def rolled_up(breakdown: Breakdown, parents: Parents) -> Breakdown | None:
    """The breakdown in the broadest categories, or None when nothing rolls up."""
    items = []
    for item in breakdown:
        seen = {item}
        while item in parents and parents[item] not in seen:
            item = parents[item]
            seen.add(item)
        items.append(item)
    dimensions = [d for d, _ in items]
    if len(set(dimensions)) != len(dimensions):
        return None  # two dimensions meet in one broader dimension: no single cell
    result = tuple(sorted(items))
    return None if result == breakdown else result


# (partner, measure) -> per level, its share and the versions it adds up
_Split = dict[tuple[int, int], dict[Level, tuple[Share, frozenset[int]]]]


def build_cube(
    contributions: Iterable[Contribution],
    aggregation: Aggregation,
    *,
    parents: Parents = NO_PARENTS,
    counts_people: bool = False,
) -> Cube:
    """Every cell, with each contribution's share; detailed reports roll up to broader cells.

    A measure's own report of a broad cell wins over the sum of its detailed reports.
    """
    direct: dict[tuple[date, Breakdown], _Split] = defaultdict(lambda: defaultdict(dict))
    derived: dict[tuple[date, Breakdown], _Split] = defaultdict(lambda: defaultdict(dict))
    for c in contributions:
        share = mass_of(c, aggregation, counts_people=counts_people)
        measure = (c.contributor, c.measure)
        targets = [direct[(c.period, c.breakdown)]]
        broad = rolled_up(c.breakdown, parents)
        if broad is not None:
            targets.append(derived[(c.period, broad)])
        for target in targets:
            so_far, versions = target[measure].get(c.known, (ZERO, frozenset()))
            target[measure][c.known] = (plus(so_far, share), versions | {c.version})
    cube: Cube = {}
    for key in direct.keys() | derived.keys():
        chosen = {**derived.get(key, {}), **direct.get(key, {})}
        cell = CubeCell(period=key[0], breakdown=key[1])
        for (partner, measure), levels in chosen.items():
            for known, (share, versions) in levels.items():
                cell.shares[(partner, measure, known)] = share
                cell.sources[(partner, measure, known)] = versions
        cube[key] = cell
    return cube


def relations(cells: Iterable[tuple[date, Breakdown]], parents: Parents) -> list[Relation]:
    """Every total-and-parts relation among the cells present, in a stable order.

    Along each dimension: a cell without that dimension is the sum of the cells with it.
    Along each roll-up: a broad category is the sum of the detailed ones beneath it.
    """
    present = set(cells)
    groups: dict[tuple[date, Breakdown, str, Item | None], set[Breakdown]] = defaultdict(set)
    for period, breakdown in present:
        for item in breakdown:
            rest = tuple(i for i in breakdown if i != item)
            groups[(period, rest, item[0], None)].add(breakdown)
            parent = parents.get(item)
            if parent is not None:
                groups[(period, rest, item[0], parent)].add(breakdown)
    found = []
    for (period, rest, _, parent), parts in groups.items():
        margin = rest if parent is None else tuple(sorted((*rest, parent)))
        if (period, margin) in present:
            found.append(Relation(period, margin, tuple(sorted(parts))))
    return sorted(found, key=lambda r: (r.period, r.margin, r.parts))


def difference(plus_side: Iterable[Shares], minus_side: Iterable[Shares]) -> dict[Holder, Share]:
    """Per contribution, the first sides' sum minus the second's (nonzero ones only)."""
    result: dict[Holder, Share] = defaultdict(lambda: ZERO)
    for shares in plus_side:
        for holder, share in shares.items():
            result[holder] = plus(result[holder], share)
    for shares in minus_side:
        for holder, share in shares.items():
            result[holder] = minus(result[holder], share)
    return {h: s for h, s in sorted(result.items()) if s is None or not s.is_zero}


def change(before: CubeCell | None, after: CubeCell | None) -> dict[Holder, Share]:
    """Per contribution, what a cell gained between two releases: every contribution whose
    versions differ, even when its value did not (a reader cannot tell that it did not)."""
    old = before.shares if before else {}
    new = after.shares if after else {}
    old_sources = before.sources if before else {}
    new_sources = after.sources if after else {}
    return {
        h: minus(new.get(h, ZERO), old.get(h, ZERO))
        for h in sorted(old.keys() | new.keys())
        if old_sources.get(h) != new_sources.get(h)
    }


def residual(relation: Relation, cube: Mapping[tuple[date, Breakdown], CubeCell]) -> Shares:
    """Per contribution, what its total holds beyond its parts (nonzero ones only)."""
    margin = cube[(relation.period, relation.margin)]
    parts = [cube[(relation.period, p)].shares for p in relation.parts]
    return difference([margin.shares], parts)
