"""Demo proposals: one open, one ratified, one rejected (residents said no)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo import EMAIL_DOMAIN, demo_id
from seeds.demo_calendar import calendar
from services.collaboratives.models import Collaborative
from services.governance.models import (
    IndicatorVersion,
    Proposal,
    ProposalComment,
    ProposalKind,
    ProposalStatus,
    ProposalVote,
    VoteChoice,
    VoterGroup,
)
from services.governance.tally import Rule, count
from services.indicators.models import Indicator

# who votes, and as what: the demo's resident and three organization people
VOTERS = {
    "resident": ("Rosa Resident", VoterGroup.RESIDENT),
    "staff": ("Sam Staff", VoterGroup.ORGANIZATION),
    "steward": ("Sofia Steward", VoterGroup.ORGANIZATION),
    "backbone": ("Ben Backbone", VoterGroup.ORGANIZATION),
}
CLOSED_AT = datetime(2026, 10, 15, 18, 0, tzinfo=UTC)


def _account(who: str) -> UUID:
    return demo_id("account", f"{who}@{EMAIL_DOMAIN}")


async def seed_governance(session: AsyncSession, collaborative_id: UUID) -> None:
    """Proposals with their votes, comments, tallies and (for the ratified one) a version."""
    c = collaborative_id
    collaborative = await session.get(Collaborative, c)
    assert collaborative is not None
    rule = Rule.of(collaborative)
    ballots = {
        "evictions": {"resident": VoteChoice.YES, "staff": VoteChoice.YES},
        "kready": dict.fromkeys(VOTERS, VoteChoice.YES),
        "funding": {
            "resident": VoteChoice.NO,
            "staff": VoteChoice.YES,
            "steward": VoteChoice.YES,
            "backbone": VoteChoice.YES,
        },
    }
    proposals = [
        Proposal(
            collaborative_id=c,
            id=demo_id("proposal", "evictions"),
            kind=ProposalKind.NEW_INDICATOR,
            indicator_id=demo_id("indicator", "evictions"),
            rationale="Tenants at the housing table asked that displacement be tracked.",
            proposed_by=_account("resident"),
            proposer_name="Rosa Resident",
            closes_at=calendar().moment(datetime(2027, 3, 31, 23, 0, tzinfo=UTC)),
        ),
        Proposal(
            collaborative_id=c,
            id=demo_id("proposal", "kready"),
            kind=ProposalKind.NEW_INDICATOR,
            indicator_id=demo_id("indicator", "kready"),
            rationale="Readiness at kindergarten entry is the earliest signal we can act on.",
            proposed_by=_account("staff"),
            proposer_name="Sam Staff",
            status=ProposalStatus.RATIFIED,
            closed_at=calendar().moment(CLOSED_AT),
            closed_by=_account("backbone"),
        ),
        Proposal(
            collaborative_id=c,
            id=demo_id("proposal", "funding"),
            kind=ProposalKind.CHANGE_INDICATOR,
            indicator_id=demo_id("indicator", "funding"),
            rationale="Report district-wide averages instead of school-site spending.",
            changes={"definition": "District spending divided by enrolled pupils."},
            proposed_by=_account("backbone"),
            proposer_name="Ben Backbone",
            status=ProposalStatus.REJECTED,
            closed_at=calendar().moment(CLOSED_AT),
            closed_by=_account("backbone"),
        ),
    ]
    for proposal, key in zip(proposals, ballots, strict=True):
        if proposal.status is not ProposalStatus.OPEN:
            votes = ((VOTERS[w][1], choice) for w, choice in ballots[key].items())
            proposal.outcome = count(votes, rule).as_record()
    session.add_all(proposals)
    await session.flush()
    kready = await session.get(Indicator, (c, demo_id("indicator", "kready")))
    assert kready is not None
    session.add_all(
        [
            ProposalVote(
                collaborative_id=c,
                id=demo_id("vote", key, who),
                proposal_id=demo_id("proposal", key),
                account_id=_account(who),
                voter_name=VOTERS[who][0],
                choice=choice,
                voter_group=VOTERS[who][1],
            )
            for key, votes in ballots.items()
            for who, choice in votes.items()
        ]
        + [
            ProposalComment(
                collaborative_id=c,
                id=demo_id("comment", "evictions"),
                proposal_id=demo_id("proposal", "evictions"),
                account_id=_account("steward"),
                author_name="Sofia Steward",
                body="Court filings undercount informal evictions; can we add a survey item?",
            ),
            IndicatorVersion(
                collaborative_id=c,
                id=demo_id("indicator_version", "kready", "1"),
                indicator_id=kready.id,
                version=1,
                definition=kready.definition,
                unit=kready.unit,
                granularity=kready.granularity,
                data_source=kready.data_source,
                proposal_id=demo_id("proposal", "kready"),
            ),
        ]
    )
    await session.flush()
