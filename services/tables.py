"""Registers every table on SQLModel.metadata, for Alembic and for tests."""

from services.accounts.models import Account, ApiKey, Membership
from services.agenda.models import Domain, Result
from services.collaboratives.models import Collaborative
from services.dimensions.models import Dimension, DimensionCategory
from services.indicators.models import Indicator, IndicatorDimension
from services.measures.models import (
    MeasureContribution,
    MeasureDimension,
    MeasureVisibilityChange,
    PerformanceMeasure,
    SharedMeasure,
)
from services.metadata import SQLModel
from services.observations.models import Observation, ObservationBatch, Target
from services.partners.models import Partner, PartnerContact
from services.translations.models import Translation

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "ApiKey",
    "Collaborative",
    "Dimension",
    "DimensionCategory",
    "Domain",
    "Indicator",
    "IndicatorDimension",
    "MeasureContribution",
    "MeasureDimension",
    "MeasureVisibilityChange",
    "Membership",
    "Observation",
    "ObservationBatch",
    "Partner",
    "PartnerContact",
    "PerformanceMeasure",
    "Result",
    "SharedMeasure",
    "Target",
    "Translation",
    "metadata",
]
