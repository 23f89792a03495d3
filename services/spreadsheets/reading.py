"""Reading a spreadsheet someone sent: CSV (any of the ways Excel saves it) or .xlsx.

Every file is hostile until read: bytes that are not UTF-8, a byte-order mark or none,
commas, semicolons or tabs, CRLF, NUL characters, huge cells, a zip that is not a workbook
or that unpacks to gigabytes. Each refusal is a DomainError naming the row and column
where there is one (fields `("file", row)` or `("file", row, column)`, rows counted as a
spreadsheet shows them, the header being row 1), never an exception from a parser.

Rows come out one tuple of cells per row, blank rows skipped, a CSV's lazily. Cells are
text in a CSV; in a workbook they keep the type the spreadsheet gave them (number, date,
text).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import IO

from services.errors import DomainError, ErrorCode

Cell = str | float | int | bool | date | datetime | None

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # a workbook's XML, all parts together
MAX_ZIP_MEMBERS = 10_000
MAX_CELL = csv.field_size_limit()  # 131,072 characters: the csv module's own limit
DELIMITERS = (",", ";", "\t")
SHEET_NAME = "observations"  # the templates' first sheet; otherwise the first sheet is read


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Sheet:
    """A file's header and its rows: (row number, cells), blank rows skipped."""

    format: Format
    header: tuple[str, ...]
    rows: Iterator[tuple[int, tuple[Cell, ...]]]
    # CSV only: a semicolon-separated file writes decimals with a comma (Excel in Europe)
    decimal_comma: bool = False


def refused(message: str, row: int | None = None, column: str | None = None) -> DomainError:
    field = ("file",) + ((str(row),) if row is not None else ()) + ((column,) if column else ())
    return DomainError.single(field, ErrorCode.INVALID, message)


def column_key(name: str) -> str:
    """A header as a column name: case, spaces and hyphens do not matter."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def open_sheet(source: IO[bytes], filename: str, expected: Collection[str]) -> Sheet:
    """The file as rows, whatever it is; `expected` column names pick a CSV's delimiter."""
    head = source.read(8)
    source.seek(0)
    name = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        return _workbook(source)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise refused(
            "is an Excel 97-2003 workbook (.xls): save it as an Excel workbook (.xlsx) or as "
            "CSV UTF-8"
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise refused("is not an Excel workbook: an .xlsx file is a zip archive, this is not")
    return _csv(source.read(), expected)


# -- CSV --------------------------------------------------------------------------------------


def _csv(raw: bytes, expected: Collection[str]) -> Sheet:
    text = _decoded(raw)
    if not text.strip():
        raise refused("is empty: start from the template, which has the header row")
    nul = text.find("\x00")
    if nul >= 0:
        raise refused(
            "contains a NUL character: is it really a CSV file?", row=text.count("\n", 0, nul) + 1
        )
    first_line = text.splitlines()[0]
    delimiter = max(DELIMITERS, key=lambda d: _score(first_line, d, expected))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(_records(reader, first=1), (1, []))[1]
    return Sheet(
        format=Format.CSV,
        header=tuple(header),
        rows=_csv_rows(reader),
        decimal_comma=delimiter == ";",
    )


def _decoded(raw: bytes) -> str:
    """UTF-8 with or without a byte-order mark, or UTF-16 with one (Excel's "Unicode text")."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise refused("is not valid UTF-16 text") from e
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        row = raw.count(b"\n", 0, e.start) + 1
        raise refused(
            f"is not UTF-8 text (byte 0x{raw[e.start]:02x} on this row): save it as "
            "'CSV UTF-8' (in Excel: File, Save As, CSV UTF-8)",
            row=row,
        ) from e


def _score(line: str, delimiter: str, expected: Collection[str]) -> tuple[int, int]:
    """How well a delimiter splits the header: known column names first, then cells."""
    cells = next(csv.reader([line], delimiter=delimiter), [])
    return sum(column_key(c) in expected for c in cells), len(cells)


def _records(reader: Iterator[list[str]], first: int) -> Iterator[tuple[int, list[str]]]:
    """Records numbered from `first` (a quoted line break does not start a new row)."""
    number = first - 1
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise refused(f"cannot be read: {_csv_error(e)}", row=number) from e
        yield number, record


def _csv_error(error: csv.Error) -> str:
    message = str(error)
    if "field larger than field limit" in message:
        return f"a cell is longer than {MAX_CELL:,} characters"
    return message


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    for number, record in _records(reader, first=2):
        if any(cell.strip() for cell in record):
            yield number, tuple(record)


# -- .xlsx ------------------------------------------------------------------------------------


def _workbook(source: IO[bytes]) -> Sheet:
    """A workbook's sheet as rows, read by calamine (Rust: a 100,000-row sheet in a second,
    where openpyxl takes twenty), from a copy of the archive that Python's zipfile unpacked
    within the sizes its parts declare."""
    from python_calamine import CalamineWorkbook

    _check_zip(source)
    safe = _repacked(source)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(safe))
        names = book.sheet_names
        if not names:
            raise refused("has no worksheet")
        name = next((n for n in names if n.strip().lower() == SHEET_NAME), names[0])
        cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except DomainError:
        raise
    except Exception as e:  # calamine's own errors, for a damaged part or a chart sheet
        raise refused(f"is not a readable Excel workbook ({type(e).__name__})") from e
    header = cells[0] if cells else []
    return Sheet(
        format=Format.XLSX,
        header=tuple("" if c is None else str(c) for c in header),
        rows=(
            (number, tuple(row))
            for number, row in enumerate(cells[1:], start=2)
            if any(v is not None and v != "" for v in row)
        ),
    )


def _check_zip(source: IO[bytes]) -> None:
    """A workbook is a zip of XML parts: refuse one that would unpack past a sane size.

    Python's zipfile never inflates a part past the size its header declares, so checking
    the declared sizes bounds what `_repacked` can be made to unpack (a zip bomb).
    """
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
            names = {p.filename for p in parts}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise refused("is not an Excel workbook: the zip archive is damaged") from e
    finally:
        source.seek(0)
    if "xl/workbook.xml" not in names:
        raise refused(
            "is a zip archive but not an Excel workbook (.xlsx): save the sheet as .xlsx or "
            "as CSV UTF-8"
        )
    if len(parts) > MAX_ZIP_MEMBERS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
        raise refused(
            f"unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB: split it, or save it as "
            "CSV UTF-8"
        )


def _repacked(source: IO[bytes]) -> bytes:
    """The archive's parts, unpacked by zipfile (never past a part's declared size, which
    `_check_zip` bounded) and stored again uncompressed, for a reader written in Rust."""
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w") as copy:
            for part in archive.infolist():
                copy.writestr(part.filename, archive.read(part))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise refused("is not an Excel workbook: the zip archive is damaged") from e
    finally:
        source.seek(0)
    return out.getvalue()
