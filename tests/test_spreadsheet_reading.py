"""Reading spreadsheet cells and files, without a database: the rules a partner's file meets."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from services.errors import DomainError
from services.imports.layout import layout_of
from services.imports.rows import count_of, letter, number_of, period_of, read_rows
from services.measures.units import Unit
from services.observations.validation import Subject
from services.periods import Granularity
from services.spreadsheets.reading import open_sheet

MONTH, QUARTER, YEAR, SCHOOL_YEAR = (
    Granularity.MONTH,
    Granularity.QUARTER,
    Granularity.YEAR,
    Granularity.SCHOOL_YEAR,
)


@pytest.mark.parametrize(
    ("cell", "granularity", "start"),
    [
        ("2025-Q2", QUARTER, date(2025, 4, 1)),
        ("2025 q4", QUARTER, date(2025, 10, 1)),
        ("2025-03", MONTH, date(2025, 3, 1)),
        ("2025-3", MONTH, date(2025, 3, 1)),
        ("2025", YEAR, date(2025, 1, 1)),
        (2025, YEAR, date(2025, 1, 1)),  # a number in a workbook
        ("2025-26", SCHOOL_YEAR, date(2025, 8, 1)),
        ("2025/2026", SCHOOL_YEAR, date(2025, 8, 1)),
        ("2025-01-01", QUARTER, date(2025, 1, 1)),
        (" 2025-08-01 ", SCHOOL_YEAR, date(2025, 8, 1)),
        (datetime(2025, 7, 1), QUARTER, date(2025, 7, 1)),  # a date cell
        ("2025-02-01", QUARTER, date(2025, 2, 1)),  # read; validation says it is no quarter
    ],
)
def test_a_period_is_its_label_or_its_first_day(cell, granularity, start) -> None:
    assert period_of(cell, granularity) == start


@pytest.mark.parametrize(
    ("cell", "granularity", "example"),
    [
        ("2025-Q1", MONTH, "2025-03"),
        ("2025-Q5", QUARTER, "2025-Q1"),
        ("2025-13", MONTH, "2025-03"),
        ("2025-27", SCHOOL_YEAR, "2025-26"),
        ("spring", YEAR, "2025"),
    ],
)
def test_a_period_that_is_not_one_says_how_to_write_it(cell, granularity, example) -> None:
    with pytest.raises(ValueError, match=f"is not a period: write it as {example} or"):
        period_of(cell, granularity)


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("0.1", 0.1),
        ("1e-7", 1e-7),
        ("1E+300", 1e300),
        ("-2.5", -2.5),
        ("+3", 3.0),
        (".5", 0.5),
        ("12.", 12.0),
        (" 7 ", 7.0),
        (7, 7.0),
        (0.25, 0.25),
    ],
)
def test_numbers_are_read_exactly_as_written(cell, number) -> None:
    assert number_of(cell) == number


@pytest.mark.parametrize("cell", ["1,234", "12 %", "nan", "inf", "1_000", "٣", "0x10", True])
def test_anything_but_a_plain_number_is_refused(cell) -> None:
    with pytest.raises(ValueError, match="number"):
        number_of(cell)


def test_a_decimal_comma_is_read_only_in_a_semicolon_separated_file() -> None:
    assert number_of("12,5", decimal_comma=True) == 12.5
    with pytest.raises(ValueError, match="no thousands separators"):
        number_of("12,5")


def test_people_counted_are_whole_numbers_the_column_can_hold() -> None:
    assert [count_of("40"), count_of("40.0"), count_of(40.0), count_of(40)] == [40] * 4
    for cell in ("40.5", 40.5, "forty", str(2**31), True):
        with pytest.raises(ValueError, match=r"whole number|at most"):
            count_of(cell)


def test_columns_are_named_as_a_spreadsheet_names_them() -> None:
    assert [letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_a_dimension_named_like_a_fixed_column_gets_its_own_column() -> None:
    subject = Subject(Unit.PERCENT, QUARTER, {"note": frozenset({"x"}), "age": frozenset()})
    assert layout_of(subject).columns == (
        "period",
        "age",
        "by_note",
        "value",
        "numerator",
        "denominator",
        "n",
        "suppressed_at_source",
        "note",
    )


COUNTS = Subject(Unit.COUNT, QUARTER, {"language": frozenset({"spanish"})})


def rows_of(content: bytes, name: str = "x.csv"):
    layout = layout_of(COUNTS)
    return read_rows(open_sheet(io.BytesIO(content), name, layout.known), layout, QUARTER)


def test_excels_unicode_text_utf16_with_tabs_is_read() -> None:
    text = "period\tlanguage\tvalue\r\n2025-Q1\tspanish\t5\r\n"
    parsed = rows_of(text.encode("utf-16"))
    assert [(r.period_start, dict(r.breakdown), r.value) for r in parsed.rows] == [
        (date(2025, 1, 1), {"language": "spanish"}, 5.0)
    ]


def test_rows_are_numbered_as_a_spreadsheet_shows_them_past_line_breaks_and_blank_rows() -> None:
    content = b'period,value,note\r2025-Q1,5,"two\rlines"\r\r,,\r2025-Q2,x,\r'
    parsed = rows_of(content)
    assert parsed.lines == [2]
    assert [p.field for p in parsed.problems] == [("file", "5", "value")]


def test_a_workbook_that_is_no_zip_is_refused_before_openpyxl_reads_it() -> None:
    with pytest.raises(DomainError, match="not an Excel workbook"):
        rows_of(b"PK\x03\x04 not really a zip", "x.xlsx")
