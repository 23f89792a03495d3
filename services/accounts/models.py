"""Account, membership and API key tables."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type
from services.viewer import DEFAULT_KEY_SCOPES, Role, Scope

ALL_SCOPES = "{" + ",".join(sorted(s.value for s in Scope)) + "}"
DEFAULT_SCOPES = "{" + ",".join(sorted(s.value for s in DEFAULT_KEY_SCOPES)) + "}"


class Account(SQLModel, table=True):
    """A person. `subject` is the identity provider's stable id for them (`sub` claim)."""

    __tablename__ = "account"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    subject: str = Field(max_length=255, unique=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=200)
    # Creates collaboratives and names their first backbone stewards; reads no private data
    # (nothing in row-level security reads this flag for reading).
    instance_admin: bool = Field(default=False, sa_column_kwargs={"server_default": "false"})
    created_at: datetime | None = created_at_field()


class Membership(SQLModel, table=True):
    """A role of an account in one collaborative, on behalf of one partner for partner roles."""

    __tablename__ = "membership"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        UniqueConstraint(
            "collaborative_id",
            "account_id",
            "role",
            "partner_id",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint(
            "(role IN ('resident', 'admin')) = (partner_id IS NULL)",
            name="partner_iff_partner_role",
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID = Field(foreign_key="account.id", index=True)
    role: Role = Field(sa_type=enum_type(Role, "membership_role"))
    partner_id: UUID | None = None
    created_at: datetime | None = created_at_field()


class ApiKey(SQLModel, table=True):
    """A partner system's credential. Only a hash is stored; the key is shown once."""

    __tablename__ = "api_key"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        # Tenant keys include the tenant (Citus-ready); the hash index serves the lookup.
        UniqueConstraint("collaborative_id", "key_hash"),
        CheckConstraint(f"scopes <@ '{ALL_SCOPES}'::varchar[]", name="known_scopes"),
        ForeignKeyConstraint(
            ["collaborative_id", "replaced_by"], ["api_key.collaborative_id", "api_key.id"]
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    partner_id: UUID
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, index=True)
    # What the key may do (services/viewer.py, Scope); never visibility, consent or owners.
    scopes: list[str] = Field(
        default_factory=lambda: sorted(DEFAULT_KEY_SCOPES),
        sa_type=ARRAY(String(32)),
        sa_column_kwargs={"server_default": text(f"'{DEFAULT_SCOPES}'")},
    )
    created_at: datetime | None = created_at_field()
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Optional: the key stops working then (a rotated key's grace period ends then too).
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # When the key last authenticated, to the minute (kept out of the audit trail).
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The key that replaced this one when it was rotated.
    replaced_by: UUID | None = None
