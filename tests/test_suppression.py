"""Suppression of aggregate cells: hand-computed cubes, and properties over random ones.

The property tests check the promise with their own arithmetic, independent of the code
under test: from the published cells, no hidden cell and no partner's unsplit remainder
can be computed exactly by any combination of the additive relations between cells.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.analytics import linear
from services.analytics.cube import Contribution, Level, rolled_up
from services.analytics.suppression import (
    Cell,
    Reason,
    Rules,
    infer_scale,
    publishable_cells,
)
from services.measures.models import Aggregation

Q1 = date(2025, 1, 1)
Q2 = date(2025, 4, 1)
RULES = Rules()  # 3 partners, 11 people, 80% dominance


def rate(partner: int, numerator: float, denominator: float, period: date = Q1, **cell: str):
    return Contribution(
        partner, period, tuple(sorted(cell.items())), numerator=numerator, denominator=denominator
    )


def count(partner: int, value: float, period: date = Q1, **cell: str):
    return Contribution(partner, period, tuple(sorted(cell.items())), value=value, n=value)


def by_cell(cells: list[Cell]) -> dict[tuple[date, tuple], Cell]:
    return {(c.period, c.breakdown): c for c in cells}


def total(cells: list[Cell], period: date = Q1) -> Cell:
    return by_cell(cells)[(period, ())]


def cell(cells: list[Cell], period: date = Q1, **breakdown: str) -> Cell:
    return by_cell(cells)[(period, tuple(sorted(breakdown.items())))]


# -- the arithmetic of each aggregation ------------------------------------------------------


def test_a_rate_is_the_sum_of_numerators_over_the_sum_of_denominators() -> None:
    # (30 + 20 + 45) / (100 + 80 + 150) = 95 / 330 = 28.7878...%
    cells = publishable_cells(
        [rate(1, 30, 100), rate(2, 20, 80), rate(3, 45, 150)], Aggregation.RATE, RULES, scale=100
    )
    (only,) = cells
    assert only.value == pytest.approx(100 * 95 / 330)
    assert (only.partners, only.n, only.reason, only.unstable) == (3, 330, None, False)


def test_counts_add_up() -> None:
    cells = publishable_cells([count(1, 40), count(2, 25), count(3, 12)], Aggregation.SUM, RULES)
    assert total(cells).value == 77
    assert total(cells).n == 77


def test_a_mean_is_weighted_by_the_people_counted() -> None:
    # (10 x 20 + 20 x 30 + 30 x 50) / (20 + 30 + 50) = 2300 / 100 = 23
    rows = [
        Contribution(p, Q1, value=v, n=n) for p, v, n in [(1, 10, 20), (2, 20, 30), (3, 30, 50)]
    ]
    assert total(publishable_cells(rows, Aggregation.MEAN, RULES)).value == pytest.approx(23)


def test_one_partners_two_measures_count_as_one_partner() -> None:
    rows = [rate(1, 10, 50), rate(1, 10, 50), rate(2, 20, 100)]
    assert total(publishable_cells(rows, Aggregation.RATE, RULES)).reason is (
        Reason.TOO_FEW_PARTNERS
    )


# -- primary suppression ---------------------------------------------------------------------


def test_fewer_than_three_partners_hide_the_cell_and_say_so() -> None:
    hidden = total(publishable_cells([rate(1, 30, 100), rate(2, 20, 80)], Aggregation.RATE, RULES))
    assert (hidden.value, hidden.n, hidden.partners) == (None, None, None)
    assert hidden.reason is Reason.TOO_FEW_PARTNERS


@pytest.mark.parametrize(("people", "shown"), [(0, True), (1, False), (10, False), (11, True)])
def test_cells_of_one_to_ten_people_are_hidden_but_zero_is_shown(people: int, shown: bool) -> None:
    # one source (an indicator's own data), so that only the size of the cell decides
    rows = [count(1, people)]
    result = total(publishable_cells(rows, Aggregation.SUM, Rules(partner_rules=False)))
    assert (result.reason is None) is shown
    if not shown:
        assert result.reason is Reason.SMALL_CELL


def test_a_partner_taking_its_own_people_away_must_not_leave_a_small_cell() -> None:
    # 3 + 3 + 5 = 11 people: partner 3's people would learn that 1 and 2 hold only 6
    rows = [count(1, 3), count(2, 3), count(3, 5)]
    result = total(publishable_cells(rows, Aggregation.SUM, Rules(max_dominance_share=1)))
    assert result.reason is Reason.SEEN_PARTS
    rows = [count(1, 6), count(2, 6), count(3, 5)]  # whoever leaves, 11 or more stay
    assert total(publishable_cells(rows, Aggregation.SUM, Rules(max_dominance_share=1))).value


PRIVATE, MEMBERS, PUBLIC = Level.OWNER, Level.MEMBERS, Level.PUBLIC


def known(row: Contribution, level: Level, measure: int = 0) -> Contribution:
    return replace(row, known=level, measure=measure)


@pytest.mark.parametrize(
    ("levels", "reason"),
    [
        ((PRIVATE, PRIVATE, PRIVATE), None),  # nobody reads anyone's value
        ((PRIVATE, PRIVATE, PUBLIC), Reason.SEEN_PARTS),  # the public is left with 1 and 2
        ((PRIVATE, PUBLIC, PUBLIC), Reason.SEEN_PARTS),  # the total minus 2 and 3 is partner 1
        ((PRIVATE, MEMBERS, PUBLIC), Reason.SEEN_PARTS),  # members are left with partner 1
        ((PUBLIC, PUBLIC, PUBLIC), None),  # everyone reads everything anyway
        ((MEMBERS, MEMBERS, MEMBERS), None),
    ],
)
def test_what_any_reader_already_reads_must_not_single_out_the_rest(levels, reason) -> None:
    rows = [rate(1, 30, 100), rate(2, 20, 80), rate(3, 45, 150)]
    rows = [known(r, level) for r, level in zip(rows, levels, strict=True)]
    assert total(publishable_cells(rows, Aggregation.RATE, RULES)).reason is reason


def test_knowledge_is_counted_per_contribution_not_per_partner() -> None:
    # Partner 1 feeds the cell from a public measure and a private one. Counted per partner it
    # would be "unknown", and its public part cover for partner 3: but anyone can subtract
    # the public parts of 1 and 2 and be left with 1's private part and 3's.
    rows = [
        known(count(1, 40), PUBLIC, measure=1),
        known(count(1, 30), PRIVATE, measure=2),
        known(count(2, 50), PUBLIC),
        known(count(3, 35), PRIVATE),
    ]
    assert total(publishable_cells(rows, Aggregation.SUM, RULES)).reason is Reason.SEEN_PARTS
    rows.append(known(count(4, 45), PRIVATE))  # three private parts stay behind each other
    assert total(publishable_cells(rows, Aggregation.SUM, RULES)).value == 200


def test_a_partner_holding_most_events_of_a_rate_dominates_it() -> None:
    # denominators are even (100 each) but partner 1 holds 90 of 100 events
    rows = [rate(1, 90, 100), rate(2, 5, 100), rate(3, 5, 100)]
    assert total(publishable_cells(rows, Aggregation.RATE, RULES)).reason is Reason.DOMINANCE


def test_a_count_reported_with_n_zero_is_still_a_count_of_people() -> None:
    rows = [Contribution(p, Q1, value=3.0, n=0) for p in (1, 2, 3)]
    counted = publishable_cells(rows, Aggregation.SUM, RULES, counts_people=True)
    assert total(counted).reason is Reason.SMALL_CELL


def test_a_dominant_partner_hides_the_cell() -> None:
    # 1000 of 1100 denominators (91%) come from partner 1
    rows = [rate(1, 900, 1000), rate(2, 5, 50), rate(3, 5, 50)]
    assert total(publishable_cells(rows, Aggregation.RATE, RULES)).reason is Reason.DOMINANCE


def test_a_value_suppressed_at_its_source_hides_every_cell_it_is_part_of() -> None:
    rows = [rate(1, 30, 100), rate(2, 20, 80), rate(3, 45, 150)]
    rows.append(Contribution(4, Q1, suppressed_at_source=True))
    assert total(publishable_cells(rows, Aggregation.RATE, RULES)).reason is (
        Reason.SUPPRESSED_AT_SOURCE
    )


def test_a_rate_without_numerator_and_denominator_cannot_be_added() -> None:
    rows = [rate(1, 30, 100), rate(2, 20, 80), Contribution(3, Q1, value=30.0, n=150)]
    assert total(publishable_cells(rows, Aggregation.RATE, RULES)).reason is (
        Reason.SUPPRESSED_AT_SOURCE
    )


def test_unknown_sizes_are_not_guessed() -> None:
    rows = [Contribution(p, Q1, value=6.0) for p in (1, 2, 3)]  # amounts, not people
    assert total(publishable_cells(rows, Aggregation.SUM, RULES)).reason is Reason.UNKNOWN_SIZE
    counted = publishable_cells(rows, Aggregation.SUM, RULES, counts_people=True)
    assert total(counted).value == 18


def test_few_events_make_a_shown_rate_unstable() -> None:
    # 20 events of 300 people: shown, flagged; 21 events: reliable
    for events, unstable in ((20, True), (21, False)):
        rows = [rate(1, 7, 100), rate(2, 7, 100), rate(3, events - 14, 100)]
        assert total(publishable_cells(rows, Aggregation.RATE, RULES)).unstable is unstable


# -- complementary suppression -----------------------------------------------------------------


def three_partners_by_race(small: int = 6) -> list[Contribution]:
    """Three partners; each reports a total and race cells that add up to it."""
    rows = []
    for p, (a, b) in enumerate([(40, 30), (50, 20), (30, 25)], start=1):
        c = small if p == 1 else 0
        rows += [
            count(p, a + b + c),
            count(p, a, race="asian"),
            count(p, b, race="black"),
            count(p, c, race="white"),
        ]
    return rows


def test_a_hidden_part_takes_the_smallest_other_part_with_it() -> None:
    cells = publishable_cells(three_partners_by_race(), Aggregation.SUM, RULES)
    # white: 6 people -> small; black (75) is the smallest part left, asian (120), total 201
    assert cell(cells, race="white").reason is Reason.SMALL_CELL
    assert cell(cells, race="black").reason is Reason.COMPLEMENTARY
    assert cell(cells, race="asian").value == 120
    assert total(cells).value == 201


def test_nothing_is_hidden_when_nothing_needs_to_be() -> None:
    cells = publishable_cells(three_partners_by_race(small=0), Aggregation.SUM, RULES)
    assert all(c.reason is None for c in cells)
    assert cell(cells, race="white").value == 0


def test_a_partner_left_out_of_a_breakdown_is_not_revealed_by_subtraction() -> None:
    # Partner 4 reports only its total: total - (sum of race cells) would be its value alone.
    rows = [*three_partners_by_race(small=0), count(4, 500)]
    cells = publishable_cells(rows, Aggregation.SUM, RULES)
    shown_parts = [c for c in cells if c.breakdown and c.reason is None]
    assert total(cells).reason is None  # 4 partners, partner 4 has 500/701 = 71%
    assert len(shown_parts) < 3
    assert sum(c.reason is Reason.COMPLEMENTARY for c in cells) == 1


def test_a_part_suppressed_at_its_source_is_not_recovered_by_subtraction() -> None:
    rows = [r for r in three_partners_by_race(small=0) if r.breakdown != (("race", "white"),)]
    rows += [
        Contribution(1, Q1, (("race", "white"),), suppressed_at_source=True),
        count(2, 0, race="white"),
        count(3, 0, race="white"),
    ]
    cells = publishable_cells(rows, Aggregation.SUM, RULES)
    assert cell(cells, race="white").reason is Reason.SUPPRESSED_AT_SOURCE
    assert cell(cells, race="black").reason is Reason.COMPLEMENTARY


def test_suppression_does_not_depend_on_other_periods_or_the_order_of_rows() -> None:
    q1 = three_partners_by_race()
    q2 = [count(p, 100, Q2) for p in (1, 2, 3)]
    alone = by_cell(publishable_cells(q1, Aggregation.SUM, RULES))
    together = by_cell(publishable_cells(list(reversed(q1 + q2)), Aggregation.SUM, RULES))
    assert {k: v for k, v in together.items() if k[0] == Q1} == alone


def test_a_total_shared_with_one_hidden_part_across_two_dimensions_is_protected() -> None:
    """The 'bridge': every line has two hidden cells, yet one of them is still disclosed
    unless more is hidden. The linear check finds it; counting per line would not."""
    rows = []
    grid = {  # (race, place) -> people per partner; small ones are 2 x 3 = 6 people
        ("a", "n"): 2, ("a", "s"): 2, ("a", "e"): 2,
        ("b", "n"): 2, ("b", "s"): 2, ("b", "e"): 30,
        ("c", "n"): 30, ("c", "s"): 30, ("c", "e"): 2,
        ("d", "n"): 30, ("d", "s"): 30, ("d", "e"): 2,
    }  # fmt: skip
    for p in (1, 2, 3):
        for (race, place), k in grid.items():
            rows.append(count(p, k, race=race, place=place))
        for race in "abcd":
            rows.append(count(p, sum(v for (r, _), v in grid.items() if r == race), race=race))
        for place in "nse":
            rows.append(count(p, sum(v for (_, q), v in grid.items() if q == place), place=place))
        rows.append(count(p, sum(grid.values())))
    cells = publishable_cells(rows, Aggregation.SUM, RULES)
    assert_nothing_hidden_is_disclosed(rows, cells, dimensions={"race": "abcd", "place": "nse"})


# -- roll-ups ----------------------------------------------------------------------------------


PARENTS = {
    ("race_detail", "mexican"): ("race", "latino"),
    ("race_detail", "cuban"): ("race", "latino"),
}


def test_detailed_categories_roll_up_to_the_broader_cell() -> None:
    rows = []
    for p in (1, 2, 3):
        rows += [count(p, 20, race_detail="mexican"), count(p, 15, race_detail="cuban")]
    cells = publishable_cells(rows, Aggregation.SUM, RULES, parents=PARENTS)
    assert cell(cells, race="latino").value == 105


def test_a_partners_own_broad_cell_wins_over_its_detailed_ones() -> None:
    rows = [count(p, 35, race="latino") for p in (1, 2, 3)]
    rows += [count(1, 20, race_detail="mexican"), count(1, 15, race_detail="cuban")]
    cells = publishable_cells(rows, Aggregation.SUM, RULES, parents=PARENTS)
    assert cell(cells, race="latino").value == 105  # not 140


def test_rolling_up_leaves_what_does_not_roll_up() -> None:
    assert rolled_up((("gender", "f"), ("race_detail", "cuban")), PARENTS) == (
        ("gender", "f"),
        ("race", "latino"),
    )
    assert rolled_up((("gender", "f"),), PARENTS) is None


def test_the_scale_of_a_rate_is_read_from_the_reports() -> None:
    per_thousand = [Contribution(1, Q1, value=12.5, numerator=25, denominator=2000)]
    assert infer_scale(per_thousand) == 1000
    assert infer_scale([]) == 1
    # a report whose signs disagree (a net loss reported as a positive rate) is read by size
    signs_disagree = [Contribution(1, Q1, value=12.5, numerator=-25, denominator=2000)]
    assert infer_scale(signs_disagree) == 1000


# -- properties: nothing hidden can be computed from what is shown ------------------------------


def rank(rows: list[list[Fraction]]) -> int:
    """Plain dense Gaussian elimination (deliberately not the code under test)."""
    matrix = [row[:] for row in rows if any(row)]
    r = 0
    width = len(matrix[0]) if matrix else 0
    for c in range(width):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        for i in range(len(matrix)):
            if i != r and matrix[i][c] != 0:
                f = matrix[i][c] / matrix[r][c]
                matrix[i] = [x - f * y for x, y in zip(matrix[i], matrix[r], strict=True)]
        r += 1
    return r


def assert_nothing_hidden_is_disclosed(
    rows: list[Contribution], cells: list[Cell], dimensions: dict[str, str]
) -> None:
    """Build the relations of a full grid from scratch and check each unknown is free.

    Unknowns: hidden cells, and each relation's remainder (total minus its parts) when it is
    not zero. Protected: hidden cells, and remainders that belong to fewer than 3 partners,
    hold 1-10 people or are dominated by one partner. An unknown is determined exactly when
    removing its column lowers the rank of the system.
    """
    shown = {(c.period, c.breakdown) for c in cells if c.reason is None}
    keys = {(c.period, c.breakdown) for c in cells}
    equations: list[tuple[tuple, list[tuple]]] = []
    names = sorted(dimensions)
    for period in {k[0] for k in keys}:
        for fixed in product(*[[None, *dimensions[d]] for d in names]):
            base = {d: v for d, v in zip(names, fixed, strict=True) if v is not None}
            for d in names:
                if d in base:
                    continue
                margin = (period, tuple(sorted(base.items())))
                parts = [(period, tuple(sorted({**base, d: v}.items()))) for v in dimensions[d]]
                if margin in keys and all(p in keys for p in parts):
                    equations.append((margin, parts))
    unknowns: list = sorted(k for k in keys if k not in shown)
    protected = set(unknowns)
    matrix_rows = []
    for index, (margin, parts) in enumerate(equations):
        holders = _remainder(rows, margin, parts)
        if holders:  # a reader does not know what a total holds beyond its parts
            unknowns.append(("rest", index))
            if _is_sensitive(holders):
                protected.add(("rest", index))
        matrix_rows.append((index, margin, parts, bool(holders)))
    column = {u: i for i, u in enumerate(unknowns)}
    matrix = []
    for index, margin, parts, has_rest in matrix_rows:
        row = [Fraction(0)] * len(unknowns)
        if margin in column:
            row[column[margin]] += 1
        for p in parts:
            if p in column:
                row[column[p]] -= 1
        if has_rest:
            row[column[("rest", index)]] -= 1
        matrix.append(row)
    if not unknowns or not matrix:
        return
    full = rank(matrix)
    for u in protected:
        i = column[u]
        without = [r[:i] + r[i + 1 :] for r in matrix]
        assert rank(without) == full, f"{u} can be computed from the published cells"


def _remainder(rows: list[Contribution], margin: tuple, parts: list[tuple]) -> dict[int, float]:
    """Per partner, its total minus its parts (nonzero ones only)."""
    period, breakdown = margin
    rest: dict[int, float] = {}
    for r in rows:
        if r.period != period or r.value is None:
            continue
        if r.breakdown == breakdown:
            rest[r.contributor] = rest.get(r.contributor, 0) + r.value
        elif (r.period, r.breakdown) in parts:
            rest[r.contributor] = rest.get(r.contributor, 0) - r.value
    return {p: v for p, v in rest.items() if abs(v) > 1e-9}


def _is_sensitive(holders: dict[int, float]) -> bool:
    people = abs(sum(holders.values()))
    return len(holders) < 3 or 0 < people < 11 or _dominant(holders)


def _dominant(holders: dict[int, float]) -> bool:
    weights = [abs(v) for v in holders.values()]
    return max(weights) / sum(weights) > 0.8


@st.composite
def grids(draw: st.DrawFn) -> tuple[list[Contribution], dict[str, str]]:
    """Random two-way tables from 1 to 5 partners; some partners skip a breakdown."""
    dimensions = {"race": "abc"[: draw(st.integers(2, 3))], "place": "xy"}
    partners = draw(st.integers(1, 5))
    rows = []
    for p in range(1, partners + 1):
        grid = {
            (r, q): draw(st.integers(0, 25))
            for r, q in product(dimensions["race"], dimensions["place"])
        }
        reports = draw(st.sampled_from(["all", "margins", "total"]))
        rows.append(count(p, sum(grid.values())))
        if reports == "total":
            continue
        for race in dimensions["race"]:
            rows.append(count(p, sum(v for (r, _), v in grid.items() if r == race), race=race))
        for place in dimensions["place"]:
            rows.append(count(p, sum(v for (_, q), v in grid.items() if q == place), place=place))
        if reports == "all":
            rows += [count(p, v, race=r, place=q) for (r, q), v in grid.items()]
    return rows, dimensions


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids())
def test_no_hidden_cell_or_partner_remainder_can_be_computed(grid) -> None:
    rows, dimensions = grid
    cells = publishable_cells(rows, Aggregation.SUM, RULES)
    assert all(c.reason is not None or c.value is not None for c in cells)
    assert all(c.reason is None or (c.value is None and c.n is None) for c in cells)
    assert_nothing_hidden_is_disclosed(rows, cells, dimensions)


@settings(max_examples=60, deadline=None)
@given(grids(), st.randoms(use_true_random=False))
def test_the_decision_for_a_cell_never_depends_on_the_order_of_reports(grid, rng) -> None:
    rows, _ = grid
    shuffled = rows[:]
    rng.shuffle(shuffled)
    assert publishable_cells(rows, Aggregation.SUM, RULES) == publishable_cells(
        shuffled, Aggregation.SUM, RULES
    )


def test_linear_determination_finds_a_unit_row_only() -> None:
    # x + y = known, y = known  -> x and y determined; z + w = known -> neither
    equations = [{"x": 1, "y": 1}, {"y": 1}, {"z": 1, "w": -1}]
    assert linear.determined(equations, ["x", "y", "z", "w"]) == ["x", "y"]
