"""Observation, batch and target tables.

An observation belongs to a performance measure or to an indicator. Its owner and
visibility are copied from the measure by the database (triggers in the migrations), so
row-level security can decide on the row alone. Corrections add a revision; nothing is
deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Column,
    Computed,
    ForeignKeyConstraint,
    Index,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type
from services.periods import Granularity
from services.visibility import Visibility

SUPPRESSED_PATTERN = r"^(<|≤|<=)\s*\d+$|^\*$|^suppressed$"
MAX_NOTE = 2000  # also a correction's reason
MAX_SUPPRESSED_MARKER = 16
MAX_N = 2**31 - 1  # an integer column


class ObservationStatus(StrEnum):
    DRAFT = "draft"  # seen by its owner only
    PUBLISHED = "published"


def _subject_id() -> Any:
    """The measure's or the indicator's id, whichever the row belongs to (generated)."""
    return Field(
        default=None,
        sa_column=Column(
            Uuid(), Computed("coalesce(measure_id, indicator_id)", persisted=True), nullable=False
        ),
    )


def _subject_fks() -> tuple[Any, ...]:
    return (
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"], ["indicator.collaborative_id", "indicator.id"]
        ),
        CheckConstraint("(measure_id IS NULL) <> (indicator_id IS NULL)", name="one_subject"),
    )


class Observation(SQLModel, table=True):
    __tablename__ = "observation"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        *_subject_fks(),
        CheckConstraint(
            "(value IS NULL) <> (suppressed_at_source IS NULL)", name="value_or_suppressed"
        ),
        CheckConstraint("n IS NULL OR n >= 0", name="n_not_negative"),
        # One current value per cell: corrections supersede, never duplicate.
        Index(
            "uq_observation_current_cell",
            "collaborative_id",
            "subject_id",
            "granularity",
            "period_start",
            "breakdown_key",
            unique=True,
            postgresql_where=text("is_current"),
        ),
        # One cell of many subjects, in period order (dashboards, charts): migration 0018.
        Index(
            "ix_observation_subject_cell_period",
            "subject_id",
            "breakdown_key",
            "period_start",
            postgresql_where=text("is_current"),
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    measure_id: UUID | None = None
    indicator_id: UUID | None = None
    subject_id: UUID | None = _subject_id()
    # Copied from the measure by a trigger: the owner (None for indicators) and visibility.
    partner_id: UUID | None = None
    visibility: Visibility = Field(
        default=Visibility.PRIVATE, sa_type=enum_type(Visibility, "visibility")
    )
    # The widest audience that ever could read this value, and, once a release counted it,
    # the widest it may ever have (set by the database: see migrations/sql/0013_releases.sql).
    widest_visibility: Visibility = Field(
        default=Visibility.PRIVATE,
        sa_type=enum_type(Visibility, "widest_visibility"),
        sa_column_kwargs={"server_default": "private"},
    )
    visibility_cap: Visibility | None = Field(
        default=None, sa_type=enum_type(Visibility, "visibility_cap")
    )
    status: ObservationStatus = Field(
        default=ObservationStatus.PUBLISHED, sa_type=enum_type(ObservationStatus, "status")
    )
    granularity: Granularity = Field(sa_type=enum_type(Granularity, "granularity"))
    period_start: date
    # dimension key -> category key; {} is the total
    breakdown: dict[str, str] = Field(default_factory=dict, sa_type=JSONB)
    breakdown_key: str = Field(default="", max_length=1000)
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n: int | None = None
    suppressed_at_source: str | None = Field(default=None, max_length=MAX_SUPPRESSED_MARKER)
    note: str = Field(default="", max_length=MAX_NOTE)
    revision: int = 1
    is_current: bool = True
    previous_id: UUID | None = None
    correction_reason: str | None = Field(default=None, max_length=MAX_NOTE)
    batch_id: UUID | None = None
    recorded_by_account: UUID | None = None
    recorded_by_api_key: UUID | None = None
    recorded_at: datetime | None = created_at_field()


class ObservationBatch(SQLModel, table=True):
    """One submitted batch, remembered by its client key so a retry writes nothing twice."""

    __tablename__ = "observation_batch"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        *_subject_fks(),
        UniqueConstraint("collaborative_id", "subject_id", "client_key"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    measure_id: UUID | None = None
    indicator_id: UUID | None = None
    subject_id: UUID | None = _subject_id()
    partner_id: UUID | None = None
    client_key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    observation_ids: list[UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid()))
    created_at: datetime | None = created_at_field()


class Target(SQLModel, table=True):
    """A target value for a period, for the total ({}) or for one cell (an equity target)."""

    __tablename__ = "target"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        *_subject_fks(),
        UniqueConstraint(
            "collaborative_id",
            "measure_id",
            "indicator_id",
            "breakdown_key",
            "period_start",
            postgresql_nulls_not_distinct=True,
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    measure_id: UUID | None = None
    indicator_id: UUID | None = None
    period_start: date
    breakdown: dict[str, str] = Field(default_factory=dict, sa_type=JSONB)
    breakdown_key: str = Field(default="", max_length=1000)
    value: float
    created_at: datetime | None = created_at_field()
