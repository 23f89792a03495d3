"""The rules a batch of observations must meet, checked without a database."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.errors import ErrorCode
from services.measures.units import Unit
from services.observations.validation import (
    ObservationInput,
    Subject,
    breakdown_key,
    validate_batch,
)
from services.periods import Granularity

QUARTERLY_PERCENT = Subject(
    unit=Unit.PERCENT,
    granularity=Granularity.QUARTER,
    vocabulary={"race_ethnicity": frozenset({"latino", "black"}), "income": frozenset({"low"})},
)
Q1 = date(2025, 1, 1)


def problems_of(*rows: ObservationInput, subject: Subject = QUARTERLY_PERCENT):
    return [(p.field, p.code) for p in validate_batch(list(rows), subject)[1]]


def test_a_value_from_numerator_and_denominator_is_computed() -> None:
    clean, problems = validate_batch(
        [ObservationInput(Q1, numerator=30, denominator=40)], QUARTERLY_PERCENT
    )
    assert problems == []
    assert clean[0].value == 75.0


def test_a_percent_outside_0_to_100_is_refused() -> None:
    assert problems_of(ObservationInput(Q1, value=101)) == [
        (("observations", "0", "value"), ErrorCode.OUT_OF_RANGE)
    ]


def test_a_numerator_above_its_denominator_is_refused() -> None:
    assert problems_of(ObservationInput(Q1, numerator=41, denominator=40)) == [
        (("observations", "0", "numerator"), ErrorCode.OUT_OF_RANGE)
    ]


def test_a_value_that_contradicts_its_numerator_and_denominator_is_refused() -> None:
    assert problems_of(ObservationInput(Q1, value=50, numerator=30, denominator=40)) == [
        (("observations", "0", "value"), ErrorCode.INVALID)
    ]


def test_a_rounded_percent_matching_its_ratio_is_accepted() -> None:
    assert problems_of(ObservationInput(Q1, value=33.33, numerator=1, denominator=3)) == []


def test_a_period_must_start_where_the_granularity_says() -> None:
    problems = validate_batch([ObservationInput(date(2025, 2, 1), value=5)], QUARTERLY_PERCENT)[1]
    assert [(p.field, p.code) for p in problems] == [
        (("observations", "0", "periodStart"), ErrorCode.INVALID)
    ]
    assert "January, April, July or October 1" in problems[0].message


def test_a_breakdown_must_use_the_subjects_dimensions_and_categories() -> None:
    assert problems_of(
        ObservationInput(Q1, value=5, breakdown={"gender": "female"}),
        ObservationInput(Q1, value=5, breakdown={"race_ethnicity": "martian"}),
    ) == [
        (("observations", "0", "breakdown", "gender"), ErrorCode.INVALID),
        (("observations", "1", "breakdown", "race_ethnicity"), ErrorCode.INVALID),
    ]


def test_the_same_cell_twice_in_one_batch_is_refused_on_the_second_row() -> None:
    rows = [
        ObservationInput(Q1, value=5, breakdown={"race_ethnicity": "latino", "income": "low"}),
        ObservationInput(Q1, value=6, breakdown={"income": "low", "race_ethnicity": "latino"}),
    ]
    problems = validate_batch(rows, QUARTERLY_PERCENT)[1]
    assert [(p.field, p.code) for p in problems] == [
        (("observations", "1", "breakdown"), ErrorCode.DUPLICATE)
    ]
    assert "repeats row 0" in problems[0].message


def test_rows_are_named_as_the_caller_numbers_them_in_fields_and_messages() -> None:
    rows = [ObservationInput(Q1, value=5), ObservationInput(Q1, value=6)]
    problems = validate_batch(rows, QUARTERLY_PERCENT, path="file", numbering=lambda i: f"{i + 2}")[
        1
    ]
    assert [(p.field, p.code) for p in problems] == [
        (("file", "3", "breakdown"), ErrorCode.DUPLICATE)
    ]
    assert "repeats row 2" in problems[0].message


def test_texts_and_counts_longer_than_the_table_holds_are_refused_by_name() -> None:
    assert problems_of(
        ObservationInput(Q1, value=5, note="x" * 2001, n=2**31),
        ObservationInput(date(2025, 4, 1), suppressed_at_source="<" + "9" * 16),
    ) == [
        (("observations", "0", "note"), ErrorCode.TOO_LONG),
        (("observations", "0", "n"), ErrorCode.OUT_OF_RANGE),
        (("observations", "1", "suppressedAtSource"), ErrorCode.TOO_LONG),
    ]
    assert problems_of(ObservationInput(Q1, value=5, note="x" * 2000, n=2**31 - 1)) == []


def test_a_value_suppressed_at_its_source_is_kept_as_text_never_a_number() -> None:
    clean, problems = validate_batch(
        [ObservationInput(Q1, suppressed_at_source=" <5 ")], QUARTERLY_PERCENT
    )
    assert problems == []
    assert clean[0].value is None
    assert clean[0].suppressed_at_source == "<5"


def test_a_suppressed_marker_with_a_number_beside_it_is_refused() -> None:
    assert problems_of(ObservationInput(Q1, value=3, suppressed_at_source="<5")) == [
        (("observations", "0", "suppressedAtSource"), ErrorCode.INVALID)
    ]
    assert problems_of(ObservationInput(Q1, suppressed_at_source="few")) == [
        (("observations", "0", "suppressedAtSource"), ErrorCode.INVALID)
    ]


def test_a_row_without_any_value_is_refused() -> None:
    assert problems_of(ObservationInput(Q1)) == [
        (("observations", "0", "value"), ErrorCode.REQUIRED)
    ]
    assert problems_of(ObservationInput(Q1, numerator=3)) == [
        (("observations", "0", "denominator"), ErrorCode.REQUIRED)
    ]


def test_negative_counts_and_people_are_refused() -> None:
    counts = Subject(unit=Unit.COUNT, granularity=Granularity.MONTH, vocabulary={})
    assert problems_of(ObservationInput(Q1, value=-1, n=-2), subject=counts) == [
        (("observations", "0", "n"), ErrorCode.OUT_OF_RANGE)
    ]
    assert problems_of(ObservationInput(Q1, value=-1), subject=counts) == [
        (("observations", "0", "value"), ErrorCode.OUT_OF_RANGE)
    ]


def test_a_breakdown_key_lists_its_cells_sorted_by_dimension() -> None:
    assert breakdown_key({}) == ""
    assert breakdown_key({"race_ethnicity": "latino", "income": "low"}) == (
        "income=low;race_ethnicity=latino"
    )


def test_a_percent_rounded_half_a_tenth_the_usual_way_is_accepted() -> None:
    assert problems_of(ObservationInput(Q1, value=31.2, numerator=20, denominator=64)) == []


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"])))
def test_the_breakdown_key_does_not_depend_on_order(breakdown: dict[str, str]) -> None:
    reversed_order = dict(reversed(list(breakdown.items())))
    assert breakdown_key(breakdown) == breakdown_key(reversed_order)


@given(
    numerator=st.integers(min_value=0, max_value=10_000),
    extra=st.integers(min_value=0, max_value=10_000),
)
def test_any_valid_ratio_gives_a_percent_within_bounds(numerator: int, extra: int) -> None:
    denominator = numerator + extra
    if denominator == 0:
        return
    clean, problems = validate_batch(
        [ObservationInput(Q1, numerator=numerator, denominator=denominator)], QUARTERLY_PERCENT
    )
    assert problems == []
    assert 0 <= clean[0].value <= 100
