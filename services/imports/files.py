"""A template or an export written out: CSV text in chunks, or an .xlsx workbook.

CSV cells are text in Tablero's dialect (numbers in full, formula-looking text guarded);
a workbook keeps numbers as numbers and text as text. Both read back as the same values.
"""

from __future__ import annotations

from collections.abc import Iterator

from services.imports.sheets import Spreadsheet
from services.spreadsheets.dialect import defused, number
from services.spreadsheets.reading import SHEET_NAME
from services.spreadsheets.writing import Worksheet, csv_chunks, workbook

GUIDE_SHEET = "how to fill"


def as_csv(sheet: Spreadsheet) -> Iterator[str]:
    return csv_chunks([list(sheet.columns), *([_text(c) for c in row] for row in sheet.rows)])


def _text(cell: object) -> str:
    if isinstance(cell, bool):  # never written, but bool is an int
        return str(cell).lower()
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return number(cell)
    return defused(str(cell))


def as_xlsx(sheet: Spreadsheet) -> bytes:
    widths = [max(12, len(c) + 2) for c in sheet.columns]
    sheets = [Worksheet(SHEET_NAME, sheet.columns, sheet.rows, widths)]
    if sheet.guide:
        sheets.append(Worksheet(GUIDE_SHEET, ("column", "what to write"), sheet.guide, (24, 100)))
    return workbook(sheets)
