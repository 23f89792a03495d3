"""Random histories of a small collaborative's shared measure, and the attacker who reads them.

A history is what owners and the backbone do over time: report values, correct them,
withdraw and give consent, change a measure's visibility, and release the period, again
and again. `World` plays a history by the rules the database follows (a value released
while private stays private, see migrations/sql/0013_releases.sql), and `Attacker` holds
every answer an audience could have read over the whole history, plus what it may read
directly, and asks whether any private single-partner value follows by linear algebra.

Shared by the pure specification's test and the database's, so both face the same attacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from services.analytics.cube import Breakdown, Contribution, Level, build_cube
from services.analytics.rules import Rules
from services.analytics.suppression import Cell, Released, decide, publishable_cells
from services.measures.models import Aggregation

PERIOD = date(2025, 1, 1)
LEVELS = (Level.OWNER, Level.MEMBERS, Level.PUBLIC)
MOSTLY_PRIVATE = (Level.OWNER, Level.OWNER, Level.OWNER, Level.MEMBERS, Level.PUBLIC)


@dataclass(frozen=True)
class Step:
    """One thing that happens: `kind` is report, consent, visibility or release."""

    kind: str
    measure: int = 0
    breakdown: Breakdown = ()
    value: int = 0
    level: Level = Level.OWNER
    on: bool = True


@dataclass(frozen=True)
class MeasureDesign:
    partner: int
    level: Level
    consent: bool


@dataclass(frozen=True)
class History:
    rules: tuple[int, int, float]  # min partners, min cell, max dominance share
    categories: tuple[str, ...]
    measures: tuple[MeasureDesign, ...]
    steps: tuple[Step, ...]
    rolls_up: bool = False  # c0 and c1 roll up to the broad category g=lo
    funders: frozenset[int] = frozenset()  # partners whose people read as the public does

    @property
    def parents(self) -> dict[tuple[str, str], tuple[str, str]]:
        if not self.rolls_up:
            return {}
        return {("d", "c0"): ("g", "lo"), ("d", "c1"): ("g", "lo")}

    @property
    def partners(self) -> list[int]:
        return sorted({m.partner for m in self.measures})


@dataclass
class Version:
    """One reported value of one measure's cell: a correction makes a new version."""

    id: int
    measure: int
    breakdown: Breakdown
    value: int
    widest: Level  # the widest audience that ever could read it
    cap: Level | None = None  # set when released: it may never be read more widely


@dataclass
class Answer:
    """A shown cell of a release: its value, and which versions it adds up."""

    release: int
    breakdown: Breakdown
    value: float
    versions: dict[int, int]  # version id -> coefficient


@dataclass
class World:
    history: History
    levels: dict[int, Level] = field(default_factory=dict)  # measure -> its visibility now
    consents: dict[int, bool] = field(default_factory=dict)
    current: dict[tuple[int, Breakdown], Version] = field(default_factory=dict)
    versions: list[Version] = field(default_factory=list)
    releases: list[Released] = field(default_factory=list)
    cells: list[list[Cell]] = field(default_factory=list)  # per release
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        for m, design in enumerate(self.history.measures):
            self.levels[m] = design.level
            self.consents[m] = design.consent

    @property
    def rules(self) -> Rules:
        min_partners, min_cell, dominance = self.history.rules
        return Rules(min_partners, min_cell, dominance, funders=self.history.funders)

    def partner_of(self, measure: int) -> int:
        return self.history.measures[measure].partner

    def play(self) -> World:
        for step in self.history.steps:
            getattr(self, step.kind)(step)
        return self

    def report(self, step: Step) -> None:
        """A value, or a correction of the cell's current one."""
        version = Version(
            len(self.versions), step.measure, step.breakdown, step.value, self.levels[step.measure]
        )
        self.versions.append(version)
        self.current[(step.measure, step.breakdown)] = version

    def consent(self, step: Step) -> None:
        self.consents[step.measure] = step.on

    def visibility(self, step: Step) -> None:
        self.levels[step.measure] = step.level
        for v in self.versions:
            if v.measure == step.measure:
                seen = step.level if v.cap is None else min(step.level, v.cap)
                v.widest = max(v.widest, seen)

    def included(self) -> list[Version]:
        return [v for (m, _), v in sorted(self.current.items()) if self.consents[m]]

    def contributions(self) -> list[Contribution]:
        return [
            Contribution(
                self.partner_of(v.measure),
                PERIOD,
                v.breakdown,
                value=float(v.value),
                n=float(v.value),
                measure=v.measure,
                known=v.widest,
                version=v.id,
            )
            for v in self.included()
        ]

    def release(self, step: Step) -> None:
        rows = self.contributions()
        history = {PERIOD: self.releases}
        parents = self.history.parents
        cube = build_cube(rows, Aggregation.SUM, counts_people=True, parents=parents)
        hidden = decide(cube, Aggregation.SUM, self.rules, history=history, parents=parents)
        published = publishable_cells(
            rows,
            Aggregation.SUM,
            self.rules,
            counts_people=True,
            history=history,
            parents=parents,
        )
        assert {(c.period, c.breakdown): c.reason for c in published if c.reason} == hidden
        self.cells.append(published)
        self.record(cube, hidden)

    def record(self, cube: Any, hidden: dict[tuple[date, Breakdown], Any]) -> None:
        """Keep what a release published, and freeze who may read what it counted."""
        number = len(self.releases)
        self.releases.append(
            Released(
                cells={b: c for (_, b), c in cube.items()},
                hidden=frozenset(b for (_, b) in hidden),
                parents=self.history.parents,
            )
        )
        for v in self.included():
            v.cap = v.widest
        for (_, b), c in sorted(cube.items()):
            if (PERIOD, b) in hidden:
                continue
            total = c.total
            assert total is not None
            versions = {vid: 1 for sources in c.sources.values() for vid in sources}
            self.answers.append(Answer(number, b, total.a, versions))


@dataclass(frozen=True)
class Audience:
    level: Level
    own: int | None = None  # a partner whose people read its own values too

    def reads(self, world: World, version: Version) -> bool:
        return version.widest >= self.level or world.partner_of(version.measure) == self.own


def audiences(world: World) -> list[Audience]:
    """Who reads aggregates: funders (as the public does), members, and either joined by
    their own partner's people (a funder's people read as the public, others as members)."""
    result = [Audience(Level.PUBLIC), Audience(Level.MEMBERS)]
    if world.history.rules[0] >= 3:  # with 2, each of two partners finds the other by design
        result += [Audience(Level.MEMBERS, p) for p in world.history.partners]
        result += [Audience(Level.PUBLIC, p) for p in sorted(world.history.funders)]
    return result


def disclosures(world: World, audience: Audience) -> list[str]:
    """Every private single-partner value the audience can compute, described."""
    unknown = [v.id for v in world.versions if not audience.reads(world, v)]
    owners = {v.id: world.partner_of(v.measure) for v in world.versions}
    answers = [(f"{a.breakdown} in release {a.release}", a.versions) for a in world.answers]
    return solved(unknown, owners, answers)


Versions = dict[Any, int]  # a version (of any id type) -> its coefficient in an answer


def solved(
    unknown: Sequence[Any], owners: dict[Any, Any], answers: Sequence[tuple[str, Versions]]
) -> list[str]:
    """Which unknown versions, or which partner's share of an answered cell, follow from the
    answers (each the sum of its versions) once every other version is known."""
    column = {vid: i for i, vid in enumerate(unknown)}
    rows = [
        {column[vid]: Fraction(c) for vid, c in versions.items() if vid in column}
        for _, versions in answers
    ]
    basis = _reduced([r for r in rows if r])
    found = [
        f"version {vid} of partner {owners[vid]}"
        for vid in unknown
        if _in_span({column[vid]: Fraction(1)}, basis)
    ]
    for label, versions in answers:
        for partner in sorted(set(owners.values()), key=str):
            share = {
                column[vid]: Fraction(c)
                for vid, c in versions.items()
                if vid in column and owners[vid] == partner
            }
            if share and _in_span(share, basis):
                found.append(f"partner {partner}'s share of {label}")
    return found


def _reduced(rows: Iterable[dict[int, Fraction]]) -> list[tuple[int, dict[int, Fraction]]]:
    """A reduced row echelon basis of the rows' span: (pivot column, row) pairs."""
    basis: list[tuple[int, dict[int, Fraction]]] = []
    for row in rows:
        row = _eliminated(dict(row), basis)
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {c: v / scale for c, v in row.items()}
        basis = [(p, _eliminated(r, [(pivot, row)])) for p, r in basis]
        basis.append((pivot, row))
    return basis


def _eliminated(
    row: dict[int, Fraction], basis: Sequence[tuple[int, dict[int, Fraction]]]
) -> dict[int, Fraction]:
    for pivot, b in basis:
        factor = row.get(pivot)
        if factor:
            for c, v in b.items():
                updated = row.get(c, Fraction(0)) - factor * v
                if updated:
                    row[c] = updated
                else:
                    row.pop(c, None)
    return row


def _in_span(target: dict[int, Fraction], basis: Sequence[tuple[int, dict[int, Fraction]]]) -> bool:
    return not _eliminated(dict(target), basis)


# -- random histories ----------------------------------------------------------------------------


@st.composite
def histories(draw: Any, *, max_steps: int = 14) -> History:
    """A small collaborative: 3 to 6 partners, some with two measures of different
    visibility, one dimension, and a history of reports, corrections, consent and
    visibility changes among two to four releases of one period."""
    partners = draw(st.integers(3, 7))
    measures = []
    for p in range(partners):
        for _ in range(draw(st.integers(1, 2))):
            measures.append(
                MeasureDesign(p, draw(st.sampled_from(MOSTLY_PRIVATE)), draw(st.integers(0, 5)) > 0)
            )
    categories = tuple(f"c{i}" for i in range(draw(st.integers(2, 3))))
    rolls_up = draw(st.integers(0, 3)) == 0
    cells: list[Breakdown] = [(), *((("d", c),) for c in categories)]
    if rolls_up:
        cells.append((("g", "lo"),))  # some measures report the broad category themselves
    steps = []
    for m in range(len(measures)):  # most measures report before the first release
        if draw(st.integers(0, 4)):
            steps += _reports(draw, m, cells)
    steps.append(Step("release"))
    for _ in range(draw(st.integers(1, max_steps))):
        kind = draw(st.sampled_from(["report", "report", "consent", "visibility", "release"]))
        m = draw(st.integers(0, len(measures) - 1))
        if kind == "report":
            steps += _reports(draw, m, cells, some=True)
        elif kind == "consent":
            steps.append(Step("consent", m, on=draw(st.booleans())))
        elif kind == "visibility":
            steps.append(Step("visibility", m, level=draw(st.sampled_from(LEVELS))))
        else:
            steps.append(Step("release"))
    steps.append(Step("release"))
    return History(
        rules=(draw(st.sampled_from([2, 3, 3])), draw(st.sampled_from([1, 5, 11])), 0.9),
        categories=categories,
        measures=tuple(measures),
        steps=tuple(steps),
        rolls_up=rolls_up,
        funders=frozenset(p for p in range(partners) if draw(st.integers(0, 4)) == 0),
    )


def _reports(draw: Any, measure: int, cells: list[Breakdown], *, some: bool = False) -> list[Step]:
    """A measure's reports: its parts, and a total that mostly adds them up (what a reader
    cannot tell from a total that holds more than its parts)."""
    parts = [b for b in cells[1:] if draw(st.integers(0, 3 if some else 1)) == 0 or not some]
    parts = [b for b in parts if some or draw(st.integers(0, 3))]
    values = {b: draw(st.integers(0, 40)) for b in parts}
    steps = [Step("report", measure, b, value=v) for b, v in values.items()]
    if not some or draw(st.booleans()):
        dimension = {b: v for b, v in values.items() if b[0][0] == "d"}
        consistent = dimension and draw(st.integers(0, 2))
        total = sum(dimension.values()) if consistent else draw(st.integers(0, 80))
        steps.append(Step("report", measure, (), value=total))
    return steps
