"""Reading the audit trail, newest first, as the viewer may (writing is the database's)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select

from services import policy
from services.audit.models import AuditEvent
from services.pagination import Listing
from services.viewer import Viewer


def trail(
    *, viewer: Viewer, collaborative_id: UUID, row_ids: Sequence[UUID] | None = None
) -> Listing:
    """Changes in a collaborative the viewer may read, newest first; of `row_ids` only when
    given (an empty list, from a malformed id, matches nothing)."""
    statement = select(AuditEvent).where(
        AuditEvent.collaborative_id == collaborative_id, policy.audit_visible(viewer)
    )
    if row_ids is not None:
        statement = statement.where(col(AuditEvent.row_id).in_(row_ids))
    return Listing(statement, (col(AuditEvent.id),), descending=True)  # type: ignore[arg-type]
