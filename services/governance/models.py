"""Proposal, comment, vote and indicator-version tables.

A vote records the group it was cast for, so that a tally can be recomputed from the rows
alone, whatever memberships become later.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, DateTime, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.measures.units import Unit
from services.metadata import created_at_field, enum_type, updated_at_field
from services.periods import Granularity


class ProposalKind(StrEnum):
    NEW_INDICATOR = "new_indicator"
    NEW_SHARED_MEASURE = "new_shared_measure"
    CHANGE_INDICATOR = "change_indicator"
    CHANGE_SHARED_MEASURE = "change_shared_measure"
    CHANGE_RULE = "change_rule"  # the ratification rule itself, about no indicator or measure


class ProposalStatus(StrEnum):
    OPEN = "open"
    RATIFIED = "ratified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class VoteChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class VoterGroup(StrEnum):
    """The two houses of the dual majority."""

    RESIDENT = "resident"
    ORGANIZATION = "organization"


def _tenant_fk(column: str, table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["collaborative_id", column], [f"{table}.collaborative_id", f"{table}.id"]
    )


class Proposal(SQLModel, table=True):
    __tablename__ = "proposal"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        _tenant_fk("indicator_id", "indicator"),
        _tenant_fk("shared_measure_id", "shared_measure"),
        CheckConstraint(
            "CASE WHEN kind = 'change_rule'"
            " THEN indicator_id IS NULL AND shared_measure_id IS NULL"
            " ELSE (indicator_id IS NULL) <> (shared_measure_id IS NULL) END",
            name="one_subject",
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    kind: ProposalKind = Field(sa_type=enum_type(ProposalKind, "proposal_kind"))
    indicator_id: UUID | None = None
    shared_measure_id: UUID | None = None
    rationale: str = Field(max_length=4000)
    # What a change proposal would set, validated as the subject's update when proposed.
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    effective_from: date | None = None  # first period under a changed definition
    proposed_by: UUID = Field(foreign_key="account.id")
    proposer_name: str = Field(max_length=200)  # as it was when proposed; accounts are private
    status: ProposalStatus = Field(
        default=ProposalStatus.OPEN, sa_type=enum_type(ProposalStatus, "proposal_status")
    )
    closes_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    closed_by: UUID | None = Field(default=None, foreign_key="account.id")
    # The tally at closing and the rule it was judged by (see services/governance/tally.py).
    outcome: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    created_at: datetime | None = created_at_field()


class ProposalComment(SQLModel, table=True):
    __tablename__ = "proposal_comment"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (_tenant_fk("proposal_id", "proposal"),)

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    proposal_id: UUID = Field(index=True)
    account_id: UUID = Field(foreign_key="account.id")
    author_name: str = Field(max_length=200)  # as it was when written; accounts are private
    body: str = Field(min_length=1, max_length=4000)
    created_at: datetime | None = created_at_field()


class ProposalVote(SQLModel, table=True):
    """One account's vote on one proposal; changed in place until the proposal closes."""

    __tablename__ = "proposal_vote"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        _tenant_fk("proposal_id", "proposal"),
        UniqueConstraint("collaborative_id", "proposal_id", "account_id"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    proposal_id: UUID
    account_id: UUID = Field(foreign_key="account.id")
    voter_name: str = Field(max_length=200)  # as it was when cast; accounts are private
    choice: VoteChoice = Field(sa_type=enum_type(VoteChoice, "vote_choice"))
    voter_group: VoterGroup = Field(sa_type=enum_type(VoterGroup, "voter_group"))
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()


class IndicatorVersion(SQLModel, table=True):
    """A definition of an indicator and the first period it applies to.

    Values of two versions are not comparable: a series shows a break where one starts.
    Version 1 (effective_from null: from the beginning) is written when an indicator is
    ratified, or before its first change for indicators ratified earlier.
    """

    __tablename__ = "indicator_version"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        _tenant_fk("indicator_id", "indicator"),
        _tenant_fk("proposal_id", "proposal"),
        UniqueConstraint("collaborative_id", "indicator_id", "version"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    indicator_id: UUID
    version: int = Field(ge=1)
    effective_from: date | None = None
    definition: str = Field(max_length=4000)
    unit: Unit = Field(sa_type=enum_type(Unit, "unit"))
    granularity: Granularity = Field(sa_type=enum_type(Granularity, "granularity"))
    data_source: str = Field(max_length=500)
    proposal_id: UUID | None = None
    created_at: datetime | None = created_at_field()
