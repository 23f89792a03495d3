"""Keeping the vocabulary: new dimensions, renamed ones, categories added or relabelled.

Categories are never removed (observations may use them); a category may roll up into a
broader one, of any dimension of the same collaborative, so that a detailed scheme still
aggregates to a standard one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.crud import fetch_one, save, update
from services.dimensions.models import CategoryBase, Dimension, DimensionBase, DimensionCategory
from services.errors import DomainError, ErrorCode, not_found
from services.validation import validated
from services.viewer import Viewer

_DUPLICATE = {"uq_dimension_collaborative_id_key": ("key", "a dimension has this key")}


def _require_backbone(viewer: Viewer, collaborative_id: UUID, field: str) -> None:
    if not policy.can_steward_agenda(viewer, collaborative_id):
        raise DomainError.single(
            (field,), ErrorCode.FORBIDDEN, "only the backbone keeps the vocabulary"
        )


async def _categories_by_key(
    session: AsyncSession, collaborative_id: UUID
) -> dict[tuple[str, str], DimensionCategory]:
    """(dimension key, category key) -> category, for resolving roll-ups."""
    statement = (
        select(Dimension.key, DimensionCategory)
        .join(
            DimensionCategory,
            (DimensionCategory.collaborative_id == Dimension.collaborative_id)
            & (DimensionCategory.dimension_id == Dimension.id),
        )
        .where(Dimension.collaborative_id == collaborative_id)
    )
    return {(d, c.key): c for d, c in (await session.exec(statement)).all()}


async def _checked_categories(
    session: AsyncSession, collaborative_id: UUID, categories: Sequence[Mapping[str, Any]]
) -> list[tuple[CategoryBase, UUID | None]]:
    """Each category validated, with the id of the category it rolls up to; nothing written."""
    known = await _categories_by_key(session, collaborative_id)
    checked = []
    seen: set[str] = set()
    for index, given in enumerate(categories):
        where = ("categories", str(index))
        fields = validated(
            CategoryBase, {k: v for k, v in given.items() if k != "rolls_up_to"}, prefix=where
        )
        if fields.key in seen:
            raise DomainError.single((*where, "key"), ErrorCode.DUPLICATE, "repeats a category key")
        seen.add(fields.key)
        target = given.get("rolls_up_to")
        rolls_up_to = None
        if target is not None:
            broader = known.get(target)
            if broader is None:
                raise DomainError.single(
                    (*where, "rollsUpTo"),
                    ErrorCode.NOT_FOUND,
                    f"no category {target[1]} of {target[0]}",
                )
            rolls_up_to = broader.id
        checked.append((fields, rolls_up_to))
    return checked


async def create_dimension(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    data: Mapping[str, Any],
    categories: Sequence[Mapping[str, Any]],
) -> Dimension:
    """A new dimension with its categories (the backbone keeps the vocabulary)."""
    if collaborative_id is None:
        raise not_found(("collaborativeId",), "collaborative")
    _require_backbone(viewer, collaborative_id, "collaborativeId")
    dimension = Dimension(
        collaborative_id=collaborative_id, **validated(DimensionBase, data).model_dump()
    )
    checked = await _checked_categories(session, collaborative_id, categories)
    await save(session, dimension, duplicates=_DUPLICATE)
    await save(
        session,
        *(
            DimensionCategory(
                collaborative_id=collaborative_id,
                dimension_id=dimension.id,
                rolls_up_to_id=rolls_up_to,
                **fields.model_dump(),
            )
            for fields, rolls_up_to in checked
        ),
    )
    return dimension


async def update_dimension(
    *,
    session: AsyncSession,
    viewer: Viewer,
    dimension_id: UUID | None,
    name: str | None,
    categories: Sequence[Mapping[str, Any]],
) -> Dimension:
    """Rename a dimension; add categories, or relabel, reorder or re-roll existing ones by key."""
    dimension = await fetch_one(session, Dimension, dimension_id)
    if dimension is None:
        raise not_found(("id",), "dimension")
    _require_backbone(viewer, dimension.collaborative_id, "id")
    changes = (
        {}
        if name is None
        else {"name": validated(DimensionBase, {**dimension.model_dump(), "name": name}).name}
    )
    checked = await _checked_categories(session, dimension.collaborative_id, categories)
    existing = {
        c.key: c
        for c in (
            await session.exec(
                select(DimensionCategory).where(DimensionCategory.dimension_id == dimension.id)
            )
        ).all()
    }
    for index, (fields, rolls_up_to) in enumerate(checked):
        current = existing.get(fields.key)
        if current is not None and rolls_up_to == current.id:
            raise DomainError.single(
                ("categories", str(index), "rollsUpTo"),
                ErrorCode.INVALID,
                "cannot roll up into itself",
            )
    await update(session, dimension, changes)
    for fields, rolls_up_to in checked:
        current = existing.get(fields.key)
        values = {**fields.model_dump(), "rolls_up_to_id": rolls_up_to}
        if current is None:
            await save(
                session,
                DimensionCategory(
                    collaborative_id=dimension.collaborative_id, dimension_id=dimension.id, **values
                ),
            )
        else:
            await update(session, current, values)
    return dimension
