"""Release tables: reporting periods, releases, their stored cells, and what they counted.

A release is decided in the database (migrations/sql/0013_releases.sql); these tables hold
its outcome. The API role reads periods, releases and cells; the shares a release counted
(`release_share`, partners' private values among them) are the owner's alone.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type
from services.periods import Granularity
from services.visibility import Visibility

NOTE_MAX = 2000


class ReportingPeriod(SQLModel, table=True):
    """A period some measure reported for: what can be released, and when it is due."""

    __tablename__ = "reporting_period"

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    granularity: Granularity = Field(
        sa_type=enum_type(Granularity, "granularity"), primary_key=True
    )
    period_start: date = Field(primary_key=True)
    opened_at: datetime | None = created_at_field()


class Release(SQLModel, table=True):
    """One publication of a period's aggregates: number 1, then revisions 2, 3, ..."""

    __tablename__ = "release"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "granularity", "period_start"],
            [
                "reporting_period.collaborative_id",
                "reporting_period.granularity",
                "reporting_period.period_start",
            ],
        ),
        UniqueConstraint("collaborative_id", "granularity", "period_start", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    granularity: Granularity = Field(sa_type=enum_type(Granularity, "granularity"))
    period_start: date
    number: int
    released_at: datetime | None = created_at_field()
    released_by: UUID | None = Field(default=None, foreign_key="account.id")
    automatic: bool = False
    note: str = Field(default="", max_length=NOTE_MAX)
    # The roll-ups of categories the release used: [{d, c, pd, pc}, ...]
    parents: list[dict[str, str]] = Field(default_factory=list, sa_type=JSONB)
    cells_shown: int = 0
    cells_hidden: int = 0
    cells_withheld: int = 0  # hidden as REVISION: they would single out a change
    cells_changed: int = 0  # shown here and in the release before, with another value
    cells_newly_shown: int = 0  # shown here, hidden or absent in the release before


class ReleaseCell(SQLModel, table=True):
    """A published cell: a value, or the reason it is hidden and nothing else."""

    __tablename__ = "release_cell"
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "release_id"], ["release.collaborative_id", "release.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "shared_measure_id"],
            ["shared_measure.collaborative_id", "shared_measure.id"],
        ),
        CheckConstraint("(value IS NULL) <> (reason IS NULL)", name="value_or_reason"),
        Index(
            "ix_release_cell_measure_period",
            "collaborative_id",
            "shared_measure_id",
            "dimensions",
            "period_start",
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    release_id: UUID = Field(primary_key=True)
    shared_measure_id: UUID = Field(primary_key=True)
    breakdown_key: str = Field(default="", max_length=1000, primary_key=True)
    period_start: date
    breakdown: dict[str, str] = Field(default_factory=dict, sa_type=JSONB)
    dimensions: str = Field(default="", max_length=1000)  # its dimension keys, sorted, by ","
    value: float | None = None
    partners: int | None = None
    n: float | None = None
    reason: str | None = Field(default=None, max_length=32)
    unstable: bool = False


class ReleaseShare(SQLModel, table=True):
    """What one measure contributed to one cell of a release, per widest audience that
    could read it: the release's memory, read only by later releases of the period."""

    __tablename__ = "release_share"
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "release_id"], ["release.collaborative_id", "release.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "shared_measure_id"],
            ["shared_measure.collaborative_id", "shared_measure.id"],
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    release_id: UUID = Field(primary_key=True)
    shared_measure_id: UUID = Field(primary_key=True)
    breakdown_key: str = Field(default="", max_length=1000, primary_key=True)
    measure_id: UUID = Field(primary_key=True)
    visibility: Visibility = Field(sa_type=enum_type(Visibility, "visibility"), primary_key=True)
    partner_id: UUID
    breakdown: dict[str, str] = Field(default_factory=dict, sa_type=JSONB)
    ok: bool
    a: float | None = None
    b: float | None = None
    people: float | None = None
    versions: list[UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid()))
