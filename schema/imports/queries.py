"""importProgress: how far an import has got, for whoever may import into its subject."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.imports.types import ImportProgress
from schema.observations.mutations import subject_ids
from services.errors import DomainError
from services.observations.subjects import reportable


async def resolve_import_progress(
    info: Info[Context, None], subject_id: strawberry.ID, file_sha256: str
) -> ImportProgress | None:
    """Null for an unknown import, one on a subject the viewer may not import into, and one
    running in another server process."""
    ctx = info.context
    try:
        subject = await reportable(
            session=ctx.session, viewer=ctx.viewer, **subject_ids(subject_id)
        )
    except DomainError:
        return None
    progress = ctx.imports.get((subject.row.id, file_sha256.strip().lower()))
    return ImportProgress.of(progress) if progress else None
