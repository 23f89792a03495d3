"""Reading collaboratives. Their profile is public; their rows are what is not."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.collaboratives.models import Collaborative


async def get_by_slug(*, session: AsyncSession, slug: str) -> Collaborative | None:
    """The collaborative with this slug, or None."""
    result = await session.exec(select(Collaborative).where(Collaborative.slug == slug))
    return result.first()


async def get_many(*, session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Collaborative]:
    """Collaboratives by id, for node lookups and DataLoaders."""
    result = await session.exec(select(Collaborative).where(col(Collaborative.id).in_(ids)))
    return {c.id: c for c in result.all()}
