"""What a ratified proposal changes: statuses, definitions, and indicator versions.

Runs as the backbone that closes the vote (services/governance/voting.py). Changes are
validated again against the subject as it is now, since it may have changed since.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.crud import fetch_one, save
from services.governance import rules
from services.governance.models import IndicatorVersion, Proposal, ProposalKind
from services.indicators import service as indicators
from services.indicators.models import Indicator, IndicatorStatus
from services.measures import shared as shared_measures
from services.measures.models import SharedMeasure, SharedMeasureStatus
from services.observations.models import Observation, ObservationStatus
from services.periods import start_of


async def apply(*, session: AsyncSession, proposal: Proposal) -> None:
    """Give effect to a ratified proposal."""
    match proposal.kind:
        case ProposalKind.NEW_INDICATOR:
            indicator = await _indicator(session, proposal)
            status = (
                IndicatorStatus.RATIFIED
                if await _has_data(session, indicator)
                else IndicatorStatus.DATA_DEVELOPMENT
            )
            await indicators.apply_changes(
                session=session, indicator=indicator, changes={"status": status}
            )
            await _first_version(session, indicator, proposal)
        case ProposalKind.CHANGE_INDICATOR:
            await _change_indicator(session, await _indicator(session, proposal), proposal)
        case ProposalKind.NEW_SHARED_MEASURE:
            shared = await _shared(session, proposal)
            await shared_measures.apply_changes(
                session=session, shared=shared, changes={"status": SharedMeasureStatus.RATIFIED}
            )
        case ProposalKind.CHANGE_RULE:
            await rules.apply_rule_change(session=session, proposal=proposal)
        case ProposalKind.CHANGE_SHARED_MEASURE:
            shared = await _shared(session, proposal)
            changes = shared_measures.validated_changes(shared, proposal.changes)
            await shared_measures.apply_changes(session=session, shared=shared, changes=changes)


async def _indicator(session: AsyncSession, proposal: Proposal) -> Indicator:
    indicator = await fetch_one(session, Indicator, proposal.indicator_id)
    assert indicator is not None  # a proposal's foreign key
    return indicator


async def _shared(session: AsyncSession, proposal: Proposal) -> SharedMeasure:
    shared = await fetch_one(session, SharedMeasure, proposal.shared_measure_id)
    assert shared is not None  # a proposal's foreign key
    return shared


async def _has_data(session: AsyncSession, indicator: Indicator) -> bool:
    """Whether the indicator has a published value: else it goes on the data agenda."""
    found = await session.exec(
        select(Observation.id).where(
            Observation.collaborative_id == indicator.collaborative_id,
            Observation.indicator_id == indicator.id,
            Observation.status == ObservationStatus.PUBLISHED,
            Observation.value.is_not(None),  # type: ignore[union-attr]
        )
    )
    return found.first() is not None


async def _change_indicator(
    session: AsyncSession, indicator: Indicator, proposal: Proposal
) -> None:
    changes = indicators.validated_changes(indicator, proposal.changes)
    redefined = indicator.status in indicators.VOTED_STATUSES and any(
        name in changes and changes[name] != getattr(indicator, name)
        for name in indicators.DEFINITIONAL
    )
    if redefined:
        await _first_version(session, indicator, None)
    await indicators.apply_changes(session=session, indicator=indicator, changes=changes)
    if redefined:
        latest = await session.scalar(
            select(func.max(IndicatorVersion.version)).where(
                IndicatorVersion.collaborative_id == indicator.collaborative_id,
                IndicatorVersion.indicator_id == indicator.id,
            )
        )
        effective_from = proposal.effective_from or start_of(
            indicator.granularity, datetime.now(UTC).date()
        )
        await save(session, _version(indicator, int(latest or 0) + 1, effective_from, proposal))


async def _first_version(
    session: AsyncSession, indicator: Indicator, proposal: Proposal | None
) -> None:
    """Version 1, from the beginning, unless the indicator already has versions."""
    existing = await session.exec(
        select(IndicatorVersion.id).where(
            IndicatorVersion.collaborative_id == indicator.collaborative_id,
            IndicatorVersion.indicator_id == indicator.id,
        )
    )
    if existing.first() is None:
        await save(session, _version(indicator, 1, None, proposal))


def _version(
    indicator: Indicator, number: int, effective_from: date | None, proposal: Proposal | None
) -> IndicatorVersion:
    definition: dict[str, Any] = {
        name: getattr(indicator, name) for name in indicators.DEFINITIONAL
    }
    return IndicatorVersion(
        collaborative_id=indicator.collaborative_id,
        indicator_id=indicator.id,
        version=number,
        effective_from=effective_from,
        proposal_id=proposal.id if proposal else None,
        **definition,
    )
