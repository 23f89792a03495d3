"""The persisted-document table: registered front-end documents (and, later, automatic
persisted queries), keyed by the SHA-256 of their text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, String, Text
from sqlmodel import Field, SQLModel

from services.metadata import created_at_field


class PersistedDocument(SQLModel, table=True):
    """A GraphQL document a client may name by `sha256:<hex>` instead of sending it.

    `trusted` documents were registered by an operator (`tablero documents register`) and
    are the only ones anonymous and browser traffic may run in trusted-documents mode; a
    document a client persisted itself (automatic persisted queries) is never trusted.
    """

    __tablename__ = "persisted_document"
    __table_args__ = (CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="hex"),)
    __mapper_args__ = {"eager_defaults": True}  # read server-set columns on insert

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))  # lower-case hex
    body: str = Field(sa_column=Column(Text, nullable=False))
    trusted: bool = False
    source: str = Field(default="", max_length=500)  # where it came from, e.g. its file
    created_at: datetime | None = created_at_field()
