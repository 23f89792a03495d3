"""Discussing, voting on, withdrawing and closing proposals.

One vote per account, changeable while the proposal is open and before it closes. The
group a vote counts in is decided when it is cast and kept on the vote, so that the tally
can be recomputed from the votes alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives.models import Collaborative
from services.crud import fetch_one, save, update
from services.errors import DomainError, ErrorCode, not_found
from services.governance import ratify
from services.governance.models import (
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalVote,
    VoteChoice,
    VoterGroup,
)
from services.governance.reading import votes_of
from services.governance.service import RATIONALE_MAX, display_name
from services.governance.tally import Rule, count
from services.viewer import Viewer

LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('proposal:' || :key, 0))")


async def _proposal(session: AsyncSession, viewer: Viewer, proposal_id: UUID | None) -> Proposal:
    """A proposal the viewer takes part in, else NOT_FOUND (hidden looks like missing)."""
    proposal = await fetch_one(session, Proposal, proposal_id, policy.proposal_visible(viewer))
    if proposal is None or not policy.can_take_part(viewer, proposal.collaborative_id):
        raise not_found(("proposalId",), "proposal")
    return proposal


async def _proposal_to_change(
    session: AsyncSession, viewer: Viewer, proposal_id: UUID | None
) -> Proposal:
    """The proposal, read after taking its lock for the rest of the transaction.

    Votes, withdrawals and closing of one proposal take turns: a vote can neither slip in
    after the count was read nor land on a proposal closed meanwhile, and two closings cannot
    both apply an outcome. (Voters cannot lock the row itself under its policies.)
    """
    if proposal_id is not None:
        await session.exec(LOCK.bindparams(key=str(proposal_id)))  # type: ignore[call-overload]
    return await _proposal(session, viewer, proposal_id)


def _require_open(proposal: Proposal, action: str) -> None:
    if proposal.status != ProposalStatus.OPEN:
        raise DomainError.single(
            ("proposalId",), ErrorCode.INVALID, f"the proposal is {proposal.status}: {action}"
        )


async def comment_on(
    *, session: AsyncSession, viewer: Viewer, proposal_id: UUID | None, body: str
) -> ProposalComment:
    """A member's comment; discussion stays open after the vote closes, for the record."""
    proposal = await _proposal(session, viewer, proposal_id)
    text = body.strip()
    if not text:
        raise DomainError.single(("body",), ErrorCode.REQUIRED, "say something")
    if len(text) > RATIONALE_MAX:
        raise DomainError.single(
            ("body",), ErrorCode.TOO_LONG, f"at most {RATIONALE_MAX} characters"
        )
    assert viewer.account_id is not None  # policy.can_take_part
    comment = ProposalComment(
        collaborative_id=proposal.collaborative_id,
        proposal_id=proposal.id,
        account_id=viewer.account_id,
        author_name=await display_name(session, viewer),
        body=text,
    )
    await save(session, comment)
    return comment


def _group(viewer: Viewer, proposal: Proposal, voting_as: VoterGroup | None) -> VoterGroup:
    """The group the vote counts in: the only one the voter holds, or the one they chose.

    Someone who is both a resident and staff of an organization chooses, because only they
    know in which capacity they vote on this proposal; we never guess for them.
    """
    groups = policy.voter_groups(viewer, proposal.collaborative_id)
    if voting_as is not None:
        if voting_as not in groups:
            raise DomainError.single(
                ("votingAs",), ErrorCode.FORBIDDEN, f"you do not vote as {voting_as} here"
            )
        return voting_as
    if len(groups) > 1:
        raise DomainError.single(
            ("votingAs",),
            ErrorCode.REQUIRED,
            "you are both a resident and an organization's member: say which you vote as",
        )
    (group,) = groups
    return group


async def cast_vote(
    *,
    session: AsyncSession,
    viewer: Viewer,
    proposal_id: UUID | None,
    choice: VoteChoice,
    voting_as: VoterGroup | None = None,
) -> ProposalVote:
    """Cast or change the viewer's vote while the proposal is open."""
    proposal = await _proposal_to_change(session, viewer, proposal_id)
    _require_open(proposal, "voting is closed")
    if proposal.closes_at is not None and proposal.closes_at <= datetime.now(UTC):
        raise DomainError.single(("proposalId",), ErrorCode.INVALID, "voting closed at closesAt")
    group = _group(viewer, proposal, voting_as)
    assert viewer.account_id is not None  # policy.can_take_part
    existing = (
        await session.exec(
            select(ProposalVote).where(
                ProposalVote.collaborative_id == proposal.collaborative_id,
                ProposalVote.proposal_id == proposal.id,
                ProposalVote.account_id == viewer.account_id,
            )
        )
    ).first()
    if existing is not None:
        await update(session, existing, {"choice": choice, "voter_group": group})
        return existing
    vote = ProposalVote(
        collaborative_id=proposal.collaborative_id,
        proposal_id=proposal.id,
        account_id=viewer.account_id,
        voter_name=await display_name(session, viewer),
        choice=choice,
        voter_group=group,
    )
    await save(session, vote)
    return vote


async def withdraw(*, session: AsyncSession, viewer: Viewer, proposal_id: UUID | None) -> Proposal:
    """The proposer takes an open proposal back; nothing is applied."""
    proposal = await _proposal_to_change(session, viewer, proposal_id)
    if proposal.proposed_by != viewer.account_id:
        raise DomainError.single(
            ("proposalId",), ErrorCode.FORBIDDEN, "only the proposer withdraws a proposal"
        )
    _require_open(proposal, "it can no longer be withdrawn")
    await update(
        session,
        proposal,
        {
            "status": ProposalStatus.WITHDRAWN,
            "closed_at": datetime.now(UTC),
            "closed_by": viewer.account_id,
        },
    )
    return proposal


async def close(*, session: AsyncSession, viewer: Viewer, proposal_id: UUID | None) -> Proposal:
    """Count the votes by the collaborative's rule, record the outcome, apply it if ratified."""
    proposal = await _proposal_to_change(session, viewer, proposal_id)
    if not policy.can_close_proposal(viewer, proposal):
        raise DomainError.single(
            ("proposalId",), ErrorCode.FORBIDDEN, "the backbone, as facilitator, closes votes"
        )
    _require_open(proposal, "it is already closed")
    if proposal.closes_at is not None and proposal.closes_at > datetime.now(UTC):
        # Else the facilitator could end a vote at the moment its count suits them.
        raise DomainError.single(
            ("proposalId",), ErrorCode.INVALID, "voting is open until closesAt: close it then"
        )
    collaborative = await fetch_one(session, Collaborative, proposal.collaborative_id)
    assert collaborative is not None  # a proposal's foreign key
    votes = await votes_of(session=session, viewer=viewer, proposal_ids=[proposal.id])
    tally = count(((v.voter_group, v.choice) for v in votes[proposal.id]), Rule.of(collaborative))
    # The outcome is recorded before it is applied (the database adopts an indicator or a
    # shared measure only for a ratified proposal); both or neither are written.
    async with session.begin_nested():
        await update(
            session,
            proposal,
            {
                "status": ProposalStatus.RATIFIED if tally.ratified else ProposalStatus.REJECTED,
                "closed_at": datetime.now(UTC),
                "closed_by": viewer.account_id,
                "outcome": tally.as_record(),
            },
        )
        if tally.ratified:
            await ratify.apply(session=session, proposal=proposal)
    return proposal
