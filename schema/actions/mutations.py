"""createActionItem, updateActionItem, updateActionItemStatus."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.actions.types import ActionItem, ActionItemStatusEnum
from schema.errors import UserError, attempt
from schema.inputs import sent_fields
from schema.relay import raw_id
from services.actions import service as actions


@strawberry.input(description="A commitment for a partner: its own people's, or the backbone's.")
class CreateActionItemInput:
    owner_id: strawberry.ID = strawberry.field(description="The partner that owns it.")
    title: str
    due_date: date
    description: str = ""
    result_id: strawberry.ID | None = None
    indicator_id: strawberry.ID | None = None
    measure_id: strawberry.ID | None = None


@strawberry.input(description="Only the fields given are changed; null removes a link.")
class UpdateActionItemInput:
    id: strawberry.ID
    title: str | None = UNSET
    description: str | None = UNSET
    due_date: date | None = UNSET
    result_id: strawberry.ID | None = UNSET
    indicator_id: strawberry.ID | None = UNSET
    measure_id: strawberry.ID | None = UNSET


@strawberry.input(description="Dropping or reopening an item needs a note saying why.")
class UpdateActionItemStatusInput:
    id: strawberry.ID
    status: ActionItemStatusEnum  # type: ignore[valid-type]
    note: str = ""


@strawberry.type
class ActionItemPayload:
    action_item: ActionItem | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


LINK_TYPES = {"result_id": "Result", "indicator_id": "Indicator", "measure_id": "Measure"}


def _links(input: Any) -> dict[str, UUID | None]:
    """Link ids given; a malformed or foreign id finds nothing rather than meaning no link."""
    links: dict[str, UUID | None] = {}
    for name, type_name in LINK_TYPES.items():
        value = getattr(input, name)
        if value is not UNSET:
            links[name] = (raw_id(value, type_name) or UUID(int=0)) if value else None
    return links


def _success(info: Info[Context, None]) -> Any:
    return lambda item: ActionItemPayload(action_item=ActionItem.from_model(item, info))


async def create_action_item(
    info: Info[Context, None], input: CreateActionItemInput
) -> ActionItemPayload:
    ctx = info.context
    action = actions.create_action_item(
        session=ctx.session,
        viewer=ctx.viewer,
        partner_id=raw_id(input.owner_id, "Partner"),
        data=sent_fields(input, exclude=("owner_id", *LINK_TYPES)),
        links={k: v for k, v in _links(input).items() if v is not None},
    )
    return await attempt(action, _success(info), ActionItemPayload)


async def update_action_item(
    info: Info[Context, None], input: UpdateActionItemInput
) -> ActionItemPayload:
    ctx = info.context
    action = actions.update_action_item(
        session=ctx.session,
        viewer=ctx.viewer,
        item_id=raw_id(input.id, "ActionItem"),
        data=sent_fields(input, exclude=("id", *LINK_TYPES)),
        links=_links(input),
    )
    return await attempt(action, _success(info), ActionItemPayload)


async def update_action_item_status(
    info: Info[Context, None], input: UpdateActionItemStatusInput
) -> ActionItemPayload:
    ctx = info.context
    action = actions.change_status(
        session=ctx.session,
        viewer=ctx.viewer,
        item_id=raw_id(input.id, "ActionItem"),
        data=sent_fields(input, exclude=("id",)),
    )
    return await attempt(action, _success(info), ActionItemPayload)
