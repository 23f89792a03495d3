"""Reading and keeping the collaborative's disaggregation vocabulary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.dimensions.models import (
    KEY_PATTERN,
    Dimension,
    DimensionCategory,
)
from services.errors import DomainError, ErrorCode, Problem
from services.pagination import Listing

# A dimension's categories, joined to it (both keyed by collaborative).
_its_categories = (DimensionCategory.collaborative_id == Dimension.collaborative_id) & (
    DimensionCategory.dimension_id == Dimension.id
)


def dimensions_in(*, collaborative_id: UUID) -> Listing:
    """The collaborative's dimensions, by key (the vocabulary is public)."""
    statement = select(Dimension).where(Dimension.collaborative_id == collaborative_id)
    return Listing(statement, (Dimension.key, Dimension.id))  # type: ignore[arg-type]


async def get_many(*, session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Dimension]:
    rows = await session.exec(select(Dimension).where(col(Dimension.id).in_(ids)))
    return {d.id: d for d in rows.all()}


async def categories_of(
    *, session: AsyncSession, dimension_ids: Sequence[UUID]
) -> dict[UUID, list[DimensionCategory]]:
    """Each dimension's categories in their chosen order."""
    statement = (
        select(DimensionCategory)
        .where(col(DimensionCategory.dimension_id).in_(dimension_ids))
        .order_by(col(DimensionCategory.position), col(DimensionCategory.key))
    )
    grouped: dict[UUID, list[DimensionCategory]] = {i: [] for i in dimension_ids}
    for category in (await session.exec(statement)).all():
        grouped[category.dimension_id].append(category)
    return grouped


async def categories_by_id(
    *, session: AsyncSession, ids: Sequence[UUID]
) -> dict[UUID, DimensionCategory]:
    rows = await session.exec(select(DimensionCategory).where(col(DimensionCategory.id).in_(ids)))
    return {c.id: c for c in rows.all()}


async def vocabulary(
    *, session: AsyncSession, dimension_ids: Sequence[UUID] | Select[Any]
) -> dict[str, frozenset[str]]:
    """Dimension key -> category keys, for validating breakdowns: one statement, the ids
    given or read by a subquery of it."""
    statement = select(Dimension.key, DimensionCategory.key).outerjoin(
        DimensionCategory, _its_categories
    )
    found: dict[str, set[str]] = {}
    rows = await session.exec(statement.where(col(Dimension.id).in_(dimension_ids)))
    for dimension, category in rows.all():
        keys = found.setdefault(dimension, set())
        if category is not None:
            keys.add(category)
    return {key: frozenset(categories) for key, categories in found.items()}


async def resolve_dimension_ids(
    *, session: AsyncSession, collaborative_id: UUID, ids: Sequence[UUID | None], field: str
) -> list[UUID]:
    """Check that dimension ids belong to the collaborative; a problem names the field."""
    found = await get_many(session=session, ids=[i for i in ids if i is not None])
    problems = [
        index
        for index, i in enumerate(ids)
        if i is None or i not in found or found[i].collaborative_id != collaborative_id
    ]
    if problems:
        raise DomainError.single(
            (field, str(problems[0])), ErrorCode.NOT_FOUND, "no dimension with this id"
        )
    return list(dict.fromkeys(i for i in ids if i is not None))


async def roll_ups(
    *, session: AsyncSession, collaborative_id: UUID
) -> dict[tuple[str, str], tuple[str, str]]:
    """(dimension, category) -> the broader (dimension, category) it rolls up to, by key."""
    broader = aliased(DimensionCategory)
    broader_dimension = aliased(Dimension)
    statement = (
        select(Dimension.key, DimensionCategory.key, broader_dimension.key, broader.key)
        .join(
            DimensionCategory,
            (DimensionCategory.collaborative_id == Dimension.collaborative_id)
            & (DimensionCategory.dimension_id == Dimension.id),
        )
        .join(
            broader,
            (broader.collaborative_id == DimensionCategory.collaborative_id)
            & (broader.id == DimensionCategory.rolls_up_to_id),
        )
        .join(
            broader_dimension,
            (broader_dimension.collaborative_id == broader.collaborative_id)
            & (broader_dimension.id == broader.dimension_id),
        )
        .where(Dimension.collaborative_id == collaborative_id)
    )
    rows = (await session.exec(statement)).all()
    return {(d, c): (bd, bc) for d, c, bd, bc in rows}


async def by_keys(
    *, session: AsyncSession, collaborative_id: UUID, keys: Sequence[str], field: str
) -> list[tuple[Dimension, list[DimensionCategory]]]:
    """Dimensions named by key, with their categories in order; unknown keys name the field."""
    malformed = [i for i, key in enumerate(keys) if not re.fullmatch(KEY_PATTERN, key)]
    if malformed:
        raise DomainError.single(
            (field, str(malformed[0])), ErrorCode.INVALID, "not a dimension key"
        )
    statement = (
        select(Dimension, DimensionCategory)
        .outerjoin(DimensionCategory, _its_categories)
        .where(Dimension.collaborative_id == collaborative_id, col(Dimension.key).in_(keys))
        .order_by(col(DimensionCategory.position), col(DimensionCategory.key))
    )
    found: dict[str, Dimension] = {}
    categories: dict[UUID, list[DimensionCategory]] = {}
    for dimension, category in (await session.exec(statement)).all():
        found[dimension.key] = dimension
        listed = categories.setdefault(dimension.id, [])
        if category is not None:
            listed.append(category)
    problems = [
        Problem((field, str(i)), ErrorCode.NOT_FOUND, f"no dimension with the key {key!r}")
        for i, key in enumerate(keys)
        if key not in found
    ]
    problems += [
        Problem((field, str(i)), ErrorCode.DUPLICATE, "each dimension may be named once")
        for i, key in enumerate(keys)
        if key in keys[:i]
    ]
    if problems:
        raise DomainError(problems)
    return [(found[key], categories[found[key].id]) for key in keys]


async def by_key(
    *, session: AsyncSession, collaborative_id: UUID, key: str, field: str
) -> tuple[Dimension, list[DimensionCategory]]:
    """One dimension named by key, with its categories; a problem names `field` itself."""
    try:
        ((dimension, categories),) = await by_keys(
            session=session, collaborative_id=collaborative_id, keys=[key], field=field
        )
    except DomainError as e:
        raise DomainError(Problem((field,), p.code, p.message) for p in e.problems) from e
    return dimension, categories
