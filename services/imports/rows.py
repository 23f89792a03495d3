"""A file's rows as observations: each cell read as its column says, or a problem naming it.

Pure: a Sheet in, ObservationInputs and problems out. The checks every observation must pass
(periods that start a period, categories of the subject's dimensions, values within the
unit) are not repeated here: `validate_batch` makes them on what this module returns.
Problems name the spreadsheet's row and the column's name: `("file", "12", "value")`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.errors import DomainError, ErrorCode, Problem
from services.imports import layout as cols
from services.imports.layout import Layout
from services.imports.progress import Progress
from services.observations.models import MAX_N
from services.observations.validation import ObservationInput
from services.periods import Granularity
from services.spreadsheets.dialect import number, undefused
from services.spreadsheets.reading import Cell, Format, Sheet, column_key, refused

MAX_ROWS = 200_000
MAX_SHORT_TEXT = 100  # any cell but a note: periods, numbers, categories, markers
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
WHOLE = re.compile(r"[+-]?\d+")
LABELS = {
    Granularity.MONTH: (re.compile(r"(\d{4})-(\d{1,2})"), "2025-03"),
    Granularity.QUARTER: (re.compile(r"(\d{4})\s*-?\s*Q([1-4])", re.IGNORECASE), "2025-Q1"),
    Granularity.YEAR: (re.compile(r"(\d{4})"), "2025"),
    Granularity.SCHOOL_YEAR: (re.compile(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})"), "2025-26"),
}
PROGRESS_EVERY = 1_000


@dataclass
class Parsed:
    """Rows that could be read, the spreadsheet row of each, and every problem found."""

    rows: list[ObservationInput] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_rows(
    sheet: Sheet, layout: Layout, granularity: Granularity, progress: Progress | None = None
) -> Parsed:
    """Every row of the sheet, read; the header must name the layout's columns."""
    columns = _columns(sheet.header, layout)
    parsed = Parsed()
    seen = 0
    for line, cells in sheet.rows:
        seen += 1
        if seen > MAX_ROWS:
            raise refused(f"has more than {MAX_ROWS:,} rows: split it into several files")
        row, problems = _row(line, cells, columns, layout, granularity, sheet)
        parsed.problems += problems
        if row is not None:
            parsed.rows.append(row)
            parsed.lines.append(line)
        if progress is not None and seen % PROGRESS_EVERY == 0:
            progress.read(seen)
    if progress is not None:
        progress.read(seen)
    if seen == 0:
        raise refused("has no rows under its header: add one row per period and cell")
    return parsed


def _columns(header: Sequence[str], layout: Layout) -> list[str | None]:
    """The column each position holds (None: no header); refuses a header it cannot use."""
    problems = []
    columns: list[str | None] = []
    for index, name in enumerate(header):
        key = column_key(undefused(name)) if name.strip() else None
        if key is not None and key not in layout.known:
            expected = ", ".join(layout.columns)
            problems.append(
                Problem(
                    ("file", "1", name.strip()[:MAX_SHORT_TEXT]),
                    ErrorCode.INVALID,
                    f"is not a column of this file (column {letter(index)}); its columns are: "
                    f"{expected}",
                )
            )
        elif key is not None and key in columns:
            problems.append(Problem(("file", "1", key), ErrorCode.DUPLICATE, "is a column twice"))
        columns.append(key)
    if cols.PERIOD not in columns:
        problems.append(
            Problem(("file", "1", cols.PERIOD), ErrorCode.REQUIRED, "is missing: each row's period")
        )
    if not set(columns) & set(cols.CARRY_A_VALUE):
        problems.append(
            Problem(
                ("file", "1", cols.VALUE),
                ErrorCode.REQUIRED,
                "is missing: give value, numerator and denominator, or suppressed_at_source",
            )
        )
    if problems:
        raise DomainError(problems)
    return columns


def letter(index: int) -> str:
    """A spreadsheet's name for the column at `index` (0 is A, 26 is AA)."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def _row(
    line: int,
    cells: Sequence[Cell],
    columns: Sequence[str | None],
    layout: Layout,
    granularity: Granularity,
    sheet: Sheet,
) -> tuple[ObservationInput | None, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, object] = {}
    breakdown: dict[str, str] = {}

    def problem(column: str, code: ErrorCode, message: str) -> None:
        problems.append(Problem(("file", str(line), column), code, message))

    for index, cell in enumerate(cells):
        if sheet.format is Format.CSV and isinstance(cell, str):
            cell = undefused(cell)
        if _blank(cell):
            continue
        column = columns[index] if index < len(columns) else None
        if column is None:
            problem(
                f"column {letter(index)}",
                ErrorCode.INVALID,
                "has a value but no header: name the column or clear the cell",
            )
            continue
        if column != cols.NOTE and isinstance(cell, str) and len(cell.strip()) > MAX_SHORT_TEXT:
            problem(column, ErrorCode.TOO_LONG, f"must be at most {MAX_SHORT_TEXT} characters")
            continue
        try:
            if column == cols.PERIOD:
                values["period_start"] = period_of(cell, granularity)
            elif column in (cols.VALUE, cols.NUMERATOR, cols.DENOMINATOR):
                values[column] = number_of(cell, sheet.decimal_comma)
            elif column == cols.N:
                values["n"] = count_of(cell)
            elif column == cols.SUPPRESSED:
                values["suppressed_at_source"] = text_of(cell).strip()
            elif column == cols.NOTE:
                values["note"] = text_of(cell)
            else:
                breakdown[layout.dimension_of(column) or column] = text_of(cell).strip()
        except ValueError as e:
            problem(column, ErrorCode.INVALID, str(e))
    if "period_start" not in values and not any(p.field[2:] == (cols.PERIOD,) for p in problems):
        problem(cols.PERIOD, ErrorCode.REQUIRED, "is empty: every row needs its period")
    if problems:
        return None, problems
    return ObservationInput(breakdown=breakdown, **values), []  # type: ignore[arg-type]


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def period_of(cell: Cell, granularity: Granularity) -> date:
    """A label of the subject's granularity, or a first day (2025-01-01, or a date cell)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = text_of(cell).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    pattern, example = LABELS[granularity]
    match = pattern.fullmatch(text)
    start = _start(granularity, match) if match else None
    if start is None:
        raise ValueError(
            f"'{text}' is not a period: write it as {example} or as its first day, "
            f"{_first_day_example(granularity)}"
        )
    return start


def _start(granularity: Granularity, found: re.Match[str]) -> date | None:
    year = int(found.group(1))
    try:
        match granularity:
            case Granularity.MONTH:
                return date(year, int(found.group(2)), 1)
            case Granularity.QUARTER:
                return date(year, 3 * int(found.group(2)) - 2, 1)
            case Granularity.YEAR:
                return date(year, 1, 1)
            case Granularity.SCHOOL_YEAR:
                second = int(found.group(2))
                if second % 100 != (year + 1) % 100 or (second >= 100 and second != year + 1):
                    return None
                return date(year, 8, 1)
    except ValueError:  # month 13, year 0
        return None


def _first_day_example(granularity: Granularity) -> str:
    return {
        Granularity.MONTH: "2025-03-01",
        Granularity.QUARTER: "2025-01-01",
        Granularity.YEAR: "2025-01-01",
        Granularity.SCHOOL_YEAR: "2025-08-01",
    }[granularity]


def number_of(cell: Cell, decimal_comma: bool = False) -> float:
    """A number as a spreadsheet holds it or as text: 12, 0.1, 1e-7 (12,5 in a ;-file)."""
    if isinstance(cell, bool | date):
        raise ValueError("must be a number, such as 12 or 0.5")
    if isinstance(cell, int | float):
        return float(cell)
    text = text_of(cell).strip()
    if decimal_comma and DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    if not NUMBER.fullmatch(text):
        raise ValueError(
            f"'{text}' is not a number: write digits with a decimal point, such as 12 or "
            "0.5 (no thousands separators or units)"
        )
    return float(text)


def count_of(cell: Cell) -> int:
    """People counted: a whole number (12, or 12.0 from a spreadsheet)."""
    if isinstance(cell, bool | date):
        raise ValueError("must be a whole number of people, such as 40")
    if isinstance(cell, float):
        if not cell.is_integer():
            raise ValueError("must be a whole number of people, such as 40")
        return _bounded(int(cell))
    if isinstance(cell, int):
        return _bounded(cell)
    text = text_of(cell).strip()
    if WHOLE.fullmatch(text):
        return _bounded(int(text))
    if NUMBER.fullmatch(text) and float(text).is_integer():
        return _bounded(int(float(text)))
    raise ValueError(f"'{text}' is not a whole number of people, such as 40")


def _bounded(count: int) -> int:
    """Past the column's range the number is refused here, so that it never reaches SQL."""
    if abs(count) > MAX_N:
        raise ValueError(f"must be at most {MAX_N}")
    return count


def text_of(cell: Cell) -> str:
    """A cell as text: numbers in full, dates as YYYY-MM-DD."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int | float):
        return number(float(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return cell
