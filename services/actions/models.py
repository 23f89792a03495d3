"""Action item tables: a commitment owned by one partner, and its append-only status history.

The current status lives on the item for fast filtering, but the API role cannot write it:
inserting a status change is the only way to change it (a trigger in migration 0006 copies
the change onto the item), so the history can never disagree with the item.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, DateTime, ForeignKeyConstraint, Index, func
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type, updated_at_field
from services.validation import BoundedDate


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


FINISHED = (ActionStatus.DONE, ActionStatus.DROPPED)


class ActionItemBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    due_date: BoundedDate


class ActionItem(ActionItemBase, table=True):
    """A commitment of one partner (the backbone and funders included) to the table."""

    __tablename__ = "action_item"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "result_id"], ["result.collaborative_id", "result.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"], ["indicator.collaborative_id", "indicator.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
        CheckConstraint("(status = 'done') = (completed_on IS NOT NULL)", name="completed_if_done"),
        Index("ix_action_item_partner_due", "collaborative_id", "partner_id", "due_date"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    partner_id: UUID
    status: ActionStatus = Field(
        default=ActionStatus.OPEN, sa_type=enum_type(ActionStatus, "action_status")
    )
    completed_on: date | None = None
    result_id: UUID | None = None
    indicator_id: UUID | None = None
    measure_id: UUID | None = None
    created_by: UUID | None = None
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()


class ActionItemStatusChange(SQLModel, table=True):
    """One change of an item's status, with why; never updated nor deleted."""

    __tablename__ = "action_item_status_change"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "action_item_id"],
            ["action_item.collaborative_id", "action_item.id"],
        ),
        CheckConstraint("from_status <> to_status", name="changes_status"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    action_item_id: UUID = Field(index=True)
    # Set by the database from the item's status at the time of the change.
    from_status: ActionStatus | None = Field(
        default=None, sa_type=enum_type(ActionStatus, "from_status")
    )
    to_status: ActionStatus = Field(sa_type=enum_type(ActionStatus, "to_status"))
    note: str = Field(default="", max_length=2000)
    changed_by: UUID | None = None
    # The clock, not the transaction's start: changes within one transaction keep their order.
    changed_at: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.clock_timestamp(), "nullable": False},
    )
