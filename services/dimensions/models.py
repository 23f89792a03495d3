"""Dimension and category tables. Category names are the community's choice; a detailed
category may roll up into a broader one (of another dimension) so that aggregates still
meet a standard scheme."""

from __future__ import annotations

from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

KEY_PATTERN = "^[a-z0-9][a-z0-9_]*$"


class DimensionBase(SQLModel):
    key: str = Field(min_length=1, max_length=64, schema_extra={"pattern": KEY_PATTERN})
    name: str = Field(min_length=1, max_length=200)


class Dimension(DimensionBase, table=True):
    __tablename__ = "dimension"
    __table_args__ = (
        UniqueConstraint("collaborative_id", "key"),
        CheckConstraint(f"key ~ '{KEY_PATTERN}'", name="key_format"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)


class CategoryBase(SQLModel):
    key: str = Field(min_length=1, max_length=64, schema_extra={"pattern": KEY_PATTERN})
    label: str = Field(min_length=1, max_length=200)
    position: int = 0


class DimensionCategory(CategoryBase, table=True):
    __tablename__ = "dimension_category"
    __table_args__ = (
        ForeignKeyConstraint(
            ["collaborative_id", "dimension_id"], ["dimension.collaborative_id", "dimension.id"]
        ),
        ForeignKeyConstraint(
            ["collaborative_id", "rolls_up_to_id"],
            ["dimension_category.collaborative_id", "dimension_category.id"],
        ),
        UniqueConstraint("collaborative_id", "dimension_id", "key"),
        CheckConstraint(f"key ~ '{KEY_PATTERN}'", name="key_format"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    dimension_id: UUID
    rolls_up_to_id: UUID | None = None
