"""The translation table: the text of one field of one subject in one further language.

The subject's own column keeps the text in the collaborative's default language, so that
nothing that reads it breaks; a translation adds the other languages beside it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.metadata import updated_at_field


class TranslationBase(SQLModel):
    language: str = Field(min_length=2, max_length=16)
    text: str = Field(min_length=1, max_length=4000)


class Translation(TranslationBase, table=True):
    __tablename__ = "translation"
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert
    __table_args__ = (
        UniqueConstraint("collaborative_id", "subject_kind", "subject_id", "field", "language"),
        Index("ix_translation_subject_id", "subject_id"),
    )

    collaborative_id: UUID = Field(foreign_key="collaborative.id", primary_key=True)
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    # The subject's table name: the RLS policy checks the subject there, under its own rules.
    subject_kind: str = Field(max_length=64)
    subject_id: UUID
    field: str = Field(max_length=64)
    updated_at: datetime | None = updated_at_field()
