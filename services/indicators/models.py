"""Indicator tables. Indicators belong to the collaborative; the backbone stewards them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.measures.units import Direction, Unit
from services.metadata import created_at_field, enum_type, updated_at_field
from services.partners.models import ProfileVisibility
from services.periods import Granularity
from services.validation import BoundedDate, BoundedFloat


class IndicatorKind(StrEnum):
    POPULATION = "population"
    SYSTEMS = "systems"  # norms, policies, resources such as per-pupil funding


class IndicatorStatus(StrEnum):
    PROPOSED = "proposed"
    RATIFIED = "ratified"
    # Ratified, but no data exists yet: on the data development agenda until its first
    # published observation (a trigger of migration 0005 then makes it `ratified`).
    DATA_DEVELOPMENT = "data_development"
    RETIRED = "retired"


class IndicatorBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    definition: str = Field(default="", max_length=4000)
    unit: Unit = Field(sa_type=enum_type(Unit, "unit"))
    direction: Direction = Field(sa_type=enum_type(Direction, "direction"))
    kind: IndicatorKind = Field(
        default=IndicatorKind.POPULATION, sa_type=enum_type(IndicatorKind, "indicator_kind")
    )
    data_source: str = Field(default="", max_length=500)
    granularity: Granularity = Field(sa_type=enum_type(Granularity, "granularity"))
    baseline_period_start: BoundedDate | None = None
    baseline_value: BoundedFloat | None = None
    # Indicators are the collaborative's; `collaborative` keeps one among members.
    visibility: ProfileVisibility = Field(
        default=ProfileVisibility.PUBLIC, sa_type=enum_type(ProfileVisibility, "visibility")
    )


class Indicator(IndicatorBase, table=True):
    __tablename__ = "indicator"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "result_id"], ["result.collaborative_id", "result.id"]
        ),
        UniqueConstraint("collaborative_id", "name"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    result_id: UUID
    status: IndicatorStatus = Field(
        default=IndicatorStatus.PROPOSED, sa_type=enum_type(IndicatorStatus, "indicator_status")
    )
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()


class IndicatorDimension(SQLModel, table=True):
    """A dimension an indicator is disaggregated by."""

    __tablename__ = "indicator_dimension"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"], ["indicator.collaborative_id", "indicator.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "dimension_id"], ["dimension.collaborative_id", "dimension.id"]
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    indicator_id: UUID = Field(primary_key=True)
    dimension_id: UUID = Field(primary_key=True)
