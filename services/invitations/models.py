"""The invitation table: who is invited to which role, under whose standing, until when.

Only the SHA-256 of the code is stored, and the API role cannot even read that column
(migration 0051): the code itself is shown once, to the person who invites.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, DateTime, ForeignKeyConstraint
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type


class InvitationRole(StrEnum):
    """What the invitee becomes; each is one or two memberships (services/invitations/roles.py)."""

    RESIDENT = "resident"
    PARTNER_STAFF = "partner_staff"
    PARTNER_STEWARD = "partner_steward"
    FUNDER = "funder"
    BACKBONE = "backbone"  # backbone staff: convenes the table
    BACKBONE_STEWARD = "backbone_steward"  # backbone staff who also steward the backbone


class IssuedAs(StrEnum):
    """The standing an invitation was issued under; it must still hold when it is redeemed."""

    STEWARD = "steward"  # a steward of the partner, for its own people
    BACKBONE = "backbone"  # the backbone: residents, funders, its staff, a first steward
    ADMIN = "admin"  # an instance admin: the first backbone stewards
    OPERATOR = "operator"  # `tablero collaborative create` / `invite`, as the owner role


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        CheckConstraint(
            "(role = 'resident') = (partner_id IS NULL)", name="partner_iff_partner_role"
        ),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    email: str = Field(max_length=320)  # normalized (services/invitations/emails.py)
    role: InvitationRole = Field(sa_type=enum_type(InvitationRole, "invitation_role"))
    partner_id: UUID | None = None
    issued_as: IssuedAs = Field(sa_type=enum_type(IssuedAs, "invitation_issued_as"))
    invited_by: UUID | None = Field(default=None, foreign_key="account.id")
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime | None = created_at_field()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    last_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    redeemed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    redeemed_by: UUID | None = Field(default=None, foreign_key="account.id")
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_by: UUID | None = Field(default=None, foreign_key="account.id")
