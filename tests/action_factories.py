"""A factory for action items, written as the owner role (status and completion set directly)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.actions.models import ActionItem, ActionStatus


async def make_action_item(
    session: AsyncSession,
    partner: Any,
    *,
    due: date,
    status: ActionStatus = ActionStatus.OPEN,
    completed_on: date | None = None,
    **overrides: Any,
) -> ActionItem:
    item = ActionItem(
        collaborative_id=partner.collaborative_id,
        partner_id=partner.id,
        title=overrides.pop("title", f"Commitment of {partner.name}"),
        due_date=due,
        status=status,
        completed_on=completed_on,
        **overrides,
    )
    session.add(item)
    await session.flush()
    return item
