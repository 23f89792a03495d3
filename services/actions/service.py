"""Action items: created, edited, moved through their statuses and listed under services/policy.py.

Members see every item and its history; the owner partner's people and the backbone alone
create, edit and move a partner's items. A status changes only by appending to its history
(the database copies the change onto the item, see migration 0006).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlmodel import Field, SQLModel, and_, col, not_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.actions.models import (
    FINISHED,
    ActionItem,
    ActionItemBase,
    ActionItemStatusChange,
    ActionStatus,
)
from services.agenda.models import Result
from services.crud import fetch_one, get_visible, merged, save, update
from services.errors import DomainError, ErrorCode, not_found
from services.indicators.models import Indicator
from services.measures.models import PerformanceMeasure
from services.pagination import Listing
from services.partners.models import Partner
from services.validation import validated
from services.viewer import Viewer


class ActionItemUpdate(SQLModel):
    title: str | None = None
    description: str | None = None
    due_date: date | None = None


class StatusChangeInput(SQLModel):
    status: ActionStatus
    note: str = Field(default="", max_length=2000)


LINKS = {"result_id": ("resultId", "result"), "indicator_id": ("indicatorId", "indicator"),
         "measure_id": ("measureId", "measure")}  # fmt: skip


def today(time_zone: str = "UTC") -> date:
    """Today where the collaborative meets (its `time_zone`)."""
    return datetime.now(ZoneInfo(time_zone)).date()


def overdue_condition(as_of: date) -> Any:
    """Not finished and due before `as_of`."""
    return and_(col(ActionItem.status).not_in(FINISHED), col(ActionItem.due_date) < as_of)


def visible_in(
    *,
    viewer: Viewer,
    collaborative_id: UUID,
    statuses: Sequence[ActionStatus] = (),
    partner_ids: Sequence[UUID] = (),
    overdue: bool | None = None,
    as_of: date | None = None,
) -> Listing:
    """The items the viewer may see, soonest due first."""
    statement = select(ActionItem).where(
        ActionItem.collaborative_id == collaborative_id, policy.action_item_visible(viewer)
    )
    if statuses:
        statement = statement.where(col(ActionItem.status).in_(statuses))
    if partner_ids:
        statement = statement.where(col(ActionItem.partner_id).in_(partner_ids))
    if overdue is not None:
        condition = overdue_condition(as_of or today())  # callers pass their table's day
        statement = statement.where(condition if overdue else not_(condition))
    return Listing(statement, (ActionItem.due_date, ActionItem.id))  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, ActionItem]:
    return await get_visible(session, ActionItem, ids, policy.action_item_visible(viewer))


async def history_of(
    *, session: AsyncSession, viewer: Viewer, item_ids: Sequence[UUID]
) -> dict[UUID, list[ActionItemStatusChange]]:
    """Each visible item's status changes, oldest first."""
    statement = (
        select(ActionItemStatusChange)
        .join(
            ActionItem,
            and_(
                col(ActionItem.collaborative_id) == ActionItemStatusChange.collaborative_id,
                col(ActionItem.id) == ActionItemStatusChange.action_item_id,
            ),
        )
        .where(col(ActionItemStatusChange.action_item_id).in_(item_ids))
        .where(policy.action_item_visible(viewer))
        .order_by(col(ActionItemStatusChange.changed_at), col(ActionItemStatusChange.id))
    )
    grouped: dict[UUID, list[ActionItemStatusChange]] = {i: [] for i in item_ids}
    for change in (await session.exec(statement)).all():
        grouped[change.action_item_id].append(change)
    return grouped


async def create_action_item(
    *,
    session: AsyncSession,
    viewer: Viewer,
    partner_id: UUID | None,
    data: Mapping[str, Any],
    links: Mapping[str, UUID | None],
) -> ActionItem:
    """A commitment for a partner: by its own people, or by the backbone for anyone."""
    partner = await fetch_one(session, Partner, partner_id, policy.partner_visible(viewer))
    if partner is None or not policy.can_manage_action_items(
        viewer, partner.collaborative_id, partner.id
    ):
        raise not_found(("ownerId",), "partner you may assign action items to")
    fields = validated(ActionItemBase, data)
    resolved = await _resolve_links(session, viewer, partner.collaborative_id, links)
    item = ActionItem(
        collaborative_id=partner.collaborative_id,
        partner_id=partner.id,
        created_by=viewer.account_id,
        **fields.model_dump(),
        **resolved,
    )
    await save(session, item)
    return item


async def _changeable(session: AsyncSession, viewer: Viewer, item_id: UUID | None) -> ActionItem:
    """An item the viewer may change; the same not-found otherwise, seen or not."""
    item = await fetch_one(session, ActionItem, item_id, policy.action_item_visible(viewer))
    if item is None or not policy.can_manage_action_items(
        viewer, item.collaborative_id, item.partner_id
    ):
        raise not_found(("id",), "action item you may change")
    return item


async def update_action_item(
    *,
    session: AsyncSession,
    viewer: Viewer,
    item_id: UUID | None,
    data: Mapping[str, Any],
    links: Mapping[str, UUID | None],
) -> ActionItem:
    """Edit what a commitment says and links to; its owner and status stay as they are."""
    item = await _changeable(session, viewer, item_id)
    changes = validated(ActionItemUpdate, data).model_dump(exclude_unset=True)
    moved = "due_date" in changes and changes["due_date"] != item.due_date
    if moved and item.status in FINISHED:
        # Else a late completion could be made "done on time" after the fact.
        raise DomainError.single(
            ("dueDate",),
            ErrorCode.INVALID,
            f"the item is {item.status.value}: its due date is history (reopen it to change it)",
        )
    merged(item, changes, ActionItemBase, required=("title", "description", "due_date"))
    changes |= await _resolve_links(session, viewer, item.collaborative_id, links)
    await update(session, item, changes)
    return item


async def change_status(
    *,
    session: AsyncSession,
    viewer: Viewer,
    item_id: UUID | None,
    data: Mapping[str, Any],
) -> ActionItem:
    """Move an item to another status, with a note; appended to its history, never rewritten.

    Reopening a finished item or dropping one is allowed, but must say why.
    """
    item = await _changeable(session, viewer, item_id)
    change = validated(StatusChangeInput, data)
    if change.status == item.status:
        raise DomainError.single(
            ("status",), ErrorCode.INVALID, f"the item is already {item.status.value}"
        )
    explains = change.status is ActionStatus.DROPPED or item.status in FINISHED
    if explains and not change.note:  # trimmed by `validated`
        raise DomainError.single(
            ("note",), ErrorCode.REQUIRED, "say why when dropping or reopening an item"
        )
    row = ActionItemStatusChange(
        collaborative_id=item.collaborative_id,
        action_item_id=item.id,
        to_status=change.status,
        note=change.note,
        changed_by=viewer.account_id,
    )
    await save(session, row)
    await session.refresh(item)  # the database moved the item with its history
    return item


async def _resolve_links(
    session: AsyncSession, viewer: Viewer, collaborative_id: UUID, links: Mapping[str, Any]
) -> dict[str, UUID | None]:
    """Linked result, indicator and measure ids, each one the viewer may see, else not found.

    A measure the viewer cannot see (another partner's private one) is refused exactly as a
    missing one, so linking never reveals that it exists.
    """
    visible = {
        "result_id": (Result, None),
        "indicator_id": (Indicator, policy.indicator_visible(viewer)),
        "measure_id": (PerformanceMeasure, policy.measure_visible(viewer)),
    }
    resolved: dict[str, UUID | None] = {}
    for name, value in links.items():
        if value is None:
            resolved[name] = None
            continue
        model, predicate = visible[name]
        found = await fetch_one(session, model, value, predicate)
        if found is None or found.collaborative_id != collaborative_id:
            field, what = LINKS[name]
            raise not_found((field,), what)
        resolved[name] = found.id
    return resolved
