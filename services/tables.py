"""Registers every table on SQLModel.metadata, for Alembic and for tests."""

from services.accounts.models import Account, ApiKey, Membership
from services.collaboratives.models import Collaborative
from services.metadata import SQLModel
from services.partners.models import Partner, PartnerContact

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "ApiKey",
    "Collaborative",
    "Membership",
    "Partner",
    "PartnerContact",
    "metadata",
]
