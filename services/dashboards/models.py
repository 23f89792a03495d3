"""Dashboard tables: a community-defined, saved arrangement of panels, by slug.

A panel names a measure or an indicator; what it shows is decided when it is read, under
the reader's visibility, never by the dashboard's own visibility.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type, updated_at_field
from services.partners.models import ProfileVisibility
from services.validation import BoundedDate

MAX_PANELS = 24


class ChartKind(StrEnum):
    LINE = "line"
    BAR = "bar"
    TABLE = "table"
    NUMBER = "number"
    DISPARITY = "disparity"


class DashboardBase(SQLModel):
    slug: str = Field(
        min_length=1, max_length=64, schema_extra={"pattern": r"^[a-z0-9][a-z0-9-]*$"}
    )
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    # `collaborative`: members only; `public`: anyone, anonymous included.
    visibility: ProfileVisibility = Field(
        default=ProfileVisibility.COLLABORATIVE, sa_type=enum_type(ProfileVisibility, "visibility")
    )


class Dashboard(DashboardBase, table=True):
    __tablename__ = "dashboard"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        UniqueConstraint("collaborative_id", "slug"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="slug_format"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    created_by: UUID = Field(foreign_key="account.id")
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()


class PanelBase(SQLModel):
    title: str = Field(default="", max_length=200)
    chart: ChartKind = Field(sa_type=enum_type(ChartKind, "chart_kind"))
    # One cell of a breakdown (dimension and category), or a dimension alone: by it.
    dimension: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    period_from: BoundedDate | None = None
    period_to: BoundedDate | None = None


class DashboardPanel(PanelBase, table=True):
    __tablename__ = "dashboard_panel"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "dashboard_id"],
            ["dashboard.collaborative_id", "dashboard.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"], ["indicator.collaborative_id", "indicator.id"]
        ),
        CheckConstraint("(measure_id IS NULL) <> (indicator_id IS NULL)", name="one_subject"),
        CheckConstraint("category IS NULL OR dimension IS NOT NULL", name="category_of_dimension"),
        CheckConstraint(
            "period_from IS NULL OR period_to IS NULL OR period_from <= period_to",
            name="period_range",
        ),
        UniqueConstraint("collaborative_id", "dashboard_id", "position"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    dashboard_id: UUID
    position: int = Field(ge=0)
    measure_id: UUID | None = None
    indicator_id: UUID | None = None
