"""Writing one row in a savepoint, turning unique-key violations into DomainErrors.

Shared by every area's create and update operations, so that a refused write leaves
nothing behind and says which field collided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import DomainError, ErrorCode
from services.validation import camel, validated

T = TypeVar("T", bound=SQLModel)


async def save(
    session: AsyncSession, *rows: SQLModel, duplicates: Mapping[str, tuple[str, str]] = {}
) -> None:
    """Flush `rows` atomically. `duplicates` maps a unique constraint's name to (field, message)."""
    try:
        async with session.begin_nested():
            session.add_all(rows)
            await session.flush()
    except IntegrityError as e:
        for constraint, (field, message) in duplicates.items():
            if constraint in str(e.orig):
                raise DomainError.single((field,), ErrorCode.DUPLICATE, message) from e
        raise


async def get_visible(
    session: AsyncSession, model: type[T], ids: Sequence[UUID], visible: Any = None
) -> dict[UUID, T]:
    """Rows of `model` by id that pass `visible` (a policy predicate), keyed by id."""
    statement = select(model).where(col(model.id).in_(ids))  # type: ignore[attr-defined]
    if visible is not None:
        statement = statement.where(visible)
    return {row.id: row for row in (await session.exec(statement)).all()}  # type: ignore[attr-defined]


def merged(
    row: SQLModel, changes: Mapping[str, Any], base: type[T], *, required: Sequence[str] = ()
) -> T:
    """`row` with `changes`, validated as `base`, without touching `row`.

    Everything a user can get wrong is checked here, before any attribute changes: a
    refused change must leave the session clean, or the request's commit would write it.
    """
    for name in required:
        if name in changes and changes[name] is None:
            raise DomainError.single((camel(name),), ErrorCode.REQUIRED, "must not be null")
    return validated(base, {**row.model_dump(), **changes})


async def update(
    session: AsyncSession,
    row: SQLModel,
    changes: Mapping[str, Any],
    *,
    duplicates: Mapping[str, tuple[str, str]] = {},
) -> None:
    """Apply already validated `changes` to `row` inside a savepoint (see `save`)."""
    try:
        async with session.begin_nested():
            for name, value in changes.items():
                setattr(row, name, value)
            session.add(row)
            await session.flush()
    except IntegrityError as e:
        for constraint, (field, message) in duplicates.items():
            if constraint in str(e.orig):
                raise DomainError.single((field,), ErrorCode.DUPLICATE, message) from e
        raise
    await session.refresh(row)


async def fetch_one(
    session: AsyncSession, model: type[T], row_id: UUID | None, visible: Any = None
) -> T | None:
    """One visible row by id, or None for a missing id, an unknown one, or a hidden one."""
    if row_id is None:
        return None
    return (await get_visible(session, model, [row_id], visible)).get(row_id)
