"""Targets for a measure or an indicator: for the total, or one cell (an equity target)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from uuid import UUID

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.crud import save
from services.errors import DomainError, ErrorCode, Problem
from services.observations.models import Target
from services.observations.subjects import reportable, rules_for
from services.observations.validation import (
    ObservationInput,
    breakdown_key,
    check_breakdown,
    check_period,
)
from services.validation import out_of_bounds
from services.viewer import Viewer


async def set_target(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    indicator_id: UUID | None,
    period_start: date,
    breakdown: Mapping[str, str],
    value: float | None,
) -> Target | None:
    """Set (or, with no value, remove) the target of a period and cell; owners only."""
    subject = await reportable(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    rules = await rules_for(session=session, subject=subject)
    problems = check_period(period_start, rules.granularity, ("periodStart",))
    problems += check_breakdown(ObservationInput(period_start, breakdown=breakdown), rules, ())
    if value is not None and (reason := out_of_bounds(value)):
        problems.append(Problem(("value",), ErrorCode.OUT_OF_RANGE, reason))
    if problems:
        raise DomainError(problems)
    key = breakdown_key(breakdown)
    where = {"collaborative_id": subject.row.collaborative_id, **subject.subject_columns()}
    await session.exec(  # type: ignore[call-overload]
        delete(Target)
        .filter_by(**where)
        .where(Target.period_start == period_start, Target.breakdown_key == key)
    )
    if value is None:
        return None
    target = Target(
        **where,
        period_start=period_start,
        breakdown=dict(breakdown),
        breakdown_key=key,
        value=value,
    )
    await save(session, target)
    return target


async def targets_of(
    *, session: AsyncSession, subject_ids: Sequence[UUID]
) -> dict[UUID, list[Target]]:
    """Each subject's targets (row-level security shows those of visible subjects only)."""
    statement = (
        select(Target)
        .where(
            (col(Target.measure_id).in_(subject_ids)) | (col(Target.indicator_id).in_(subject_ids))
        )
        .order_by(col(Target.period_start), col(Target.breakdown_key))
    )
    grouped: dict[UUID, list[Target]] = {i: [] for i in subject_ids}
    for target in (await session.exec(statement)).all():
        grouped[target.measure_id or target.indicator_id].append(target)  # type: ignore[index]
    return grouped
