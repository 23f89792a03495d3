"""How Tablero writes text into spreadsheet cells, and reads its own writing back.

- Numbers are written in full: the shortest decimal that reads back as the same float
  (Python's repr), whole numbers without `.0`.
- Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets
  a leading apostrophe; reading strips it again, so a note survives a round trip unchanged.
- CSV is RFC 4180 (CRLF line ends, quoted where needed) after a UTF-8 byte-order mark, so
  that Excel reads accents.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def number(value: float) -> str:
    """Full precision: the shortest text that reads back as the same float."""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def defused(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert (numbers are never passed here).

    Text that `undefused` would shorten (an apostrophe before a formula start or before
    another apostrophe) is escaped too, so that `undefused(defused(t)) == t` for every `t`.
    """
    if text.startswith(FORMULA_STARTS) or undefused(text) != text:
        return "'" + text
    return text


def undefused(text: str) -> str:
    """The text before `defused`: one leading apostrophe is dropped where it guards."""
    if text[:1] == "'" and text[1:2] and text[1] in (*FORMULA_STARTS, "'"):
        return text[1:]
    return text


def written(rows: Iterable[Sequence[str]]) -> str:
    """RFC 4180 CSV: CRLF line ends, quoted where needed."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def filename(name: str, suffix: str) -> str:
    """`<slug of name>-<suffix>`, ASCII only, safe in any header."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    return f"{slug or 'export'}-{suffix}"
