"""Importing a spreadsheet of observations, and writing a subject's template and export.

An import is a batch like any other: the file's SHA-256 is its client key (the same file
twice writes nothing twice), every row is checked by `record_batch` with
submitObservations' rules, and either every row is written or none. Problems name the
spreadsheet's row and column; at most MAX_LISTED are listed, then how many more there are.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.dimensions import service as dimensions
from services.errors import DomainError, ErrorCode, Problem
from services.imports import layout as cols
from services.imports.layout import Layout, layout_of
from services.imports.progress import Progress, ProgressBoard
from services.imports.rows import LABELS, Parsed, read_rows
from services.indicators import service as indicators
from services.measures import service as measures
from services.measures.units import Unit
from services.observations.models import Observation, ObservationStatus
from services.observations.service import BatchKey, earlier_batch, record_batch
from services.observations.subjects import Reported, readable, reportable, rules_for
from services.periods import Granularity, label
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


# -- templates and exports ---------------------------------------------------------------------


@dataclass(frozen=True)
class Spreadsheet:
    """What a template or an export holds, before it is written as CSV or .xlsx."""

    name: str  # the subject's, for the file name
    columns: tuple[str, ...]
    rows: list[list[Any]]  # typed cells: text, numbers (never None: blank is "")
    guide: list[list[str]]  # the template's "how to fill" sheet


async def subject_layout(
    *, session: AsyncSession, viewer: Viewer, measure_id: UUID | None, indicator_id: UUID | None
) -> tuple[Reported, Layout]:
    """A subject the viewer may read, and its file's layout."""
    subject = await readable(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    return subject, layout_of(await rules_for(session=session, subject=subject))


async def template(
    *, session: AsyncSession, viewer: Viewer, measure_id: UUID | None, indicator_id: UUID | None
) -> Spreadsheet:
    """The columns a subject's file expects, and a guide to filling them in."""
    subject, layout = await subject_layout(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    guide = await _guide(session, subject, layout)
    return Spreadsheet(subject.row.name, layout.columns, [], guide)


async def export(
    *, session: AsyncSession, viewer: Viewer, measure_id: UUID | None, indicator_id: UUID | None
) -> Spreadsheet:
    """The subject's current observations the viewer may read, in its file's columns."""
    subject, layout = await subject_layout(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    statement = (
        select(*EXPORTED)
        .where(
            Observation.collaborative_id == subject.row.collaborative_id,
            Observation.subject_id == subject.row.id,
            col(Observation.is_current).is_(True),
            policy.observation_visible(viewer),
        )
        .order_by(col(Observation.period_start), col(Observation.breakdown_key))
    )
    found = (await session.exec(statement)).all()
    columns = list(layout.columns)
    if not layout.ratio and any(o.numerator is not None for o in found):
        at = columns.index(cols.VALUE) + 1
        columns[at:at] = [cols.NUMERATOR, cols.DENOMINATOR]
    cells = [_cell_of(column, layout, subject.row.granularity) for column in columns]
    rows = [[cell(o) for cell in cells] for o in found]
    return Spreadsheet(subject.row.name, tuple(columns), rows, [])


EXPORTED = (
    Observation.period_start,
    Observation.breakdown,
    Observation.value,
    Observation.numerator,
    Observation.denominator,
    Observation.n,
    Observation.suppressed_at_source,
    Observation.note,
)


def _cell_of(column: str, layout: Layout, granularity: Granularity) -> Callable[[Any], Any]:
    """How a column's cell is read from an observation (decided once per column, not cell)."""
    dimension = layout.dimension_of(column)
    if column == cols.PERIOD:
        return lambda o: label(granularity, o.period_start)
    if dimension is not None:
        return lambda o: o.breakdown.get(dimension, "")
    name = column

    def value(o: Any) -> Any:
        found = getattr(o, name)
        return "" if found is None else found

    return value


async def _guide(session: AsyncSession, subject: Reported, layout: Layout) -> list[list[str]]:
    """The template's second sheet: what each column takes, and each dimension's categories."""
    row = subject.row
    if subject.is_measure:
        dims = await measures.dimension_ids_of(session=session, measure_ids=[row.id])
    else:
        dims = await indicators.dimension_ids_of(session=session, indicator_ids=[row.id])
    found = await dimensions.get_many(session=session, ids=dims[row.id])
    categories = await dimensions.categories_of(session=session, dimension_ids=list(found))
    unit = row.unit.value.replace("_", " ")
    example = LABELS[row.granularity][1]
    granularity = row.granularity.value.replace("_", " ")
    guide = [
        [cols.PERIOD, f"the {granularity}: its label (such as {example}) or its first day"],
        [
            cols.VALUE,
            f"the value, in {unit}; blank if numerator and denominator give it"
            + (
                "; type 45 for 45 %, not 45% (a cell formatted as a percent holds 0.45)"
                if row.unit is Unit.PERCENT
                else ""
            ),
        ],
    ]
    if layout.ratio:
        guide += [
            [cols.NUMERATOR, "for a rate: how many met the definition"],
            [cols.DENOMINATOR, "for a rate: how many could have"],
        ]
    guide += [
        [cols.N, "how many people the value counts (for small-number protection)"],
        [cols.SUPPRESSED, "how the source withheld a small value (<5, <=10, *): no value then"],
        [cols.NOTE, "anything a reader should know about this value"],
    ]
    for dimension in sorted(found.values(), key=lambda d: d.key):
        keys = ", ".join(f"{c.key} ({c.label})" for c in categories[dimension.id])
        guide.append([layout.column_of(dimension.key), f"{dimension.name}, blank for all: {keys}"])
    return guide
