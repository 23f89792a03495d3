"""Reading proposals, their votes and comments, and indicator versions (members only).

Batch functions for the per-request DataLoaders and the proposals connection; nothing here
writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.crud import get_visible
from services.governance.models import (
    IndicatorVersion,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalVote,
)
from services.pagination import Listing
from services.viewer import Viewer


def proposals_in(
    *, viewer: Viewer, collaborative_id: UUID, statuses: Sequence[ProposalStatus] = ()
) -> Listing:
    """The collaborative's proposals, oldest first, for members only."""
    statement = select(Proposal).where(
        Proposal.collaborative_id == collaborative_id, policy.proposal_visible(viewer)
    )
    if statuses:
        statement = statement.where(col(Proposal.status).in_(statuses))
    return Listing(statement, (Proposal.created_at, Proposal.id))  # type: ignore[arg-type]


T = TypeVar("T", ProposalVote, ProposalComment)


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, Proposal]:
    """Proposals by id, for members of their collaborative only."""
    return await get_visible(session, Proposal, ids, policy.proposal_visible(viewer))


async def votes_of(
    *, session: AsyncSession, viewer: Viewer, proposal_ids: Sequence[UUID]
) -> dict[UUID, list[ProposalVote]]:
    """Every vote on each proposal, first cast first (members only, like the proposal)."""
    return await _of_proposals(session, viewer, ProposalVote, proposal_ids)


async def comments_of(
    *, session: AsyncSession, viewer: Viewer, proposal_ids: Sequence[UUID]
) -> dict[UUID, list[ProposalComment]]:
    """The discussion of each proposal, oldest first (members only, like the proposal)."""
    return await _of_proposals(session, viewer, ProposalComment, proposal_ids)


async def votes_by_id(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, ProposalVote]:
    """Votes by id, for members of their collaborative only (as their proposal)."""
    return await _by_id(session, viewer, ProposalVote, ids)


async def comments_by_id(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, ProposalComment]:
    """Comments by id, for members of their collaborative only (as their proposal)."""
    return await _by_id(session, viewer, ProposalComment, ids)


async def _by_id(
    session: AsyncSession, viewer: Viewer, model: type[T], ids: Sequence[UUID]
) -> dict[UUID, T]:
    statement = select(model).where(
        col(model.id).in_(ids),  # type: ignore[attr-defined]
        col(model.collaborative_id).in_(viewer.member_of),  # type: ignore[attr-defined]
    )
    return {row.id: row for row in (await session.exec(statement)).all()}  # type: ignore[attr-defined]


async def _of_proposals(
    session: AsyncSession, viewer: Viewer, model: type[T], proposal_ids: Sequence[UUID]
) -> dict[UUID, list[T]]:
    """Rows about each proposal, oldest first, for members of its collaborative only."""
    statement = (
        select(model)
        .where(
            col(model.proposal_id).in_(proposal_ids),  # type: ignore[attr-defined]
            col(model.collaborative_id).in_(viewer.member_of),  # type: ignore[attr-defined]
        )
        .order_by(col(model.created_at), col(model.id))  # type: ignore[attr-defined]
    )
    grouped: dict[UUID, list[T]] = {i: [] for i in proposal_ids}
    for row in (await session.exec(statement)).all():
        grouped[row.proposal_id].append(row)  # type: ignore[attr-defined]
    return grouped


async def versions_of(
    *, session: AsyncSession, indicator_ids: Sequence[UUID]
) -> dict[UUID, list[IndicatorVersion]]:
    """Each indicator's definitions, oldest first (RLS shows those of visible indicators)."""
    statement = (
        select(IndicatorVersion)
        .where(col(IndicatorVersion.indicator_id).in_(indicator_ids))
        .order_by(col(IndicatorVersion.version))
    )
    grouped: dict[UUID, list[IndicatorVersion]] = {i: [] for i in indicator_ids}
    for version in (await session.exec(statement)).all():
        grouped[version.indicator_id].append(version)
    return grouped
