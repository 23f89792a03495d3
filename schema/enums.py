"""GraphQL enums of the measurement vocabulary, declared once."""

from __future__ import annotations

import strawberry

from services.indicators.models import IndicatorKind, IndicatorStatus
from services.measures.models import Aggregation, Quadrant, SharedMeasureStatus
from services.measures.units import Direction, Unit
from services.observations.models import ObservationStatus
from services.periods import Granularity
from services.viewer import Role
from services.visibility import Visibility

UnitEnum = strawberry.enum(Unit, name="Unit")
DirectionEnum = strawberry.enum(Direction, name="Direction")
GranularityEnum = strawberry.enum(Granularity, name="Granularity")
VisibilityEnum = strawberry.enum(
    Visibility, name="Visibility", description="Who may see a row; its owner's choice."
)
QuadrantEnum = strawberry.enum(
    Quadrant, name="Quadrant", description="The RBA question a performance measure answers."
)
AggregationEnum = strawberry.enum(Aggregation, name="Aggregation")
IndicatorKindEnum = strawberry.enum(IndicatorKind, name="IndicatorKind")
IndicatorStatusEnum = strawberry.enum(IndicatorStatus, name="IndicatorStatus")
SharedMeasureStatusEnum = strawberry.enum(SharedMeasureStatus, name="SharedMeasureStatus")
ObservationStatusEnum = strawberry.enum(ObservationStatus, name="ObservationStatus")

RoleEnum = strawberry.enum(Role, name="Role")
