"""Registers every table on SQLModel.metadata, for Alembic and for tests."""

from services.accounts.models import Account, ApiKey, Membership
from services.actions.models import ActionItem, ActionItemStatusChange
from services.agenda.models import Domain, Result
from services.audit.models import AuditEvent
from services.collaboratives.models import Collaborative
from services.dashboards.models import Dashboard, DashboardPanel
from services.dimensions.models import Dimension, DimensionCategory
from services.documents.models import PersistedDocument
from services.governance.models import (
    IndicatorVersion,
    Proposal,
    ProposalComment,
    ProposalVote,
)
from services.indicators.models import Indicator, IndicatorDimension
from services.invitations.models import Invitation
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
from services.rate_limits.models import RateLimitUsage
from services.releases.models import Release, ReleaseCell, ReleaseShare, ReportingPeriod
from services.stories.models import Story
from services.translations.models import Translation

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "ActionItem",
    "ActionItemStatusChange",
    "ApiKey",
    "AuditEvent",
    "Collaborative",
    "Dashboard",
    "DashboardPanel",
    "Dimension",
    "DimensionCategory",
    "Domain",
    "Indicator",
    "IndicatorDimension",
    "IndicatorVersion",
    "Invitation",
    "MeasureContribution",
    "MeasureDimension",
    "MeasureVisibilityChange",
    "Membership",
    "Observation",
    "ObservationBatch",
    "Partner",
    "PartnerContact",
    "PerformanceMeasure",
    "PersistedDocument",
    "Proposal",
    "ProposalComment",
    "ProposalVote",
    "RateLimitUsage",
    "Release",
    "ReleaseCell",
    "ReleaseShare",
    "ReportingPeriod",
    "Result",
    "SharedMeasure",
    "Story",
    "Target",
    "Translation",
    "metadata",
]
