"""The audit trail: one append-only row per changed row, written by the database itself.

Rows are written by the `tablero_audit()` trigger (migration 0009) on every table, so no
mutation can forget to record itself; the API role may only read them, through policies.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.metadata import enum_type

# Tables without the audit trigger: the trail itself, and the rate-limit ledger, which every
# API process rewrites every second and which holds nobody's data.
UNAUDITED = frozenset({"audit_event", "rate_limit_usage"})


class AuditOperation(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


class AuditEvent(SQLModel, table=True):
    """Who changed which row, when, and what it was before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_collaborative_id_id", "collaborative_id", "id"),
        Index("ix_audit_event_table_name_row_id", "table_name", "row_id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, Identity(always=True), primary_key=True),
    )
    occurred_at: datetime = Field(
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.clock_timestamp(), "nullable": False},
    )
    # The request's id (also in its log lines and X-Request-Id): groups one mutation's rows.
    request_id: str | None = Field(default=None, sa_type=String(64))
    collaborative_id: UUID | None = None
    account_id: UUID | None = None
    api_key_id: UUID | None = None
    table_name: str = Field(sa_type=String(63))
    operation: AuditOperation = Field(sa_type=enum_type(AuditOperation, "audit_operation"))
    row_id: UUID | None = None
    # Whose row it was and who could see it then: what the read policies decide on.
    partner_id: UUID | None = None
    visibility: str | None = Field(default=None, sa_type=String(32))
    # The measure the row is about, if any: the backbone reads it only while that measure
    # is not private (see migration 0015).
    measure_id: UUID | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
