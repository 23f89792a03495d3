"""Relay plumbing: global ids, the Node interface, cursor connections and `node(id)`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

import strawberry

from services.pagination import Listing, Page, PageRequest

T = TypeVar("T")

MAX_NODES = 100  # ids one `nodes` call takes


def to_global_id(type_name: str, raw_id: UUID) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, UUID] | None:
    """(type name, id) of a global id, or None for anything that is not one."""
    try:
        type_name, _, raw = base64.urlsafe_b64decode(global_id.encode()).decode().partition(":")
        return type_name, UUID(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def raw_id(global_id: str | None, type_name: str) -> UUID | None:
    """The id inside a global id of the given type; None for a malformed or foreign id."""
    decoded = from_global_id(global_id) if global_id else None
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


def raw_ids(global_ids: Sequence[str] | None, type_name: str) -> list[UUID]:
    """Ids inside global ids of one type, for filters. Foreign or malformed ids match nothing.

    An unmatched id becomes the nil UUID rather than being dropped, so that a filter on
    only bad ids selects nothing instead of everything.
    """
    if not global_ids:
        return []
    return [raw_id(g, type_name) or UUID(int=0) for g in global_ids]


@strawberry.interface(description="An object with a global id, fetchable with `node(id)`.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items all pages hold together (one more query).")
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def from_page(
        cls, page: Page[Any], to_node: Callable[[Any], T], count: Callable[[], Awaitable[int]]
    ) -> Connection[T]:
        nodes = [to_node(item) for item in page.items]
        return cls(
            edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            _count=count,
        )


async def connection_of(
    info: Any, listing: Listing, to_node: Callable[[Any], T], page: PageRequest
) -> Connection[T]:
    """One page of a service's listing, as a Relay connection (totalCount on demand)."""
    ctx = info.context
    found = await listing.page(ctx.session, request=page, max_page_size=ctx.settings.max_page_size)
    return Connection.from_page(found, to_node, lambda: listing.count(ctx.session))


# A connection's paging arguments, the same on every connection (Relay's cursor spec):
# `first`/`after` forward, `last`/`before` backward, 20 when neither size is given.
First = Annotated[
    int | None,
    strawberry.argument(description="Page forward: this many items (20 without first or last)."),
]
After = Annotated[
    str | None, strawberry.argument(description="Page forward from this cursor (endCursor).")
]
Last = Annotated[int | None, strawberry.argument(description="Page backward: this many items.")]
Before = Annotated[
    str | None, strawberry.argument(description="Page backward from this cursor (startCursor).")
]


# Each Node type registers how to fetch visible objects by raw id: `node`/`nodes` dispatch here.
NodeFetcher = Callable[[Any, Sequence[UUID]], Awaitable[dict[UUID, Any]]]
NODE_FETCHERS: dict[str, NodeFetcher] = {}


def fetches_nodes(type_name: str) -> Callable[[NodeFetcher], NodeFetcher]:
    def register(fetch: NodeFetcher) -> NodeFetcher:
        NODE_FETCHERS[type_name] = fetch
        return fetch

    return register


async def resolve_nodes(info: Any, ids: Sequence[str]) -> list[Any]:
    """Objects for global ids, None where unknown or not visible: the two look the same."""
    by_type: dict[str, list[UUID]] = {}
    decoded = [from_global_id(i) for i in ids]
    for item in decoded:
        if item is not None and item[0] in NODE_FETCHERS:
            by_type.setdefault(item[0], []).append(item[1])
    found: dict[tuple[str, UUID], Any] = {}
    for type_name, raw_ids in by_type.items():
        for key, obj in (await NODE_FETCHERS[type_name](info, raw_ids)).items():
            found[(type_name, key)] = obj
    return [found.get(item) if item else None for item in decoded]
