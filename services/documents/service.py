"""Naming, finding and registering persisted documents.

A document's id is `sha256:` and the lower-case hex SHA-256 of its UTF-8 text, as the
GraphQL-over-HTTP persisted-documents appendix defines it; documents are content-addressed,
so a stored one never changes and callers may cache it forever.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.documents.models import PersistedDocument

PREFIX = "sha256:"
_ID = re.compile(r"^sha256:([0-9a-f]{64})$")


def document_hash(text: str) -> str:
    """The lower-case hex SHA-256 of a document's UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_id(text: str) -> str:
    return PREFIX + document_hash(text)


def hash_of_id(document_id: str) -> str | None:
    """The hash a `sha256:<hex>` id names; None for any other kind of id."""
    found = _ID.match(document_id)
    return found.group(1) if found else None


async def find(*, session: AsyncSession, sha256: str, trusted_only: bool) -> str | None:
    """The text stored under `sha256` (only a trusted one when asked), or None."""
    statement = select(PersistedDocument.body).where(PersistedDocument.sha256 == sha256)
    if trusted_only:
        statement = statement.where(col(PersistedDocument.trusted).is_(True))
    return (await session.exec(statement)).first()


async def find_with_trust(*, session: AsyncSession, sha256: str) -> tuple[str, bool] | None:
    """The text stored under `sha256` and whether it is trusted, or None."""
    statement = select(PersistedDocument.body, PersistedDocument.trusted).where(
        PersistedDocument.sha256 == sha256
    )
    found = (await session.exec(statement)).first()
    return (found[0], found[1]) if found else None


async def register(*, session: AsyncSession, documents: Mapping[str, str]) -> dict[str, str]:
    """Store `documents` (source -> text) as trusted; their ids by source.

    A document already stored (a client's, or from another file) becomes trusted.
    """
    ids: dict[str, str] = {}
    for source, text in documents.items():
        sha256 = document_hash(text)
        statement = insert(PersistedDocument).values(
            sha256=sha256, body=text, trusted=True, source=source[:500]
        )
        await session.exec(  # type: ignore[call-overload]
            statement.on_conflict_do_update(index_elements=["sha256"], set_={"trusted": True})
        )
        ids[source] = PREFIX + sha256
    return ids


async def persist(*, session: AsyncSession, sha256: str, text: str, keep: int) -> None:
    """Store a client's document (an automatic persisted query), never trusted.

    At most `keep` such documents are kept, in PostgreSQL so that every API process shares
    them: storing one more drops the oldest. A document already stored is left as it is.
    """
    statement = insert(PersistedDocument).values(
        sha256=sha256, body=text, trusted=False, source="automatic persisted query"
    )
    await session.exec(statement.on_conflict_do_nothing(index_elements=["sha256"]))  # type: ignore[call-overload]
    oldest = (
        select(PersistedDocument.sha256)
        .where(col(PersistedDocument.trusted).is_(False))
        .order_by(col(PersistedDocument.created_at).desc(), col(PersistedDocument.sha256))
        .offset(keep)
    )
    await session.exec(  # type: ignore[call-overload]
        delete(PersistedDocument).where(col(PersistedDocument.sha256).in_(oldest))
    )
