"""Keyset pagination with opaque cursors, for every connection of the API.

A cursor encodes the sort key of the last row seen, so pages stay stable while rows are
added, and no OFFSET scan grows with the page number.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import DomainError, ErrorCode
from services.text import unstorable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def _encode(values: list[Any]) -> str:
    plain = [str(v) if isinstance(v, UUID | date) else v for v in values]  # date: ISO format
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode(cursor: str, keys: tuple[InstrumentedAttribute, ...]) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        converted: list[Any] = []
        for key, value in zip(keys, values, strict=True):
            python_type = key.type.python_type
            if python_type in (UUID, datetime, date) and not isinstance(value, str):
                raise TypeError(f"{key.key} must be a string")
            if isinstance(value, str) and unstorable(value):
                raise ValueError(unstorable(value))
            if python_type is UUID:
                converted.append(UUID(value))
            elif python_type is datetime:
                converted.append(datetime.fromisoformat(value))
            elif python_type is date:
                converted.append(date.fromisoformat(value))
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                converted.append(value)
            else:
                raise TypeError(value)
        return converted
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as e:
        raise DomainError.single(
            ("after",), ErrorCode.INVALID, "is not a cursor from this connection"
        ) from e


def check_first(first: int, max_page_size: int) -> None:
    if not 0 <= first <= max_page_size:
        raise DomainError.single(
            ("first",), ErrorCode.OUT_OF_RANGE, f"must be between 0 and {max_page_size}"
        )


async def paginate(
    session: AsyncSession,
    statement: Select,
    *,
    keys: tuple[InstrumentedAttribute, ...],
    first: int,
    after: str | None,
    max_page_size: int,
    descending: bool = False,
) -> Page[Any]:
    """One page of `statement`'s rows in order of `keys` (unique together), reversed when
    `descending` (a trail reads newest first)."""
    check_first(first, max_page_size)
    if after is not None:
        key, seen = tuple_(*keys), tuple_(*_decode(after, keys))
        statement = statement.where(key < seen if descending else key > seen)
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = (await session.exec(statement.order_by(*order).limit(first + 1))).all()  # type: ignore[call-overload]
    items = list(rows[:first])
    cursors = [_encode([getattr(item, key.key) for key in keys]) for item in items]
    return Page(
        items=items,
        cursors=cursors,
        has_next_page=len(rows) > first,
        has_previous_page=after is not None,
    )


async def count(session: AsyncSession, statement: Select) -> int:
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    return int(total or 0)


@dataclass(frozen=True, slots=True)
class Listing:
    """What a connection lists: the visible rows' statement and its unique sort keys."""

    statement: Select
    keys: tuple[InstrumentedAttribute, ...]
    descending: bool = False

    async def page(
        self, session: AsyncSession, *, first: int, after: str | None, max_page_size: int
    ) -> Page[Any]:
        return await paginate(
            session,
            self.statement,
            keys=self.keys,
            first=first,
            after=after,
            max_page_size=max_page_size,
            descending=self.descending,
        )

    async def count(self, session: AsyncSession) -> int:
        return await count(session, self.statement)


@dataclass(frozen=True, slots=True)
class SecretListing(Listing):
    """A listing of a table with a column the API role may not read (a hash of a secret):
    counted without selecting any column, where a subquery would select them all."""

    async def count(self, session: AsyncSession) -> int:
        counted = self.statement.with_only_columns(func.count(), maintain_column_froms=True)
        return int(await session.scalar(counted) or 0)
