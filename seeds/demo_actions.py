"""The demo's action items: every kind of partner holds commitments, the backbone's and the
funder's among them, some overdue, some done on time or late, one dropped with its reason.

Dates are written for a history ending in 2025-Q4 and moved with it (seeds.demo_calendar);
status changes are written as history rows, which move the items exactly as the API does
(see migration 0006), backdated to when they happened.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo import demo_id
from seeds.demo_calendar import calendar
from services.actions.models import ActionItem, ActionItemStatusChange, ActionStatus

OPEN, IN_PROGRESS, DONE, DROPPED = (
    ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED,
)  # fmt: skip

# key, owner partner, title, due date, links (kind, key), status changes (day, status, note)
ITEMS = (
    ("report_card", "backbone", "Publish the 2025 community report card", date(2026, 3, 31),
     ("result", "ready"), ((date(2026, 2, 2), IN_PROGRESS, "Draft shared with the data team"),)),
    ("data_agreement", "backbone", "Renew the data-sharing agreement with every partner",
     date(2026, 6, 30), None, ()),
    ("screening_training", "backbone", "Train partners on the shared screening measure",
     date(2026, 2, 28), ("measure", "casa.screened"),
     ((date(2026, 2, 20), DONE, "Three sessions, 11 partners attended"),)),
    ("operating_grants", "foundation", "Renew multi-year operating grants for early-learning "
     "partners", date(2026, 9, 30), ("result", "ready"), ()),
    ("resident_stipends", "foundation", "Fund stipends for residents on the data committee",
     date(2026, 4, 30), None, ((date(2026, 5, 20), DONE, "Approved by the board in May"),)),
    ("somali_visitor", "casa", "Hire a Somali-speaking home visitor", date(2026, 5, 31),
     ("measure", "casa.enrolled"), ((date(2026, 5, 15), DONE, "Started May 15"),)),
    ("hotspots", "digital", "Lend 500 hotspots to families in Riverbend", date(2027, 3, 31),
     ("result", "connected"), ((date(2026, 10, 1), IN_PROGRESS, "First 120 lent"),)),
    ("landlord_outreach", "housing", "Pilot a landlord outreach line", date(2026, 8, 31), None,
     ((date(2026, 7, 1), DROPPED, "Folded into the county's new tenant hotline"),)),
    ("prek_outreach", "schools", "Door-to-door pre-K enrollment in the Eastside",
     date(2027, 1, 31), ("indicator", "kready"), ()),
)  # fmt: skip


def _links(link: tuple[str, str] | None) -> dict[str, UUID]:
    if link is None:
        return {}
    kind, key = link
    return {f"{kind}_id": demo_id(kind, key)}


async def seed_actions(session: AsyncSession, collaborative_id: UUID) -> None:
    """Write the demo's action items and their histories (the owner role writes them)."""
    backbone_account = demo_id("account", "backbone@demo.tablero.example")
    session.add_all(
        ActionItem(
            collaborative_id=collaborative_id,
            id=demo_id("action", key),
            partner_id=demo_id("partner", owner),
            title=title,
            due_date=calendar().day(due),
            created_by=backbone_account,
            **_links(link),
        )
        for key, owner, title, due, link, _ in ITEMS
    )
    await session.flush()
    for key, *_, changes in ITEMS:
        for written, status, note in changes:
            day = calendar().day(written)
            session.add(
                ActionItemStatusChange(
                    collaborative_id=collaborative_id,
                    id=demo_id("action_change", key, status.value),
                    action_item_id=demo_id("action", key),
                    to_status=status,
                    note=note,
                    changed_at=datetime(day.year, day.month, day.day, 17, tzinfo=UTC),
                )
            )
            await session.flush()  # one at a time: each change moves the item
