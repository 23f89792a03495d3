"""Partner profile tables.

Contact details live in their own table so that row-level security, not a resolver,
keeps them members-only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type, updated_at_field


class PartnerKind(StrEnum):
    COMMUNITY_ORG = "community_org"
    PUBLIC_AGENCY = "public_agency"
    SCHOOL = "school"
    HEALTH = "health"
    BUSINESS = "business"
    FUNDER = "funder"
    BACKBONE = "backbone"
    RESIDENT_GROUP = "resident_group"


class ProfileVisibility(StrEnum):
    """Who may see that a partner takes part at all; chosen by the partner."""

    COLLABORATIVE = "collaborative"
    PUBLIC = "public"


class PartnerBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind = Field(sa_type=enum_type(PartnerKind, "partner_kind"))
    description: str = Field(default="", max_length=4000)
    website: str | None = Field(default=None, max_length=500)
    visibility: ProfileVisibility = Field(
        default=ProfileVisibility.PUBLIC,
        sa_type=enum_type(ProfileVisibility, "profile_visibility"),
    )


class Partner(PartnerBase, table=True):
    __tablename__ = "partner"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (UniqueConstraint("collaborative_id", "name"),)

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()


class PartnerContactBase(SQLModel):
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=500)


class PartnerContact(PartnerContactBase, table=True):
    """Members-only contact details of a partner."""

    __tablename__ = "partner_contact"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
    )

    collaborative_id: UUID = Field(primary_key=True)
    partner_id: UUID = Field(primary_key=True)
    updated_at: datetime | None = updated_at_field()
