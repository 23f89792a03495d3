"""Performance measure tables: the measure, its dimensions, what it contributes to, and the
record of its visibility changes; and the shared measures partners may adopt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.measures.units import Direction, Unit
from services.metadata import created_at_field, enum_type, updated_at_field
from services.periods import Granularity
from services.visibility import Visibility


class Quadrant(StrEnum):
    """The Results-Based Accountability quadrant a performance measure answers."""

    HOW_MUCH = "how_much"
    HOW_WELL = "how_well"
    BETTER_OFF = "better_off"


class Aggregation(StrEnum):
    SUM = "sum"
    RATE = "rate"  # sum(numerator) / sum(denominator), never a mean of percentages
    MEAN = "mean"  # weighted by n


class SharedMeasureStatus(StrEnum):
    PROPOSED = "proposed"
    RATIFIED = "ratified"
    RETIRED = "retired"


class SharedMeasureBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    definition: str = Field(default="", max_length=4000)
    unit: Unit = Field(sa_type=enum_type(Unit, "unit"))
    direction: Direction = Field(sa_type=enum_type(Direction, "direction"))
    numerator_definition: str = Field(default="", max_length=2000)
    denominator_definition: str = Field(default="", max_length=2000)
    aggregation: Aggregation = Field(sa_type=enum_type(Aggregation, "aggregation"))
    granularity: Granularity = Field(sa_type=enum_type(Granularity, "granularity"))


class SharedMeasure(SharedMeasureBase, table=True):
    __tablename__ = "shared_measure"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (UniqueConstraint("collaborative_id", "name"),)

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    status: SharedMeasureStatus = Field(
        default=SharedMeasureStatus.PROPOSED,
        sa_type=enum_type(SharedMeasureStatus, "shared_measure_status"),
    )
    created_at: datetime | None = created_at_field()


class MeasureBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    quadrant: Quadrant = Field(sa_type=enum_type(Quadrant, "quadrant"))
    unit: Unit = Field(sa_type=enum_type(Unit, "unit"))
    direction: Direction = Field(sa_type=enum_type(Direction, "direction"))
    granularity: Granularity = Field(sa_type=enum_type(Granularity, "granularity"))
    visibility: Visibility = Field(
        default=Visibility.PRIVATE, sa_type=enum_type(Visibility, "visibility")
    )
    share_in_aggregates: bool = True


class PerformanceMeasure(MeasureBase, table=True):
    """A partner's own measure of its work; the partner chooses who sees it."""

    __tablename__ = "performance_measure"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "shared_measure_id"],
            ["shared_measure.collaborative_id", "shared_measure.id"],
        ),
        UniqueConstraint("collaborative_id", "partner_id", "name"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    partner_id: UUID = Field(index=True)
    shared_measure_id: UUID | None = None
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()


class MeasureDimension(SQLModel, table=True):
    __tablename__ = "measure_dimension"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "dimension_id"], ["dimension.collaborative_id", "dimension.id"]
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    measure_id: UUID = Field(primary_key=True)
    dimension_id: UUID = Field(primary_key=True)


class MeasureContribution(SQLModel, table=True):
    """A result or an indicator that a performance measure contributes to."""

    __tablename__ = "measure_contribution"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "result_id"], ["result.collaborative_id", "result.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"], ["indicator.collaborative_id", "indicator.id"]
        ),
        CheckConstraint("(result_id IS NULL) <> (indicator_id IS NULL)", name="one_target"),
        UniqueConstraint(
            "collaborative_id",
            "measure_id",
            "result_id",
            "indicator_id",
            postgresql_nulls_not_distinct=True,
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    measure_id: UUID
    result_id: UUID | None = None
    indicator_id: UUID | None = None


class MeasureVisibilityChange(SQLModel, table=True):
    """Every change of who may see a measure, for the owner's record."""

    __tablename__ = "measure_visibility_change"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    measure_id: UUID = Field(index=True)
    partner_id: UUID
    from_visibility: Visibility = Field(sa_type=enum_type(Visibility, "from_visibility"))
    to_visibility: Visibility = Field(sa_type=enum_type(Visibility, "to_visibility"))
    changed_by: UUID | None = None
    changed_at: datetime | None = created_at_field()
