"""Writing the files Tablero hands out: CSV text in chunks, and .xlsx workbooks.

A CSV is produced chunk by chunk, so that a large export streams. A workbook's text cells
are always text, never formulas, whatever they start with; numbers stay numbers.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from services.spreadsheets.dialect import BOM, written
from services.spreadsheets.reading import Cell

CSV_CHUNK_ROWS = 2_000


def csv_chunks(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The byte-order mark, then the rows as RFC 4180 CSV, a few thousand at a time."""
    yield BOM
    chunk: list[Sequence[str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CSV_CHUNK_ROWS:
            yield written(chunk)
            chunk = []
    if chunk:
        yield written(chunk)


@dataclass(frozen=True)
class Worksheet:
    """One sheet: a bold, frozen header row, then rows; `widths` per column, in characters."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    widths: Sequence[int] = field(default_factory=tuple)


def workbook(sheets: Sequence[Worksheet]) -> bytes:
    """An .xlsx file, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        sheet.freeze_panes = "A2"
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        header = []
        for name in spec.header:
            cell = WriteOnlyCell(sheet, value=_text(name))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in spec.rows:
            sheet.append([_cell(sheet, value, WriteOnlyCell) for value in row])
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book.save(out)
    return out.getvalue()


def _cell(sheet: object, value: Cell, make: type) -> object:
    if not isinstance(value, str):
        return value
    cell = make(sheet, value=_text(value))
    cell.data_type = "s"  # openpyxl would make "=..." a formula
    return cell


def _text(value: str) -> str:
    """XML cannot hold most control characters: a workbook drops them (a CSV keeps them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)
