"""ActionItem, its status history, and the accountability view's types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.agenda.types import Result
from schema.indicators.types import Indicator
from schema.measures.types import Measure
from schema.observations.types import Period
from schema.partners.types import Partner
from schema.relay import Node, fetches_nodes, to_global_id
from services import policy
from services.actions import service as actions
from services.actions.accountability import PartnerAccountability as PartnerAccountabilityRow
from services.actions.models import FINISHED, ActionStatus
from services.actions.models import ActionItem as ActionItemModel

ActionItemStatusEnum = strawberry.enum(
    ActionStatus, name="ActionItemStatus", description="Where a commitment stands."
)


@strawberry.type(description="One change of an action item's status, with its note. Never edited.")
class ActionItemStatusChange:
    from_status: ActionItemStatusEnum | None  # type: ignore[valid-type]
    to_status: ActionItemStatusEnum  # type: ignore[valid-type]
    note: str
    changed_at: datetime | None


@strawberry.type(description="A commitment a partner (the backbone and funders too) made.")
class ActionItem(Node):
    title: str
    description: str
    due_date: date
    status: ActionItemStatusEnum  # type: ignore[valid-type]
    completed_on: date | None = strawberry.field(description="The day it was marked done.")
    viewer_can_change: bool = strawberry.field(
        description="Whether the viewer may edit it and change its status."
    )
    created_at: datetime | None
    updated_at: datetime | None
    model: strawberry.Private[ActionItemModel]

    @classmethod
    def from_model(cls, m: ActionItemModel, info: Info[Context, None]) -> ActionItem:
        viewer = info.context.viewer
        return cls(
            id=to_global_id("ActionItem", m.id),
            title=m.title,
            description=m.description,
            due_date=m.due_date,
            status=m.status,
            completed_on=m.completed_on,
            viewer_can_change=policy.can_manage_action_items(
                viewer, m.collaborative_id, m.partner_id
            ),
            created_at=m.created_at,
            updated_at=m.updated_at,
            model=m,
        )

    @strawberry.field(
        description="Neither done nor dropped, and due before today where the collaborative "
        "meets (its timeZone)."
    )
    async def overdue(self, info: Info[Context, None]) -> bool:
        m = self.model
        if m.status in FINISHED:
            return False
        collaborative = await info.context.loaders.collaborative.load(m.collaborative_id)
        return m.due_date < actions.today(collaborative.time_zone)

    @strawberry.field(description="The partner that owns this commitment.")
    async def owner(self, info: Info[Context, None]) -> Partner:
        found = await info.context.loaders.partner.load(self.model.partner_id)
        assert found is not None  # whoever sees an item sees its owner (members, or the owner)
        return Partner.from_model(found)

    @strawberry.field
    async def result(self, info: Info[Context, None]) -> Result | None:
        if self.model.result_id is None:
            return None
        found = await info.context.loaders.result.load(self.model.result_id)
        return Result.from_model(found) if found else None

    @strawberry.field
    async def indicator(self, info: Info[Context, None]) -> Indicator | None:
        if self.model.indicator_id is None:
            return None
        found = await info.context.loaders.indicator.load(self.model.indicator_id)
        return Indicator.from_model(found) if found else None

    @strawberry.field(description="Null also when the measure is hidden from the viewer.")
    async def measure(self, info: Info[Context, None]) -> Measure | None:
        if self.model.measure_id is None:
            return None
        found = await info.context.loaders.measure.load(self.model.measure_id)
        return Measure.from_model(found) if found else None

    @strawberry.field(description="Every status change, oldest first.")
    async def history(self, info: Info[Context, None]) -> list[ActionItemStatusChange]:
        rows = await info.context.loaders.action_item_history.load(self.model.id)
        return [
            ActionItemStatusChange(
                from_status=r.from_status,
                to_status=r.to_status,
                note=r.note,
                changed_at=r.changed_at,
            )
            for r in rows
        ]


@fetches_nodes("ActionItem")
async def fetch_action_items(info: Info[Context, None], ids: Any) -> dict[UUID, ActionItem]:
    ctx = info.context
    found = await actions.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: ActionItem.from_model(v, info) for k, v in found.items()}


@strawberry.type(description="Whether a measure has a published value for its period now due.")
class MeasureReporting:
    measure: Measure
    period: Period = strawberry.field(description="The latest period that ended before asOf.")
    reported: bool
    deadline: date | None = strawberry.field(
        description="The last day to report it: after that the period is released on its own "
        "(null when the backbone releases by hand)."
    )


@strawberry.type(description="A partner's follow-through on data: its measures the viewer sees.")
class ReportingCompleteness:
    expected: int
    reported: int
    measures: list[MeasureReporting]


@strawberry.type(description="One partner's follow-through, computed as for everyone else.")
class PartnerAccountability:
    partner: Partner
    open: int = strawberry.field(description="Not yet done nor dropped (overdue ones included).")
    in_progress: int
    overdue: int = strawberry.field(description="Open or in progress, and due before asOf.")
    done_on_time: int = strawberry.field(description="Done on or before the due date.")
    done_late: int
    dropped: int
    reporting: ReportingCompleteness

    @classmethod
    def from_row(cls, row: PartnerAccountabilityRow) -> PartnerAccountability:
        return cls(
            partner=Partner.from_model(row.partner),
            open=row.open,
            in_progress=row.in_progress,
            overdue=row.overdue,
            done_on_time=row.done_on_time,
            done_late=row.done_late,
            dropped=row.dropped,
            reporting=ReportingCompleteness(
                expected=row.expected,
                reported=row.reported,
                measures=[
                    MeasureReporting(
                        measure=Measure.from_model(m.measure),
                        period=Period.of(m.measure.granularity, m.period_start),
                        reported=m.reported,
                        deadline=m.deadline,
                    )
                    for m in row.reporting
                ],
            ),
        )


@strawberry.type(description="Everyone's follow-through on action items and on reporting.")
class Accountability:
    as_of: date
    partners: list[PartnerAccountability]
