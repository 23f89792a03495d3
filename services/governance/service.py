"""Proposing indicators, shared measures and changes to them (reading them: reading.py).

Any member proposes. A new indicator or shared measure is written at once with status
`proposed` (members see it, the public does not), so that members discuss the real thing;
a change proposal keeps its changes, validated as the update they would be, until a
ratifying vote applies them (services/governance/voting.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.accounts.models import Account
from services.agenda.models import Result
from services.crud import fetch_one, save
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.governance.models import Proposal, ProposalKind
from services.indicators import service as indicators
from services.indicators.models import Indicator, IndicatorStatus
from services.measures import shared as shared_measures
from services.measures.models import SharedMeasure
from services.periods import Granularity, expected_start, starts_a_period
from services.viewer import Viewer

RATIONALE_MAX = 4000


async def display_name(session: AsyncSession, viewer: Viewer) -> str:
    """The viewer's name, kept on what they write: other members cannot read accounts."""
    account = await fetch_one(session, Account, viewer.account_id)
    return account.display_name if account else ""


def _require_member(viewer: Viewer, collaborative_id: UUID, field: tuple[str, ...]) -> None:
    if not policy.can_take_part(viewer, collaborative_id):
        raise DomainError.single(
            field,
            ErrorCode.FORBIDDEN,
            "only members of the collaborative propose and vote (not funders or admins)",
        )


def check_rationale(rationale: str) -> str:
    text = rationale.strip()
    if not text:
        raise DomainError.single(("rationale",), ErrorCode.REQUIRED, "say why")
    if len(text) > RATIONALE_MAX:
        raise DomainError.single(
            ("rationale",), ErrorCode.TOO_LONG, f"at most {RATIONALE_MAX} characters"
        )
    return text


MAX_VOTING_YEARS = 10


def check_closes_at(closes_at: datetime | None) -> None:
    """A moment (with its offset: a bare time means no one knows when) within the next years.

    Without the bounds a naive or year-9999 time failed in comparison or in the driver.
    """
    if closes_at is None:
        return
    if closes_at.utcoffset() is None:
        raise DomainError.single(
            ("closesAt",), ErrorCode.INVALID, "give its UTC offset, e.g. 2030-01-31T17:00:00-08:00"
        )
    now = datetime.now(UTC)
    if closes_at <= now:
        raise DomainError.single(("closesAt",), ErrorCode.INVALID, "must be in the future")
    if closes_at - now > timedelta(days=366 * MAX_VOTING_YEARS):
        raise DomainError.single(
            ("closesAt",), ErrorCode.OUT_OF_RANGE, f"at most {MAX_VOTING_YEARS} years ahead"
        )


async def open_proposal(
    session: AsyncSession,
    viewer: Viewer,
    *,
    collaborative_id: UUID,
    kind: ProposalKind,
    subject: Indicator | SharedMeasure | None,
    rationale: str,
    closes_at: datetime | None,
    changes: Mapping[str, Any] | None = None,
    effective_from: date | None = None,
) -> Proposal:
    """Write an open proposal about `subject` (None: about the collaborative's own rule)."""
    assert viewer.account_id is not None  # policy.can_take_part
    proposal = Proposal(
        collaborative_id=collaborative_id,
        kind=kind,
        indicator_id=subject.id if isinstance(subject, Indicator) else None,
        shared_measure_id=subject.id if isinstance(subject, SharedMeasure) else None,
        rationale=rationale,
        changes=dict(changes or {}),
        effective_from=effective_from,
        proposed_by=viewer.account_id,
        proposer_name=await display_name(session, viewer),
        closes_at=closes_at,
    )
    await save(session, proposal)
    return proposal


async def propose_indicator(
    *,
    session: AsyncSession,
    viewer: Viewer,
    result_id: UUID | None,
    data: Mapping[str, Any],
    dimension_ids: Sequence[UUID | None],
    rationale: str,
    closes_at: datetime | None = None,
) -> Proposal:
    """A new indicator, written as `proposed`, and the proposal to ratify it."""
    result = await fetch_one(session, Result, result_id)
    if result is None:
        raise not_found(("indicator", "resultId"), "result")
    _require_member(viewer, result.collaborative_id, ("indicator", "resultId"))
    text = check_rationale(rationale)
    check_closes_at(closes_at)
    data = {**data, "status": IndicatorStatus.PROPOSED}
    with _under("indicator"):
        indicator = await indicators.insert_indicator(
            session=session, result=result, data=data, dimension_ids=dimension_ids
        )
    return await open_proposal(
        session,
        viewer,
        collaborative_id=result.collaborative_id,
        kind=ProposalKind.NEW_INDICATOR,
        subject=indicator,
        rationale=text,
        closes_at=closes_at,
    )


async def propose_shared_measure(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    data: Mapping[str, Any],
    rationale: str,
    closes_at: datetime | None = None,
) -> Proposal:
    """A new shared measure, written as `proposed`, and the proposal to ratify it."""
    if collaborative_id is None:
        raise not_found(("sharedMeasure", "collaborativeId"), "collaborative")
    _require_member(viewer, collaborative_id, ("sharedMeasure", "collaborativeId"))
    text = check_rationale(rationale)
    check_closes_at(closes_at)
    with _under("sharedMeasure"):
        shared = await shared_measures.insert_shared_measure(
            session=session, collaborative_id=collaborative_id, data={**data, "status": "proposed"}
        )
    return await open_proposal(
        session,
        viewer,
        collaborative_id=collaborative_id,
        kind=ProposalKind.NEW_SHARED_MEASURE,
        subject=shared,
        rationale=text,
        closes_at=closes_at,
    )


def _check_effective_from(granularity: Granularity, effective_from: date | None) -> None:
    if effective_from is not None and not starts_a_period(granularity, effective_from):
        raise DomainError.single(
            ("effectiveFrom",), ErrorCode.INVALID, f"must be {expected_start(granularity)}"
        )


def _nothing_to_change(changes: Mapping[str, Any]) -> None:
    if not changes:
        raise DomainError.single(("changes",), ErrorCode.REQUIRED, "propose at least one change")
    if changes.get("status") == "proposed":
        raise DomainError.single(
            ("changes", "status"), ErrorCode.INVALID, "a vote cannot make something proposed"
        )


async def propose_indicator_change(
    *,
    session: AsyncSession,
    viewer: Viewer,
    indicator_id: UUID | None,
    data: Mapping[str, Any],
    rationale: str,
    effective_from: date | None = None,
    closes_at: datetime | None = None,
) -> Proposal:
    """A change to an indicator (its definition, status, …), applied if ratified."""
    indicator = await fetch_one(session, Indicator, indicator_id, policy.indicator_visible(viewer))
    if indicator is None or not policy.can_take_part(viewer, indicator.collaborative_id):
        raise not_found(("indicatorId",), "indicator")
    text = check_rationale(rationale)
    check_closes_at(closes_at)
    with _under("changes"):
        changes = indicators.validated_changes(indicator, data)
    _nothing_to_change(changes)
    _check_effective_from(changes.get("granularity", indicator.granularity), effective_from)
    return await open_proposal(
        session,
        viewer,
        collaborative_id=indicator.collaborative_id,
        kind=ProposalKind.CHANGE_INDICATOR,
        subject=indicator,
        rationale=text,
        closes_at=closes_at,
        changes=_as_json(changes),
        effective_from=effective_from,
    )


async def propose_shared_measure_change(
    *,
    session: AsyncSession,
    viewer: Viewer,
    shared_measure_id: UUID | None,
    data: Mapping[str, Any],
    rationale: str,
    closes_at: datetime | None = None,
) -> Proposal:
    """A change to a shared measure, applied if ratified."""
    shared = await fetch_one(session, SharedMeasure, shared_measure_id)
    if shared is None or not policy.can_take_part(viewer, shared.collaborative_id):
        raise not_found(("sharedMeasureId",), "shared measure")
    text = check_rationale(rationale)
    check_closes_at(closes_at)
    with _under("changes"):
        changes = shared_measures.validated_changes(shared, data)
    _nothing_to_change(changes)
    return await open_proposal(
        session,
        viewer,
        collaborative_id=shared.collaborative_id,
        kind=ProposalKind.CHANGE_SHARED_MEASURE,
        subject=shared,
        rationale=text,
        closes_at=closes_at,
        changes=_as_json(changes),
    )


@contextmanager
def _under(prefix: str) -> Iterator[None]:
    """Errors in the nested definition or changes name their field under `prefix`."""
    try:
        yield
    except DomainError as e:
        raise DomainError(Problem((prefix, *p.field), p.code, p.message) for p in e.problems) from e


def _as_json(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
