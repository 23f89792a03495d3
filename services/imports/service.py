"""Importing a spreadsheet of observations into a measure or an indicator.

An import is a batch like any other: the file's SHA-256 is its client key (the same file
twice writes nothing twice), every row is checked by `record_batch` with
submitObservations' rules, and either every row is written or none. Problems name the
spreadsheet's row and column; at most MAX_LISTED are listed, then how many more there are.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import DomainError, ErrorCode, Problem
from services.imports import layout as cols
from services.imports.layout import Layout, layout_of
from services.imports.progress import Progress, ProgressBoard
from services.imports.rows import Parsed, read_rows
from services.observations.models import ObservationStatus
from services.observations.service import BatchKey, earlier_batch, record_batch
from services.observations.subjects import Reported, reportable, rules_for
from services.periods import Granularity
from services.spreadsheets.reading import MAX_FILE_BYTES, Format, open_sheet
from services.viewer import Viewer

MAX_LISTED = 1000
# validate_batch's field names, as the file's columns
COLUMNS = {
    "periodStart": cols.PERIOD,
    "suppressedAtSource": cols.SUPPRESSED,
    "value": cols.VALUE,
    "numerator": cols.NUMERATOR,
    "denominator": cols.DENOMINATOR,
    "n": cols.N,
    "note": cols.NOTE,
}


@dataclass(frozen=True, slots=True)
class Imported:
    subject: Reported
    sha256: str
    format: Format | None  # None when the file was imported before (not read again)
    rows: int
    status: ObservationStatus
    replayed: bool  # the same file was imported before: nothing was written


def file_sha256(source: IO[bytes]) -> str:
    source.seek(0)
    digest = hashlib.file_digest(source, "sha256").hexdigest()  # type: ignore[arg-type]
    source.seek(0)
    return digest


async def import_file(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    indicator_id: UUID | None,
    source: IO[bytes],
    filename: str,
    status: ObservationStatus,
    board: ProgressBoard | None = None,
) -> Imported:
    """Record every row of the file, or none; the same file again writes nothing."""
    subject = await reportable(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    size = source.seek(0, 2)
    if size > MAX_FILE_BYTES:
        raise DomainError.single(
            ("file",), ErrorCode.TOO_LONG, f"is larger than {MAX_FILE_BYTES // 2**20} MiB"
        )
    sha256 = await asyncio.to_thread(file_sha256, source)
    progress = Progress()
    if board is not None:
        board.start((subject.row.id, sha256), progress)
    key = BatchKey(
        client_key=f"file:{sha256}",
        fingerprint=hashlib.sha256(f"{status.value}:{sha256}".encode()).hexdigest(),
        field=("file",),
        conflict="was imported before with the other status (draft or published): "
        "publish those drafts with publishObservations instead",
    )
    layout: Layout | None = None
    try:
        earlier = await earlier_batch(session, subject, key)
        if earlier is not None:
            progress.finish()
            return Imported(subject, sha256, None, len(earlier.observation_ids), status, True)
        rules = await rules_for(session=session, subject=subject)
        layout = layout_of(rules)
        fmt, parsed = await asyncio.to_thread(
            _read, source, filename, layout, rules.granularity, progress
        )
        progress.checking()

        async def written(rows: int) -> None:
            progress.written(rows)

        recorded = await record_batch(
            session=session,
            viewer=viewer,
            subject=subject,
            key=key,
            status=status,
            rows=parsed.rows,
            path="file",
            numbering=lambda i: str(parsed.lines[i]),
            written=written,
            found=parsed.problems,
        )
    except DomainError as e:
        progress.finish(problems=len(e.problems))
        raise DomainError(listed(e.problems, layout)) from e
    except BaseException:
        progress.finish(problems=1)
        raise
    progress.finish()
    rows = len(recorded.batch.observation_ids)
    return Imported(subject, sha256, fmt, rows, status, recorded.replayed)


def _read(
    source: IO[bytes], filename: str, layout: Layout, granularity: Granularity, progress: Progress
) -> tuple[Format, Parsed]:
    sheet = open_sheet(source, filename, layout.known)
    if sheet.format is Format.CSV:
        progress.rows_expected = _line_estimate(source)
    return sheet.format, read_rows(sheet, layout, granularity, progress)


def _line_estimate(source: IO[bytes]) -> int:
    source.seek(0)
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 20), b""))
    return max(lines - 1, 0)  # less the header; quoted line breaks make it an estimate


def listed(problems: Sequence[Problem], layout: Layout | None) -> list[Problem]:
    """Problems in row order, named by the file's columns, at most MAX_LISTED of them."""
    named = sorted((_in_columns(p, layout) for p in problems), key=_row_order)
    if len(named) <= MAX_LISTED:
        return named
    more = len(named) - MAX_LISTED
    return [
        *named[:MAX_LISTED],
        Problem(
            ("file",),
            ErrorCode.INVALID,
            f"and {more:,} more problems: fix the ones listed and import the file again",
        ),
    ]


def _in_columns(problem: Problem, layout: Layout | None) -> Problem:
    field = problem.field
    if field[:1] != ("file",) or len(field) < 3 or layout is None:
        return problem
    name = field[2]
    if name == "breakdown":
        column = (layout.column_of(field[3]),) if len(field) > 3 else ()
    else:
        column = (COLUMNS.get(name, name),)
    return Problem((*field[:2], *column), problem.code, problem.message)


def _row_order(problem: Problem) -> int:
    row = problem.field[1] if len(problem.field) > 1 else "0"
    return int(row) if row.isdigit() else 0
