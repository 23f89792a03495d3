"""The story table: the narrative a member attaches to an indicator or a measure.

A story has its own visibility, but it is read only where its subject is readable too
(policy.story_visible and its RLS twin in the migration): a story never shows a measure
or an indicator to someone who may not see it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Column,
    Computed,
    ForeignKeyConstraint,
    Index,
    String,
    Uuid,
)
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field, enum_type, updated_at_field
from services.periods import Granularity
from services.visibility import Visibility

MAX_WHYS = 7


class StoryKind(StrEnum):
    STORY_BEHIND_THE_CURVE = "story_behind_the_curve"
    ROOT_CAUSE = "root_cause"  # an ordered chain of whys
    PARTNER_CONTRIBUTION = "partner_contribution"
    WHAT_WORKS = "what_works"
    COMMUNITY_VOICE = "community_voice"


class StoryBase(SQLModel):
    kind: StoryKind = Field(sa_type=enum_type(StoryKind, "story_kind"))
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
    language: str = Field(max_length=16)
    visibility: Visibility = Field(
        default=Visibility.COLLABORATIVE, sa_type=enum_type(Visibility, "visibility")
    )


class Story(StoryBase, table=True):
    __tablename__ = "story"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"], ["indicator.collaborative_id", "indicator.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        CheckConstraint("(measure_id IS NULL) <> (indicator_id IS NULL)", name="one_subject"),
        CheckConstraint("(granularity IS NULL) = (period_start IS NULL)", name="whole_period"),
        CheckConstraint(
            f"(kind = 'root_cause') = (cardinality(whys) BETWEEN 1 AND {MAX_WHYS})",
            name="whys_of_root_causes",
        ),
        Index("ix_story_subject", "collaborative_id", "subject_id", "created_at"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    measure_id: UUID | None = None
    indicator_id: UUID | None = None
    subject_id: UUID | None = Field(
        default=None,
        sa_column=Column(
            Uuid(), Computed("coalesce(measure_id, indicator_id)", persisted=True), nullable=False
        ),
    )
    granularity: Granularity | None = Field(
        default=None, sa_type=enum_type(Granularity, "granularity")
    )
    period_start: date | None = None
    whys: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(1000)), nullable=False, server_default="{}"),
    )
    # Who wrote it: a person, on behalf of one of their partners or (residents) their own.
    author_account_id: UUID = Field(foreign_key="account.id")
    partner_id: UUID | None = None
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()
