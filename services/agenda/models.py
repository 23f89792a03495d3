"""Domain and result tables. Public: the common agenda is what the collaborative stands for."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field


class DomainBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)


class Domain(DomainBase, table=True):
    __tablename__ = "domain"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (UniqueConstraint("collaborative_id", "name"),)

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    created_at: datetime | None = created_at_field()


class ResultBase(SQLModel):
    statement: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=4000)


class Result(ResultBase, table=True):
    """A population-level condition of well-being, e.g. children enter school ready."""

    __tablename__ = "result"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "domain_id"], ["domain.collaborative_id", "domain.id"]
        ),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    domain_id: UUID
    created_at: datetime | None = created_at_field()
