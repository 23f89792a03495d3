"""Which cells of a release may be published. Pure: contributions in, publishable cells out.

The specification of `tablero_release_period()` (migrations/sql/0013_releases.sql), held to
the same decisions by a property test. A release publishes one period's cube; earlier
releases of the same period are known to every reader.

1. Primary rules (rules.py) on every cell: the cell as a whole, and what each audience
   cannot read of it, including once any one partner takes its own share away.
2. A total is the sum of its parts plus a remainder, whatever its contributors left out of
   the breakdown. A remainder is unknown to an audience exactly when some contribution to
   it is unreadable to them; the same rules decide whether it must stay unknown.
3. An earlier release of the period is known: a cell of this release minus the same cell of
   an earlier one is what changed between them, and it must stay unknown unless it passes
   the rules itself.
4. Complementary suppression hides more cells of this release until nothing protected (a
   hidden cell of any release, a protected remainder or change) follows exactly from what
   is published, for every audience, and for every audience joined by any one partner's
   own people. Everything is decided on the whole period, so any slice answers the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.analytics import linear
from services.analytics.cube import (
    AUDIENCES,
    NO_PARENTS,
    Breakdown,
    Contribution,
    Cube,
    CubeCell,
    Level,
    Parents,
    Share,
    Shares,
    build_cube,
    by_partner,
    change,
    relations,
    residual,
    text_of,
)
from services.analytics.rules import (
    EXPLANATIONS,
    Reason,
    Rules,
    exposed,
    one_partner_singles_out_the_rest,
    unsafe,
)
from services.measures.models import Aggregation

UNSTABLE_AT_MOST = 20  # events: a rate resting on 20 or fewer is unreliable (NCHS practice)

__all__ = [
    "EXPLANATIONS",
    "Cell",
    "Reason",
    "Released",
    "Rules",
    "decide",
    "infer_scale",
    "publishable_cells",
]


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


@dataclass(frozen=True, slots=True)
class Released:
    """An earlier release of one period: the cube it was decided on, and what it hid."""

    cells: Mapping[Breakdown, CubeCell]
    hidden: frozenset[Breakdown]
    parents: Parents = field(default_factory=dict)


History = Mapping[date, Sequence[Released]]  # per period, oldest release first


def publishable_cells(
    contributions: Iterable[Contribution],
    aggregation: Aggregation,
    rules: Rules,
    *,
    parents: Parents = NO_PARENTS,
    counts_people: bool = False,
    scale: float = 1.0,
    history: History | None = None,
) -> list[Cell]:
    """Every cell of the cube, each with its value or the reason it is hidden.

    `scale` turns a rate's numerator / denominator into the unit (100 for a percent).
    """
    cube = build_cube(contributions, aggregation, parents=parents, counts_people=counts_people)
    hidden = decide(cube, aggregation, rules, parents=parents, history=history or {})
    return [
        _publish(cube[key], hidden.get(key), aggregation, rules, scale)
        for key in sorted(cube, key=_order)
    ]


def decide(
    cube: Cube,
    aggregation: Aggregation,
    rules: Rules,
    *,
    parents: Parents = NO_PARENTS,
    history: History,
) -> dict[tuple[date, Breakdown], Reason]:
    """The hidden cells of a cube and why."""
    hidden = {key: r for key, cell in cube.items() if (r := primary(cell, aggregation, rules))}
    for period in sorted({key[0] for key in cube}):
        mine = {b: cell for (p, b), cell in cube.items() if p == period}
        now = Released(cells=mine, hidden=frozenset(), parents=parents)
        system = System(period, [*history.get(period, ()), now], aggregation, rules, hidden=hidden)
        system.complete()
    return hidden


def primary(cell: CubeCell, aggregation: Aggregation, rules: Rules) -> Reason | None:
    reason = exposed(cell.shares, aggregation, rules)
    if reason is not None:
        return reason
    total = cell.total
    assert total is not None
    if aggregation is not Aggregation.SUM and total.b == 0:
        return Reason.UNDEFINED
    return None


@dataclass(slots=True)
class Unknown:
    """Something a reader may not know: a hidden cell, a remainder or a change.

    A reader knows it whole when it can read every contribution to it; otherwise what it
    cannot read (`unread`, per audience and partner) must stay unknown when it would break
    the rules. No hidden cell may follow from what an audience reads; one partner's people,
    who know more, may find a cell hidden only to cover another, as long as what they learn
    of the others passes the rules.
    """

    kind: str  # "cell", "rest" or "change"
    release: int  # the (later) release it belongs to
    breakdown: Breakdown  # the cell; for a remainder, its total
    unread: dict[Level, dict[int, Share]]
    people: float = math.inf  # for a shown cell of this release: the size that hides least

    def unknown_to(self, audience: Level, own: int | None) -> bool:
        return bool(self.unread[audience].keys() - {own})

    def protected(self, audience: Level, own: int | None, system: System) -> bool:
        """Whether a reader of `audience` (with `own` partner's people) may not learn it."""
        if self.kind == "cell" and own is None:
            return True
        rest = {p: s for p, s in self.unread[audience].items() if p != own}
        floor = system.rules.left_after_one  # what is inferred, not published: as for SEEN_PARTS
        return unsafe(rest, system.aggregation, system.rules, floor) is not None


@dataclass
class System:
    """The additive relations of one period across its releases, and what they disclose."""

    period: date
    releases: list[Released]  # the last one is being decided
    aggregation: Aggregation
    rules: Rules
    hidden: dict[tuple[date, Breakdown], Reason]  # this release's, updated in place
    unknowns: list[Unknown] = field(default_factory=list)
    equations: list[dict[int, int]] = field(default_factory=list)  # unknown -> coefficient
    cell_index: dict[tuple[int, Breakdown], int] = field(default_factory=dict)
    # Cells of this release an earlier release showed, none of whose contributions changed
    # since: everyone knows them already, so hiding them covers nothing.
    known_anyway: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.current = len(self.releases) - 1
        for r, release in enumerate(self.releases):
            for b in sorted(release.cells, key=_cell_order):
                self._cell(r, b, release.cells[b].shares)
            links = relations([(self.period, b) for b in release.cells], release.parents)
            cube = {(self.period, b): cell for b, cell in release.cells.items()}
            for relation in links:
                rest = residual(relation, cube)
                usable = {h: s for h, s in rest.items() if s is not None}
                i = self._add("rest", r, relation.margin, usable, nonzero=True)
                equation = {self.cell_index[(r, relation.margin)]: 1, i: -1}
                for part in relation.parts:
                    equation[self.cell_index[(r, part)]] = -1
                self.equations.append(equation)
        for r in range(len(self.releases)):
            for j in range(r):
                before, after = self.releases[j].cells, self.releases[r].cells
                for b in sorted(before.keys() | after.keys(), key=_cell_order):
                    changed = change(before.get(b), after.get(b))
                    i = self._add("change", r, b, changed)
                    if (
                        r == self.current
                        and not self.unknowns[i].unread[Level.PUBLIC]
                        and b in before
                        and b in after
                        and b not in self.releases[j].hidden
                    ):
                        self.known_anyway.add(self.cell_index[(r, b)])
                    equation = {i: -1}
                    if (r, b) in self.cell_index:
                        equation[self.cell_index[(r, b)]] = 1
                    if (j, b) in self.cell_index:
                        equation[self.cell_index[(j, b)]] = -1
                    self.equations.append(equation)

    def _cell(self, r: int, b: Breakdown, shares: Shares) -> None:
        i = self._add("cell", r, b, shares)
        self.cell_index[(r, b)] = i
        if r == self.current:
            total = CubeCell(self.period, b, dict(shares)).total
            people = total.people if total is not None else None
            self.unknowns[i].people = math.inf if people is None else people

    def _add(
        self, kind: str, r: int, b: Breakdown, shares: Shares, *, nonzero: bool = False
    ) -> int:
        unread = _nonzero_unread(shares) if nonzero else _unread(shares)
        self.unknowns.append(Unknown(kind, r, b, unread))
        return len(self.unknowns) - 1

    def is_hidden(self, i: int) -> bool:
        u = self.unknowns[i]
        if u.kind != "cell":
            return True
        if u.release == self.current:
            return (self.period, u.breakdown) in self.hidden
        return u.breakdown in self.releases[u.release].hidden

    def disclosed(self, equations: list[dict[int, int]] | None = None) -> set[int]:
        """The protected unknowns that some reader can compute (from `equations`, by default
        every relation of every release of the period).

        Each audience alone, and joined by any one partner's people. A partner's knowledge
        changes what is unknown only where it is the sole partner unread (everywhere else the
        audience's own system serves, with what that partner would learn of the rest); and
        knowing more only ever determines more.
        """
        equations = self.equations if equations is None else equations
        found: set[int] = set()
        hidden = [i for i in range(len(self.unknowns)) if self.is_hidden(i)]
        for audience in AUDIENCES:
            knowers = self.rules.knowers(audience)
            columns = [i for i in hidden if self.unknowns[i].unknown_to(audience, None)]
            for i in linear.determined(equations, columns):
                u = self.unknowns[i]
                if u.protected(audience, None, self) or one_partner_singles_out_the_rest(
                    u.unread[audience], self.aggregation, self.rules, knowers
                ):
                    found.add(i)
            sole = {
                next(iter(self.unknowns[i].unread[audience]))
                for i in hidden
                if len(self.unknowns[i].unread[audience]) == 1
            }
            for own in sorted(p for p in sole if knowers is None or p in knowers):
                columns = [i for i in hidden if self.unknowns[i].unknown_to(audience, own)]
                found.update(
                    i
                    for i in linear.determined(equations, columns)
                    if self.unknowns[i].protected(audience, own, self)
                )
        return found

    def complete(self) -> None:
        """Hide more cells of this release until nothing protected follows from the rest.

        A cell hidden for what this release would give away on its own is COMPLEMENTARY; one
        hidden for what it would give away beside an earlier release is REVISION.
        """
        alone = [e for e in self.equations if all(self._in_this_release(i) for i in e)]
        while found := self.disclosed():
            i = min(found)
            extra = self.cover(i)
            if extra is None:
                return  # nothing of this release left to hide around it
            on_its_own = self._in_this_release(i) and i in self.disclosed(alone)
            reason = Reason.COMPLEMENTARY if on_its_own else Reason.REVISION
            self.hidden[(self.period, self.unknowns[extra].breakdown)] = reason

    def _in_this_release(self, i: int) -> bool:
        u = self.unknowns[i]
        return u.kind != "change" and u.release == self.current

    def _size_order(self, i: int) -> tuple[float, int, str]:
        return (self.unknowns[i].people, *_cell_order(self.unknowns[i].breakdown))

    def cover(self, disclosed: int) -> int | None:
        """The shown cell of this release to hide next: the smallest of those nearest the
        disclosed unknown through the relations."""
        reached = {disclosed}
        frontier = {disclosed}
        while frontier:
            linked = [e for e in self.equations if frontier & e.keys()]
            candidates = {
                i
                for e in linked
                for i in e
                if self.unknowns[i].kind == "cell"
                and self.unknowns[i].release == self.current
                and not self.is_hidden(i)
                and i not in self.known_anyway
            }
            if candidates:
                return min(candidates, key=self._size_order)
            frontier = {i for e in linked for i in e} - reached
            reached |= frontier
        return None


def _unread(shares: Shares) -> dict[Level, dict[int, Share]]:
    """Per audience, each partner's share that it cannot read."""
    return {audience: by_partner(shares, unread_by=audience) for audience in AUDIENCES}


def _nonzero_unread(shares: Shares) -> dict[Level, dict[int, Share]]:
    """Per audience, each partner's share that it cannot read, when not zero."""
    return {
        audience: {p: s for p, s in unread.items() if s is None or not s.is_zero}
        for audience, unread in _unread(shares).items()
    }


def _cell_order(breakdown: Breakdown) -> tuple[int, str]:
    return (len(breakdown), text_of(breakdown))


def _order(key: tuple[date, Breakdown]) -> tuple[date, int, str]:
    return (key[0], *_cell_order(key[1]))


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
    partners = len({partner for partner, _, _ in cell.shares})
    return Cell(
        period=cell.period,
        breakdown=cell.breakdown,
        value=value,
        partners=partners if rules.partner_rules else None,
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
