"""Disparities between groups, in adverse terms as Healthy People 2030 measures them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.analytics.disparity import (
    Disparities,
    GroupDisparity,
    GroupValue,
    Reference,
    disparities,
    gap_narrowed,
    progress_toward_target,
    target_met,
)
from services.measures.units import Direction, Unit

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


def groups(**values: float | None) -> list[GroupValue]:
    return [GroupValue(key, value) for key, value in values.items()]


def by_key(result: Disparities) -> dict[str, GroupDisparity]:
    return {g.key: g for g in result.groups}


def ratios(result: Disparities) -> dict[str, float | None]:
    return {g.key: g.rate_ratio for g in result.groups}


def differences(result: Disparities) -> dict[str, float | None]:
    return {g.key: g.rate_difference for g in result.groups}


# known answers, one per way of comparing


def test_lower_is_better_rates_are_compared_against_the_best_group_as_they_are() -> None:
    # given deaths per 1,000: a 4, b 8, c 10, d suppressed; the best group is a (lowest)
    result = disparities(
        groups(a=4, b=8, c=10, d=None), direction=LOWER, unit=Unit.RATE, reference=Reference.BEST
    )

    assert (result.reference_key, result.reference_value) == ("a", 4)
    # ratios 4/4, 8/4, 10/4; differences 4-4, 8-4, 10-4
    assert ratios(result) == {"a": 1.0, "b": 2.0, "c": 2.5, "d": None}
    assert differences(result) == {"a": 0.0, "b": 4.0, "c": 6.0, "d": None}
    assert [g.is_reference for g in result.groups] == [True, False, False, False]
    assert result.max_rate_difference == 6.0  # worst 10 - best 4
    assert result.max_rate_ratio == 2.5  # 10 / 4
    assert result.summary_rate_ratio == pytest.approx(2.25)  # (2 + 2.5) / 2
    # ((|8-4| + |10-4|) / 2) / 4 * 100 = 125, which is (2.25 - 1) * 100
    assert result.index_of_disparity == pytest.approx(125.0)
    assert "the best group ('a', 4)" in result.method


def test_higher_is_better_percentages_are_compared_as_adverse_percentages() -> None:
    # given % vaccinated: a 90, b 80, c 60; not vaccinated: 10, 20, 40; the best group is a
    result = disparities(
        groups(a=90, b=80, c=60), direction=HIGHER, unit=Unit.PERCENT, reference=Reference.BEST
    )

    assert (result.reference_key, result.reference_value) == ("a", 90)
    # ratios 10/10, 20/10, 40/10; differences 10-10, 20-10, 40-10
    assert ratios(result) == {"a": 1.0, "b": 2.0, "c": 4.0}
    assert differences(result) == {"a": 0.0, "b": 10.0, "c": 30.0}
    assert result.max_rate_difference == 30.0
    assert result.max_rate_ratio == 4.0
    assert result.summary_rate_ratio == pytest.approx(3.0)  # (2 + 4) / 2
    assert result.index_of_disparity == pytest.approx(200.0)  # ((10 + 30) / 2) / 10 * 100
    assert "adverse percentages (100 - value)" in result.method


def test_higher_is_better_scores_are_inverted_so_above_one_still_means_worse_off() -> None:
    # given reading scores: a 50, b 40, c 25; the best group is a
    result = disparities(
        groups(a=50, b=40, c=25), direction=HIGHER, unit=Unit.SCORE, reference=Reference.BEST
    )

    # ratios 50/50, 50/40, 50/25; differences 50-50, 50-40, 50-25
    assert ratios(result) == {"a": 1.0, "b": 1.25, "c": 2.0}
    assert differences(result) == {"a": 0.0, "b": 10.0, "c": 25.0}
    assert result.max_rate_difference == 25.0
    assert result.max_rate_ratio == 2.0
    assert result.summary_rate_ratio == pytest.approx(1.625)  # (1.25 + 2) / 2
    assert result.index_of_disparity == pytest.approx(35.0)  # ((10 + 25) / 2) / 50 * 100
    assert "ratio = reference / group" in result.method


def test_lower_is_better_percentages_are_already_adverse() -> None:
    # given % chronically absent: a 12, b 30; ratios 12/12, 30/12
    result = disparities(
        groups(a=12, b=30), direction=LOWER, unit=Unit.PERCENT, reference=Reference.BEST
    )

    assert ratios(result) == {"a": 1.0, "b": 2.5}
    assert differences(result) == {"a": 0.0, "b": 18.0}


def test_the_overall_reference_compares_every_group_and_none_is_the_reference() -> None:
    # given rates a 4, b 8, c 12 and an overall rate of 8
    result = disparities(
        groups(a=4, b=8, c=12),
        direction=LOWER,
        unit=Unit.RATE,
        reference=Reference.OVERALL,
        overall=8,
    )

    assert (result.reference_key, result.reference_value) == (None, 8)
    assert not any(g.is_reference for g in result.groups)
    # ratios 4/8, 8/8, 12/8; differences 4-8, 8-8, 12-8
    assert ratios(result) == {"a": 0.5, "b": 1.0, "c": 1.5}
    assert differences(result) == {"a": -4.0, "b": 0.0, "c": 4.0}
    assert result.summary_rate_ratio == pytest.approx(1.0)  # (0.5 + 1 + 1.5) / 3
    # Pearcy & Keppel with the total population rate: ((4 + 0 + 4) / 3) / 8 * 100 = 33.33
    assert result.index_of_disparity == pytest.approx(100 / 3)
    # the maximal measures do not depend on the reference: 12 - 4 and 12 / 4
    assert (result.max_rate_difference, result.max_rate_ratio) == (8.0, 3.0)
    assert "the overall value (8)" in result.method


def test_a_category_reference_can_show_groups_better_off_than_it() -> None:
    # given % vaccinated a 90, b 80, c 60 against b; adverse 10, 20, 40 against 20
    result = disparities(
        groups(a=90, b=80, c=60),
        direction=HIGHER,
        unit=Unit.PERCENT,
        reference=Reference.CATEGORY,
        reference_category="b",
    )

    assert (result.reference_key, result.reference_value) == ("b", 80)
    assert [g.is_reference for g in result.groups] == [False, True, False]
    # ratios 10/20, 20/20, 40/20; differences 10-20, 20-20, 40-20
    assert ratios(result) == {"a": 0.5, "b": 1.0, "c": 2.0}
    assert differences(result) == {"a": -10.0, "b": 0.0, "c": 20.0}
    assert result.summary_rate_ratio == pytest.approx(1.25)  # (0.5 + 2) / 2
    assert result.index_of_disparity == pytest.approx(75.0)  # ((10 + 20) / 2) / 20 * 100
    assert (result.max_rate_difference, result.max_rate_ratio) == (30.0, 4.0)
    assert "the category 'b' (80)" in result.method


def test_a_suppressed_reference_category_leaves_every_comparison_unknown() -> None:
    result = disparities(
        groups(a=4, b=None, c=10),
        direction=LOWER,
        unit=Unit.RATE,
        reference=Reference.CATEGORY,
        reference_category="b",
    )

    assert (result.reference_key, result.reference_value) == ("b", None)
    assert ratios(result) == {"a": None, "b": None, "c": None}
    assert differences(result) == {"a": None, "b": None, "c": None}
    assert result.summary_rate_ratio is None
    assert result.index_of_disparity is None
    # the range between the groups that have values is still known: 10 - 4, 10 / 4
    assert (result.max_rate_difference, result.max_rate_ratio) == (6.0, 2.5)
    assert "(suppressed)" in result.method


def test_suppressed_groups_are_carried_through_and_left_out_of_the_summaries() -> None:
    with_gap = disparities(
        groups(a=4, x=None, b=8), direction=LOWER, unit=Unit.RATE, reference=Reference.BEST
    )
    without = disparities(
        groups(a=4, b=8), direction=LOWER, unit=Unit.RATE, reference=Reference.BEST
    )

    assert by_key(with_gap)["x"] == GroupDisparity("x", None, None, None, is_reference=False)
    assert with_gap.summary_rate_ratio == without.summary_rate_ratio == 2.0
    assert with_gap.index_of_disparity == without.index_of_disparity == 100.0


def test_the_first_listed_of_tied_best_groups_is_the_reference() -> None:
    result = disparities(
        groups(a=7, b=3, c=3), direction=LOWER, unit=Unit.RATE, reference=Reference.BEST
    )

    assert result.reference_key == "b"
    assert by_key(result)["c"].rate_ratio == 1.0
    assert not by_key(result)["c"].is_reference


# edge cases


def test_one_group_is_its_own_reference_and_no_disparity_can_be_summarised() -> None:
    result = disparities(groups(a=5), direction=LOWER, unit=Unit.RATE, reference=Reference.BEST)

    assert result.groups == (GroupDisparity("a", 5, 1.0, 0.0, is_reference=True),)
    assert result.max_rate_difference is None
    assert result.max_rate_ratio is None
    assert result.summary_rate_ratio is None
    assert result.index_of_disparity is None


def test_one_group_can_still_be_compared_with_the_overall_value() -> None:
    # 5 against 4: ratio 1.25, difference 1, ID = (1 / 1) / 4 * 100 = 25
    result = disparities(
        groups(a=5), direction=LOWER, unit=Unit.RATE, reference=Reference.OVERALL, overall=4
    )

    assert result.groups == (GroupDisparity("a", 5, 1.25, 1.0, is_reference=False),)
    assert result.summary_rate_ratio == 1.25
    assert result.index_of_disparity == pytest.approx(25.0)
    assert result.max_rate_difference is None


@pytest.mark.parametrize("values", [{}, {"a": None, "b": None}])
def test_no_values_means_no_best_group_and_nothing_known(values: dict[str, float | None]) -> None:
    result = disparities(
        groups(**values), direction=HIGHER, unit=Unit.PERCENT, reference=Reference.BEST
    )

    assert (result.reference_key, result.reference_value) == (None, None)
    assert all(g.rate_ratio is None and g.rate_difference is None for g in result.groups)
    assert result.max_rate_difference is None
    assert result.summary_rate_ratio is None
    assert result.index_of_disparity is None
    assert "no group" in result.method


def test_a_best_rate_of_zero_gives_differences_but_no_ratios() -> None:
    # no deaths in a: 5 / 0 has no meaning, 5 - 0 does
    result = disparities(
        groups(a=0, b=5), direction=LOWER, unit=Unit.RATE, reference=Reference.BEST
    )

    assert ratios(result) == {"a": None, "b": None}
    assert differences(result) == {"a": 0.0, "b": 5.0}
    assert (result.max_rate_difference, result.max_rate_ratio) == (5.0, None)
    assert result.summary_rate_ratio is None
    assert result.index_of_disparity is None  # divided by a reference of 0


def test_a_full_hundred_percent_is_an_adverse_zero() -> None:
    # a 100% vaccinated: adverse 0; b 75%: adverse 25
    result = disparities(
        groups(a=100, b=75), direction=HIGHER, unit=Unit.PERCENT, reference=Reference.BEST
    )

    assert ratios(result) == {"a": None, "b": None}
    assert differences(result) == {"a": 0.0, "b": 25.0}


def test_a_score_of_zero_has_no_inverted_ratio_and_makes_the_summary_ratio_unknown() -> None:
    # a 10, b 0: ratio 10 / 0 is undefined; difference 10 - 0 = 10; ID = (10 / 1) / 10 * 100
    result = disparities(
        groups(a=10, b=0), direction=HIGHER, unit=Unit.SCORE, reference=Reference.BEST
    )

    assert ratios(result) == {"a": 1.0, "b": None}
    assert differences(result) == {"a": 0.0, "b": 10.0}
    assert result.summary_rate_ratio is None
    assert result.index_of_disparity == pytest.approx(100.0)
    assert (result.max_rate_difference, result.max_rate_ratio) == (10.0, None)


def test_the_category_reference_needs_a_known_category() -> None:
    with pytest.raises(ValueError, match="category reference needs one of the groups' keys"):
        disparities(groups(a=1, b=2), direction=LOWER, unit=Unit.RATE, reference=Reference.CATEGORY)
    with pytest.raises(ValueError, match=r"got 'z'; known: a, b"):
        disparities(
            groups(a=1, b=2),
            direction=LOWER,
            unit=Unit.RATE,
            reference=Reference.CATEGORY,
            reference_category="z",
        )


def test_the_overall_reference_needs_the_overall_value() -> None:
    with pytest.raises(ValueError, match="overall reference needs the overall value"):
        disparities(groups(a=1, b=2), direction=LOWER, unit=Unit.RATE, reference=Reference.OVERALL)


def test_a_group_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="repeated: a"):
        disparities(
            [GroupValue("a", 1), GroupValue("b", 2), GroupValue("a", 3)],
            direction=LOWER,
            unit=Unit.RATE,
            reference=Reference.BEST,
        )


# gaps over time


@pytest.mark.parametrize(
    ("current", "previous", "narrowed"),
    [
        (3.0, 5.0, True),
        (-3.0, 5.0, True),  # the sign says who is ahead; the gap is its size
        (6.0, 5.0, False),
        (5.0, 5.0, False),
        (0.0, -0.5, True),
    ],
)
def test_a_gap_narrowed_when_its_size_shrank(
    current: float, previous: float, narrowed: bool
) -> None:
    assert (
        gap_narrowed(
            GroupDisparity("a", 1, None, current, is_reference=False),
            GroupDisparity("a", 1, None, previous, is_reference=False),
        )
        is narrowed
    )


def test_whether_a_gap_narrowed_is_unknown_without_both_gaps() -> None:
    known = GroupDisparity("a", 8, 2.0, 4.0, is_reference=False)
    suppressed = GroupDisparity("a", None, None, None, is_reference=False)

    assert gap_narrowed(known, None) is None
    assert gap_narrowed(None, known) is None
    assert gap_narrowed(known, suppressed) is None
    assert gap_narrowed(suppressed, known) is None


# targets


@pytest.mark.parametrize(
    ("start", "latest", "target", "direction", "share"),
    [
        (50.0, 60.0, 70.0, HIGHER, 0.5),  # (60 - 50) / (70 - 50)
        (50.0, 75.0, 70.0, HIGHER, 1.25),  # past the target
        (50.0, 45.0, 70.0, HIGHER, -0.25),  # moved away: (45 - 50) / 20
        (20.0, 15.0, 10.0, LOWER, 0.5),  # (15 - 20) / (10 - 20)
        (20.0, 10.0, 10.0, LOWER, 1.0),
        (20.0, 20.0, 10.0, LOWER, 0.0),
    ],
)
def test_progress_is_the_share_of_the_targeted_change_achieved(
    start: float, latest: float, target: float, direction: Direction, share: float
) -> None:
    progress = progress_toward_target(
        start=start, latest=latest, target=target, direction=direction
    )

    assert progress == pytest.approx(share)


@pytest.mark.parametrize(
    ("start", "latest", "target", "direction"),
    [
        (None, 60.0, 70.0, HIGHER),
        (50.0, None, 70.0, HIGHER),
        (50.0, 60.0, None, HIGHER),
        (70.0, 75.0, 70.0, HIGHER),  # the start already met the target
        (80.0, 75.0, 70.0, HIGHER),
        (5.0, 4.0, 10.0, LOWER),
    ],
)
def test_progress_is_undefined_without_values_or_a_change_to_make(
    start: float | None, latest: float | None, target: float | None, direction: Direction
) -> None:
    assert (
        progress_toward_target(start=start, latest=latest, target=target, direction=direction)
        is None
    )


@pytest.mark.parametrize(
    ("latest", "target", "direction", "met"),
    [
        (70.0, 70.0, HIGHER, True),  # at the target counts
        (70.1, 70.0, HIGHER, True),
        (69.9, 70.0, HIGHER, False),
        (10.0, 10.0, LOWER, True),
        (9.0, 10.0, LOWER, True),
        (11.0, 10.0, LOWER, False),
        (None, 10.0, LOWER, None),
        (9.0, None, LOWER, None),
    ],
)
def test_a_target_is_met_at_or_beyond_it_in_the_measures_direction(
    latest: float | None, target: float | None, direction: Direction, met: bool | None
) -> None:
    assert target_met(latest, target, direction) is met


# properties

directions = st.sampled_from(list(Direction))
units = st.sampled_from(list(Unit))
keys = st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=8, unique=True)


def positive_values(unit: Unit) -> st.SearchStrategy[float]:
    """Values whose adverse form is positive, so every ratio is defined."""
    if unit is Unit.PERCENT:
        return st.floats(min_value=0.5, max_value=99.5, allow_nan=False)
    return st.floats(min_value=0.01, max_value=1e6, allow_nan=False)


@st.composite
def breakdowns(draw: st.DrawFn) -> tuple[Direction, Unit, list[GroupValue]]:
    direction, unit = draw(directions), draw(units)
    values = positive_values(unit)
    rows = [GroupValue(key, draw(st.none() | values)) for key in draw(keys)]
    return direction, unit, rows


@given(directions, units, keys, st.data())
def test_equal_groups_show_parity_against_every_reference(
    direction: Direction, unit: Unit, names: list[str], data: st.DataObject
) -> None:
    value = data.draw(positive_values(unit))
    rows = [GroupValue(key, value) for key in names]
    for reference in Reference:
        result = disparities(
            rows,
            direction=direction,
            unit=unit,
            reference=reference,
            overall=value,
            reference_category=names[-1],
        )

        assert all(g.rate_ratio == pytest.approx(1.0) for g in result.groups)
        assert all(g.rate_difference == pytest.approx(0.0) for g in result.groups)
        if result.summary_rate_ratio is not None:
            assert result.summary_rate_ratio == pytest.approx(1.0)
        if result.index_of_disparity is not None:
            assert result.index_of_disparity == pytest.approx(0.0)
        if len(rows) > 1:
            assert (result.max_rate_difference, result.max_rate_ratio) == (0.0, 1.0)


@given(breakdowns())
def test_nobody_is_better_off_than_the_best_group(
    breakdown: tuple[Direction, Unit, list[GroupValue]],
) -> None:
    direction, unit, rows = breakdown

    result = disparities(rows, direction=direction, unit=unit, reference=Reference.BEST)

    valued = [g for g in result.groups if g.value is not None]
    assert [g.is_reference for g in result.groups].count(True) == (1 if valued else 0)
    for group in valued:
        assert group.rate_ratio is not None
        assert group.rate_difference is not None
        assert group.rate_ratio >= 1.0
        assert group.rate_difference >= 0.0
        if group.is_reference:
            assert (group.rate_ratio, group.rate_difference) == (1.0, 0.0)
    if result.summary_rate_ratio is not None:
        assert result.summary_rate_ratio >= 1.0
        assert result.max_rate_ratio is not None
        assert result.summary_rate_ratio <= result.max_rate_ratio * (1 + 1e-12)
    if result.index_of_disparity is not None:
        assert result.index_of_disparity >= 0.0


@given(breakdowns())
def test_against_the_best_adverse_rate_the_index_of_disparity_is_the_summary_ratio_less_one(
    breakdown: tuple[Direction, Unit, list[GroupValue]],
) -> None:
    # Talih & Huang (2016): for adverse outcomes, ID = (SRR - 1) * 100
    direction, _, rows = breakdown

    result = disparities(rows, direction=direction, unit=Unit.PERCENT, reference=Reference.BEST)

    if result.summary_rate_ratio is None:
        assert result.index_of_disparity is None
    else:
        assert result.index_of_disparity == pytest.approx(
            (result.summary_rate_ratio - 1) * 100, rel=1e-9, abs=1e-9
        )


@given(keys, st.data())
def test_a_favourable_percentage_compares_like_its_adverse_complement(
    names: list[str], data: st.DataObject
) -> None:
    # halves are exact in binary, so 100 - value creates no tie the favourable values lack
    halves = st.integers(1, 199).map(lambda n: n / 2)
    favourable = [GroupValue(k, data.draw(halves)) for k in names]
    adverse = [GroupValue(g.key, 100 - g.value) for g in favourable if g.value is not None]

    for reference in (Reference.BEST, Reference.CATEGORY):
        higher = disparities(
            favourable,
            direction=HIGHER,
            unit=Unit.PERCENT,
            reference=reference,
            reference_category=names[0],
        )
        lower = disparities(
            adverse,
            direction=LOWER,
            unit=Unit.PERCENT,
            reference=reference,
            reference_category=names[0],
        )

        assert higher.reference_key == lower.reference_key
        assert ratios(higher) == pytest.approx(ratios(lower))
        assert differences(higher) == pytest.approx(differences(lower))
        assert higher.index_of_disparity == pytest.approx(lower.index_of_disparity)
