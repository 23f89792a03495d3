"""The collaborative table: slug, languages and the suppression settings of its aggregates."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field


class CollaborativeBase(SQLModel):
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    description: str = ""
    languages: list[str] = Field(
        default_factory=lambda: ["en", "es"],
        sa_type=ARRAY(String(16)),
        sa_column_kwargs={"nullable": False, "server_default": "{en,es}"},
    )
    default_language: str = Field(default="en", max_length=16)
    # Suppression of published aggregates (see DESIGN.md, "Who sees what").
    min_partners: int = Field(default=3, ge=1)
    min_cell: int = Field(default=11, ge=1)
    max_dominance_share: float = Field(default=0.8, gt=0, le=1)
    # Ratification of proposals (see services/governance/tally.py): votes needed, and the
    # share of yes among yes and no that each group's votes must exceed.
    quorum: int = Field(default=3, ge=1, sa_column_kwargs={"server_default": "3"})
    resident_majority: float = Field(
        default=0.5, ge=0, lt=1, sa_column_kwargs={"server_default": "0.5"}
    )
    organization_majority: float = Field(
        default=0.5, ge=0, lt=1, sa_column_kwargs={"server_default": "0.5"}
    )
    # Days partners have to report after a period ends; the period is then released on its
    # own (None: the backbone releases by hand, and there is no deadline).
    release_after_days: int | None = Field(default=None, ge=0, le=366)
    # Where the table meets: what "today" and "done on time" mean for its action items.
    time_zone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"})


class Collaborative(CollaborativeBase, table=True):
    __tablename__ = "collaborative"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        CheckConstraint("default_language = ANY(languages)", name="default_language_listed"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="slug_format"),
        CheckConstraint(
            "release_after_days IS NULL OR release_after_days BETWEEN 0 AND 366",
            name="release_after_days_range",
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    created_at: datetime | None = created_at_field()
