"""A file's rows as observations: each cell read as its column says, or a problem naming it.

Pure: a Sheet in, ObservationInputs and problems out. The checks every observation must pass
(periods that start a period, categories of the subject's dimensions, values within the
unit) are not repeated here: `validate_batch` makes them on what this module returns.
Problems name the spreadsheet's row and the column's name: `("file", "12", "value")`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
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
# ASCII digits only: Python's \d and float() would also take other scripts' digits.
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+", re.ASCII)
WHOLE = re.compile(r"[+-]?\d+", re.ASCII)
LABELS = {
    Granularity.MONTH: (re.compile(r"(\d{4})-(\d{1,2})", re.ASCII), "2025-03"),
    Granularity.QUARTER: (
        re.compile(r"(\d{4})\s*-?\s*Q([1-4])", re.IGNORECASE | re.ASCII),
        "2025-Q1",
    ),
    Granularity.YEAR: (re.compile(r"(\d{4})", re.ASCII), "2025"),
    Granularity.SCHOOL_YEAR: (
        re.compile(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", re.ASCII),
        "2025-26",
    ),
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
    readers = [_reader(c, layout, granularity, sheet.decimal_comma) for c in columns]
    parsed = Parsed()
    seen = 0
    for line, cells in sheet.rows:
        seen += 1
        if seen > MAX_ROWS:
            raise refused(f"has more than {MAX_ROWS:,} rows: split it into several files")
        row, problems = _row(line, cells, columns, readers, sheet.format is Format.CSV)
        if problems:
            parsed.problems += problems
        else:
            parsed.rows.append(row)  # type: ignore[arg-type]
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


# A column's reader turns a non-blank cell into (where it goes, its value), or raises
# ValueError saying what is wrong; chosen once per column, as a file has many rows.
Reader = Callable[[Cell], tuple[str, object]]


def _reader(
    column: str | None, layout: Layout, granularity: Granularity, decimal_comma: bool
) -> Reader | None:
    dimension = layout.dimension_of(column) if column else None
    if column is None:
        return None
    if column == cols.PERIOD:
        return lambda cell: ("period_start", period_of(cell, granularity))
    if column in (cols.VALUE, cols.NUMERATOR, cols.DENOMINATOR):
        return lambda cell: (column, number_of(cell, decimal_comma))
    if column == cols.N:
        return lambda cell: ("n", count_of(cell))
    if column == cols.SUPPRESSED:
        return lambda cell: ("suppressed_at_source", text_of(cell).strip())
    if column == cols.NOTE:
        return lambda cell: ("note", text_of(cell))
    return lambda cell: ("breakdown", (dimension, text_of(cell).strip()))


def _row(
    line: int,
    cells: Sequence[Cell],
    columns: Sequence[str | None],
    readers: Sequence[Reader | None],
    is_csv: bool,
) -> tuple[ObservationInput | None, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, object] = {}
    breakdown: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if is_csv and cell[:1] == "'":  # type: ignore[index]
            cell = undefused(cell)  # type: ignore[arg-type]
        if _blank(cell):
            continue
        reader = readers[index] if index < len(readers) else None
        if reader is None:
            problems.append(_problem(line, f"column {letter(index)}", ErrorCode.INVALID, NO_HEADER))
            continue
        column = columns[index] or ""
        long = (
            type(cell) is str and len(cell) > MAX_SHORT_TEXT and len(cell.strip()) > MAX_SHORT_TEXT
        )
        if long and column != cols.NOTE:
            message = f"must be at most {MAX_SHORT_TEXT} characters"
            problems.append(_problem(line, column, ErrorCode.TOO_LONG, message))
            continue
        try:
            target, value = reader(cell)
        except ValueError as e:
            problems.append(_problem(line, column, ErrorCode.INVALID, str(e)))
            continue
        if target == "breakdown":
            dimension, category = value  # type: ignore[misc]
            breakdown[dimension] = category
        else:
            values[target] = value
    if "period_start" not in values and not any(p.field[2:] == (cols.PERIOD,) for p in problems):
        message = "is empty: every row needs its period"
        problems.append(_problem(line, cols.PERIOD, ErrorCode.REQUIRED, message))
    if problems:
        return None, problems
    return ObservationInput(breakdown=breakdown, **values), []  # type: ignore[arg-type]


def _longer(cell: Cell, limit: int) -> bool:
    return type(cell) is str and len(cell) > limit and len(cell.strip()) > limit


NO_HEADER = "has a value but no header: name the column or clear the cell"


def _problem(line: int, column: str, code: ErrorCode, message: str) -> Problem:
    return Problem(("file", str(line), column), code, message)


def _blank(cell: Cell) -> bool:
    if type(cell) is str:
        return not cell or cell.isspace()
    return cell is None


def period_of(cell: Cell, granularity: Granularity) -> date:
    """A label of the subject's granularity, or a first day (2025-01-01, or a date cell)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    return _period(text_of(cell).strip(), granularity)


@functools.lru_cache(maxsize=4096)  # a file repeats each period for every cell
def _period(text: str, granularity: Granularity) -> date:
    pattern, example = LABELS[granularity]
    found = pattern.fullmatch(text)
    start = _start(granularity, found) if found else None
    if start is not None:
        return start
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a period: write it as {example} or as its first day, "
            f"{_first_day_example(granularity)}"
        ) from None


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
    if type(cell) is str:
        return cell
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
