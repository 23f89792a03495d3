"""Reading the audit trail, newest first, as the viewer may (writing is the database's)."""

from __future__ import annotations

from uuid import UUID

from sqlmodel import col, select

from services import policy
from services.audit.models import AuditEvent
from services.pagination import Listing
from services.viewer import Viewer


def trail(*, viewer: Viewer, collaborative_id: UUID, row_id: UUID | None = None) -> Listing:
    """Changes in a collaborative the viewer may read, optionally of one row, newest first."""
    statement = select(AuditEvent).where(
        AuditEvent.collaborative_id == collaborative_id, policy.audit_visible(viewer)
    )
    if row_id is not None:
        statement = statement.where(AuditEvent.row_id == row_id)
    return Listing(statement, (col(AuditEvent.id),), descending=True)  # type: ignore[arg-type]
