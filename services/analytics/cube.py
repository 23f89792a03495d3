"""The cube of a measure: every period and breakdown cell, each contributor's share of it,
and the additive relations between cells. Pure functions, no I/O.

A cell's content is additive in every aggregation (see `Mass`), which is what lets a
total be compared with the sum of its parts, and what complementary suppression guards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from services.measures.models import Aggregation
from services.observations.validation import breakdown_key

Breakdown = tuple[tuple[str, str], ...]  # (dimension, category) pairs sorted by dimension
Item = tuple[str, str]
EPSILON = 1e-9


def breakdown_of(mapping: Mapping[str, str]) -> Breakdown:
    return tuple(sorted(mapping.items()))


def text_of(breakdown: Breakdown) -> str:
    """The canonical text, as stored in `observation.breakdown_key`."""
    return breakdown_key(dict(breakdown))


@dataclass(frozen=True, slots=True)
class Contribution:
    """One contributor's reported value for one cell. Contributors are opaque numbers."""

    contributor: int
    period: date
    breakdown: Breakdown = ()
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n: float | None = None
    suppressed_at_source: bool = False
    visible: bool = False  # the viewer may read this value anyway


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


def _plus(x: Share, y: Share) -> Share:
    return None if x is None or y is None else x + y


@dataclass(slots=True)
class CubeCell:
    period: date
    breakdown: Breakdown
    shares: dict[int, Share] = field(default_factory=dict)  # contributor -> share

    @property
    def total(self) -> Share:
        result: Share = ZERO
        for share in self.shares.values():
            result = _plus(result, share)
        return result


@dataclass(frozen=True, slots=True)
class Relation:
    """A total and the parts it is made of: `margin` = Σ `parts` + whatever nobody split."""

    period: date
    margin: Breakdown
    parts: tuple[Breakdown, ...]


Parents = Mapping[Item, Item]  # a detailed category -> the broader one it rolls up to
NO_PARENTS: Parents = MappingProxyType({})


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


def build_cube(
    contributions: Iterable[Contribution],
    aggregation: Aggregation,
    *,
    parents: Parents = NO_PARENTS,
    counts_people: bool = False,
) -> dict[tuple[date, Breakdown], CubeCell]:
    """Every cell, with each contributor's share; detailed reports roll up to broader cells.

    A contributor's own report of a broad cell wins over the sum of its detailed reports.
    """
    direct: dict[tuple[date, Breakdown], dict[int, Share]] = defaultdict(dict)
    derived: dict[tuple[date, Breakdown], dict[int, Share]] = defaultdict(dict)
    for c in contributions:
        share = mass_of(c, aggregation, counts_people=counts_people)
        key = (c.period, c.breakdown)
        direct[key][c.contributor] = _plus(direct[key].get(c.contributor, ZERO), share)
        broad = rolled_up(c.breakdown, parents)
        if broad is not None:
            bkey = (c.period, broad)
            derived[bkey][c.contributor] = _plus(derived[bkey].get(c.contributor, ZERO), share)
    cube: dict[tuple[date, Breakdown], CubeCell] = {}
    for key in direct.keys() | derived.keys():
        shares = {**derived.get(key, {}), **direct.get(key, {})}
        cube[key] = CubeCell(period=key[0], breakdown=key[1], shares=shares)
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


def residual(
    relation: Relation, cube: Mapping[tuple[date, Breakdown], CubeCell]
) -> dict[int, Share]:
    """Per contributor, what its total holds beyond its parts (nonzero ones only)."""
    margin = cube[(relation.period, relation.margin)]
    parts = [cube[(relation.period, p)] for p in relation.parts]
    contributors = set(margin.shares).union(*(p.shares for p in parts))
    result: dict[int, Share] = {}
    for contributor in sorted(contributors):
        rest: Share = margin.shares.get(contributor, ZERO)
        for part in parts:
            share = part.shares.get(contributor, ZERO)
            rest = None if rest is None or share is None else rest - share
        if rest is None or not rest.is_zero:
            result[contributor] = rest
    return result


def seen_contributors(contributions: Iterable[Contribution]) -> frozenset[int]:
    """Contributors every one of whose values the viewer may read anyway."""
    hidden = {c.contributor for c in contributions if not c.visible}
    return frozenset(c.contributor for c in contributions if c.contributor not in hidden)
