"""Mutual accountability: per partner, its follow-through on action items and on reporting.

Everyone's figures are computed the same way, the backbone's and funders' included. Three
set-based statements answer for any number of partners.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from sqlalchemy import Integer, and_, case, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.actions.models import ActionItem, ActionStatus
from services.actions.service import overdue_condition
from services.collaboratives.models import Collaborative
from services.errors import DomainError, ErrorCode
from services.measures.models import PerformanceMeasure
from services.observations.models import Observation, ObservationStatus
from services.partners.models import Partner
from services.periods import Granularity, last_complete_start, reporting_deadline, start_of
from services.viewer import Viewer

EARLIEST = date(1900, 1, 1)  # the periods due before year 3 would start before year 1


@dataclass(slots=True)
class MeasureReporting:
    """Whether a measure has a published value for the latest period now due."""

    measure: PerformanceMeasure
    period_start: date
    reported: bool
    deadline: date | None = None  # the last day to report it, when the table has one


@dataclass(slots=True)
class PartnerAccountability:
    partner: Partner
    open: int = 0  # not yet done nor dropped (in progress and overdue ones included)
    in_progress: int = 0
    overdue: int = 0
    done_on_time: int = 0
    done_late: int = 0
    dropped: int = 0
    reporting: list[MeasureReporting] = field(default_factory=list)

    @property
    def reported(self) -> int:
        return sum(1 for m in self.reporting if m.reported)

    @property
    def expected(self) -> int:
        return len(self.reporting)


def _counts(as_of: date) -> dict[str, object]:
    status = col(ActionItem.status)
    done = status == ActionStatus.DONE
    conditions = {
        "open": status.in_((ActionStatus.OPEN, ActionStatus.IN_PROGRESS)),
        "in_progress": status == ActionStatus.IN_PROGRESS,
        "overdue": overdue_condition(as_of),
        "done_on_time": and_(done, col(ActionItem.completed_on) <= col(ActionItem.due_date)),
        "done_late": and_(done, col(ActionItem.completed_on) > col(ActionItem.due_date)),
        "dropped": status == ActionStatus.DROPPED,
    }
    return {name: func.count().filter(c).cast(Integer) for name, c in conditions.items()}


async def accountability(
    *, session: AsyncSession, viewer: Viewer, collaborative_id: UUID, as_of: date
) -> list[PartnerAccountability]:
    """Every partner whose follow-through the viewer may see, by name, even with no items.

    Reporting lists only the measures the viewer may see: another partner's private
    measure is neither listed nor counted, so completeness never reveals that it exists.
    """
    if as_of < EARLIEST:
        raise DomainError.single(("asOf",), ErrorCode.OUT_OF_RANGE, f"from {EARLIEST} on")
    partners = (
        await session.exec(
            select(Partner)
            .where(Partner.collaborative_id == collaborative_id, policy.accountable_partner(viewer))
            .order_by(col(Partner.name), col(Partner.id))
        )
    ).all()
    if not partners:
        return []
    by_id = {p.id: PartnerAccountability(partner=p) for p in partners}
    counts = _counts(as_of)
    rows = await session.exec(
        select(col(ActionItem.partner_id), *counts.values())  # type: ignore[call-overload]
        .where(
            ActionItem.collaborative_id == collaborative_id,
            col(ActionItem.partner_id).in_(by_id),
            policy.action_item_visible(viewer),
        )
        .group_by(col(ActionItem.partner_id))
    )
    for partner_id, *values in rows.all():
        for name, value in zip(counts, values, strict=True):
            setattr(by_id[partner_id], name, value)
    collaborative = await session.get(Collaborative, collaborative_id)
    days = collaborative.release_after_days if collaborative else None
    for reporting in await _reporting(session, viewer, collaborative_id, list(by_id), as_of):
        reporting.deadline = reporting_deadline(
            reporting.measure.granularity, reporting.period_start, days
        )
        by_id[reporting.measure.partner_id].reporting.append(reporting)
    return list(by_id.values())


async def _reporting(
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID,
    partner_ids: list[UUID],
    as_of: date,
) -> list[MeasureReporting]:
    """Each visible measure of these partners, its due period, and whether it has data."""
    due = case(
        {g: last_complete_start(g, as_of) for g in Granularity},
        value=col(PerformanceMeasure.granularity),
    )
    # A measure defined after its due period ended is not yet expected for it (it is, if it
    # reported anyway); the dates are the UTC ones, a day either way does not change a period.
    defined_in_time = func.date(PerformanceMeasure.created_at) < case(
        {g: start_of(g, as_of) for g in Granularity},
        value=col(PerformanceMeasure.granularity),
    )
    reported = exists().where(
        Observation.collaborative_id == PerformanceMeasure.collaborative_id,
        Observation.measure_id == PerformanceMeasure.id,
        col(Observation.is_current),
        Observation.status == ObservationStatus.PUBLISHED,
        Observation.granularity == PerformanceMeasure.granularity,
        Observation.period_start == due,
        policy.observation_visible(viewer),
    )
    rows = await session.exec(
        select(PerformanceMeasure, due.label("due"), reported.label("reported"))  # type: ignore[call-overload]
        .where(
            PerformanceMeasure.collaborative_id == collaborative_id,
            col(PerformanceMeasure.partner_id).in_(partner_ids),
            policy.measure_visible(viewer),
            or_(defined_in_time, reported),
        )
        .order_by(col(PerformanceMeasure.name), col(PerformanceMeasure.id))
    )
    return [MeasureReporting(measure=m, period_start=d, reported=r) for m, d, r in rows.all()]
