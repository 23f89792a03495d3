"""ObservationImport (what an import did) and ImportProgress (how far one has got)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from schema.enums import ObservationStatusEnum
from schema.relay import to_global_id
from services.imports.progress import Phase, Progress
from services.imports.service import Imported
from services.spreadsheets.reading import Format

SpreadsheetFormatEnum = strawberry.enum(Format, name="SpreadsheetFormat")
ImportPhaseEnum = strawberry.enum(
    Phase, name="ImportPhase", description="Where an import is: reading, checking, writing."
)


@strawberry.type(description="A spreadsheet imported into a measure or an indicator.")
class ObservationImport:
    subject_id: strawberry.ID
    file_sha256: str = strawberry.field(
        description="The file's SHA-256: the same file again writes nothing twice."
    )
    format: SpreadsheetFormatEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="CSV or XLSX; null when the file was imported before and not read again."
    )
    rows: int = strawberry.field(description="Observations the file recorded.")
    status: ObservationStatusEnum  # type: ignore[valid-type]
    replayed: bool = strawberry.field(
        description="True when this file was imported before: nothing was written now."
    )

    @classmethod
    def of(cls, done: Imported) -> ObservationImport:
        kind = "Measure" if done.subject.is_measure else "Indicator"
        return cls(
            subject_id=to_global_id(kind, done.subject.row.id),
            file_sha256=done.sha256,
            format=done.format,
            rows=done.rows,
            status=done.status,
            replayed=done.replayed,
        )


@strawberry.type(
    description="How far an import has got, while its upload runs and for a while after."
)
class ImportProgress:
    phase: ImportPhaseEnum  # type: ignore[valid-type]
    rows_read: int
    rows_expected: int | None = strawberry.field(
        description="Rows the file holds: an estimate while reading a CSV, exact after."
    )
    rows_written: int
    problems: int = strawberry.field(description="Problems found (the import was refused).")
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, p: Progress) -> ImportProgress:
        return cls(
            phase=p.phase,
            rows_read=p.rows_read,
            rows_expected=p.rows_expected,
            rows_written=p.rows_written,
            problems=p.problems,
            started_at=datetime.fromtimestamp(p.started, UTC),
            finished_at=datetime.fromtimestamp(p.finished, UTC) if p.finished else None,
        )
