"""Keyset pagination with opaque cursors, for every connection of the API.

A cursor encodes the sort key of a row, so pages stay stable while rows are added, and no
OFFSET scan grows with the page number. As Relay's connections do, a client pages forward
(`first` rows after a cursor) or backward (`last` rows before one), never both at once.
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


def encode_cursor(values: list[Any]) -> str:
    """The opaque cursor of a row's sort key values (compiled reads and the bench's floor
    make their cursors with it too)."""
    plain = [str(v) if isinstance(v, UUID | date) else v for v in values]  # date: ISO format
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


DEFAULT_PAGE_SIZE = 20  # when a client gives neither `first` nor `last`


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The page a client asks for: the first `first` after `after`, or the last `last`
    before `before` (cursors of the same connection)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None

    def size(self, max_page_size: int) -> int:
        """How many rows, checked against the largest page."""
        if self.first is not None and self.last is not None:
            raise DomainError.single(
                ("last",), ErrorCode.INVALID, "give `first` or `last`, not both"
            )
        name, size = ("last", self.last) if self.last is not None else ("first", self.first)
        if size is None:
            return min(DEFAULT_PAGE_SIZE, max_page_size)
        if not 0 <= size <= max_page_size:
            raise DomainError.single(
                (name,), ErrorCode.OUT_OF_RANGE, f"must be between 0 and {max_page_size}"
            )
        return size


def _decode(cursor: str, keys: tuple[InstrumentedAttribute, ...], name: str) -> list[Any]:
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
            (name,), ErrorCode.INVALID, "is not a cursor from this connection"
        ) from e


async def paginate(
    session: AsyncSession,
    statement: Select,
    *,
    keys: tuple[InstrumentedAttribute, ...],
    request: PageRequest,
    max_page_size: int,
    descending: bool = False,
) -> Page[Any]:
    """One page of `statement`'s rows in order of `keys` (unique together), reversed when
    `descending` (a trail reads newest first)."""
    size = request.size(max_page_size)
    key = tuple_(*keys)
    if request.after is not None:
        seen = tuple_(*_decode(request.after, keys, "after"))
        statement = statement.where(key < seen if descending else key > seen)
    if request.before is not None:
        seen = tuple_(*_decode(request.before, keys, "before"))
        statement = statement.where(key > seen if descending else key < seen)
    reverse = descending != request.backward  # a backward page reads from the end
    order = [k.desc() for k in keys] if reverse else list(keys)
    rows = (await session.exec(statement.order_by(*order).limit(size + 1))).all()  # type: ignore[call-overload]
    items = list(rows[:size])
    if request.backward:
        items.reverse()
    cursors = [encode_cursor([getattr(item, key.key) for key in keys]) for item in items]
    more = len(rows) > size
    return Page(
        items=items,
        cursors=cursors,
        has_next_page=more if not request.backward else request.before is not None,
        has_previous_page=more if request.backward else request.after is not None,
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
        self, session: AsyncSession, *, request: PageRequest, max_page_size: int
    ) -> Page[Any]:
        return await paginate(
            session,
            self.statement,
            keys=self.keys,
            request=request,
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
