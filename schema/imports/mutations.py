"""importObservations: a CSV or .xlsx file as one batch (GraphQL multipart request spec)."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from api.context import Context
from schema.enums import ObservationStatusEnum
from schema.errors import UserError, attempt
from schema.imports.types import ObservationImport
from schema.observations.mutations import subject_ids
from services.errors import DomainError, ErrorCode
from services.imports import service as imports
from services.observations.models import ObservationStatus


@strawberry.input
class ImportObservationsInput:
    subject_id: strawberry.ID = strawberry.field(description="A Measure's or an Indicator's id.")
    file: Upload = strawberry.field(
        description="A CSV (UTF-8; commas, semicolons or tabs) or an .xlsx workbook with the "
        "columns of the subject's template."
    )
    status: ObservationStatusEnum = ObservationStatus.PUBLISHED  # type: ignore[valid-type]


@strawberry.type
class ImportObservationsPayload:
    import_: ObservationImport | None = strawberry.field(default=None, name="import")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Every problem of the file by row and column (field: file, row, column); "
        "nothing was written.",
    )


async def import_observations(
    info: Info[Context, None], input: ImportObservationsInput
) -> ImportObservationsPayload:
    ctx = info.context
    upload = input.file
    if not hasattr(upload, "file"):
        error = DomainError.single(
            ("file",),
            ErrorCode.REQUIRED,
            "send the file as a multipart upload (GraphQL "
            "multipart request spec: operations, map, and the file)",
        )
        return ImportObservationsPayload(user_errors=UserError.list_from(error))
    try:
        action = imports.import_file(
            session=ctx.session,
            viewer=ctx.viewer,
            source=upload.file,
            filename=upload.filename or "",
            status=input.status,
            board=ctx.imports,
            **subject_ids(input.subject_id),
        )
        return await attempt(
            action,
            lambda done: ImportObservationsPayload(import_=ObservationImport.of(done)),
            ImportObservationsPayload,
        )
    finally:
        await upload.close()
