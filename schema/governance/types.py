"""Proposal, its votes, comments and tally; the collaborative's ratification rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.context import Context
from schema.indicators.types import Indicator
from schema.measures.types import SharedMeasure
from schema.relay import Node, fetches_nodes, to_global_id
from services.governance import models
from services.governance import reading as governance
from services.governance.models import ProposalKind, ProposalStatus, VoteChoice, VoterGroup
from services.governance.tally import GroupTally as GroupTallyModel
from services.governance.tally import Rule, Tally, count

ProposalKindEnum = strawberry.enum(ProposalKind, name="ProposalKind")
ProposalStatusEnum = strawberry.enum(ProposalStatus, name="ProposalStatus")
VoteChoiceEnum = strawberry.enum(VoteChoice, name="VoteChoice")
VoterGroupEnum = strawberry.enum(
    VoterGroup, name="VoterGroup", description="The two groups of the dual majority."
)


@strawberry.type(description="How proposals are ratified: a quorum and a dual majority.")
class RatificationRule:
    quorum: int = strawberry.field(description="Votes needed, abstentions included.")
    resident_majority: float = strawberry.field(
        description="Share of yes among residents' yes and no votes that must be exceeded."
    )
    organization_majority: float = strawberry.field(
        description="Share of yes among organizations' yes and no votes that must be exceeded."
    )

    @classmethod
    def of(cls, rule: Rule) -> RatificationRule:
        return cls(
            quorum=rule.quorum,
            resident_majority=rule.resident_majority,
            organization_majority=rule.organization_majority,
        )


@strawberry.type
class GroupTally:
    yes: int
    no: int
    abstain: int
    share_of_yes: float | None = strawberry.field(
        description="Yes among yes and no; null when the group decided nothing."
    )
    majority: bool

    @classmethod
    def of(cls, group: GroupTallyModel, threshold: float) -> GroupTally:
        return cls(
            yes=group.yes,
            no=group.no,
            abstain=group.abstain,
            share_of_yes=group.share_of_yes(),
            majority=group.has_majority(threshold),
        )


@strawberry.type(description="The votes counted by group and judged by the rule.")
class ProposalTally:
    final: bool = strawberry.field(description="Recorded at closing; else the count so far.")
    residents: GroupTally
    organizations: GroupTally
    votes_cast: int
    quorum_met: bool
    ratified: bool = strawberry.field(description="Whether these votes ratify (so far).")
    rule: RatificationRule

    @classmethod
    def of(cls, tally: Tally, *, final: bool) -> ProposalTally:
        return cls(
            final=final,
            residents=GroupTally.of(tally.residents, tally.rule.resident_majority),
            organizations=GroupTally.of(tally.organizations, tally.rule.organization_majority),
            votes_cast=tally.cast,
            quorum_met=tally.quorum_met,
            ratified=tally.ratified,
            rule=RatificationRule.of(tally.rule),
        )


@strawberry.type(description="One member's vote; changeable until the proposal closes.")
class Vote(Node):
    choice: VoteChoiceEnum  # type: ignore[valid-type]
    group: VoterGroupEnum  # type: ignore[valid-type]
    voter_name: str
    mine: bool
    cast_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, m: models.ProposalVote, viewer_account: UUID | None) -> Vote:
        assert m.created_at is not None
        assert m.updated_at is not None
        return cls(
            id=to_global_id("Vote", m.id),
            choice=m.choice,
            group=m.voter_group,
            voter_name=m.voter_name,
            mine=m.account_id == viewer_account,
            cast_at=m.created_at,
            updated_at=m.updated_at,
        )


@strawberry.type(description="A member's word in a proposal's discussion.")
class ProposalComment(Node):
    author_name: str
    body: str
    created_at: datetime

    @classmethod
    def from_model(cls, m: models.ProposalComment) -> ProposalComment:
        assert m.created_at is not None
        return cls(
            id=to_global_id("ProposalComment", m.id),
            author_name=m.author_name,
            body=m.body,
            created_at=m.created_at,
        )


@strawberry.type(description="A definition of an indicator and the first period it applies to.")
class IndicatorVersion:
    version: int
    effective_from: date | None = strawberry.field(
        description="Null for the first version: from the beginning."
    )
    definition: str
    data_source: str

    @classmethod
    def from_model(cls, m: models.IndicatorVersion) -> IndicatorVersion:
        return cls(
            version=m.version,
            effective_from=m.effective_from,
            definition=m.definition,
            data_source=m.data_source,
        )


@strawberry.type(description="A proposal to adopt or change an indicator or shared measure.")
class Proposal(Node):
    kind: ProposalKindEnum  # type: ignore[valid-type]
    status: ProposalStatusEnum  # type: ignore[valid-type]
    rationale: str
    changes: JSON = strawberry.field(description="What a change proposal would set.")
    effective_from: date | None
    proposer_name: str
    closes_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    model: strawberry.Private[models.Proposal]

    @classmethod
    def from_model(cls, m: models.Proposal) -> Proposal:
        assert m.created_at is not None
        return cls(
            id=to_global_id("Proposal", m.id),
            kind=m.kind,
            status=m.status,
            rationale=m.rationale,
            changes=m.changes,
            effective_from=m.effective_from,
            proposer_name=m.proposer_name,
            closes_at=m.closes_at,
            closed_at=m.closed_at,
            created_at=m.created_at,
            model=m,
        )

    @strawberry.field(description="The indicator proposed or to change, if visible.")
    async def indicator(self, info: Info[Context, None]) -> Indicator | None:
        if self.model.indicator_id is None:
            return None
        found = await info.context.loaders.indicator.load(self.model.indicator_id)
        return Indicator.from_model(found) if found else None

    @strawberry.field(description="The shared measure proposed or to change.")
    async def shared_measure(self, info: Info[Context, None]) -> SharedMeasure | None:
        if self.model.shared_measure_id is None:
            return None
        found = await info.context.loaders.shared_measure.load(self.model.shared_measure_id)
        return SharedMeasure.from_model(found) if found else None

    @strawberry.field(description="Every vote, first cast first.")
    async def votes(self, info: Info[Context, None]) -> list[Vote]:
        rows = await info.context.loaders.proposal_votes.load(self.model.id)
        return [Vote.from_model(v, info.context.viewer.account_id) for v in rows]

    @strawberry.field(description="The discussion, oldest first.")
    async def comments(self, info: Info[Context, None]) -> list[ProposalComment]:
        rows = await info.context.loaders.proposal_comments.load(self.model.id)
        return [ProposalComment.from_model(c) for c in rows]

    @strawberry.field(description="The outcome recorded at closing, or the count so far.")
    async def tally(self, info: Info[Context, None]) -> ProposalTally:
        if self.model.outcome is not None:
            return ProposalTally.of(Tally.from_record(self.model.outcome), final=True)
        loaders = info.context.loaders
        collaborative = await loaders.collaborative.load(self.model.collaborative_id)
        votes = await loaders.proposal_votes.load(self.model.id)
        tally = count(((v.voter_group, v.choice) for v in votes), Rule.of(collaborative))
        return ProposalTally.of(tally, final=False)


@fetches_nodes("Proposal")
async def fetch_proposals(info: Info[Context, None], ids: Any) -> dict[UUID, Proposal]:
    ctx = info.context
    found = await governance.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Proposal.from_model(v) for k, v in found.items()}


@fetches_nodes("Vote")
async def fetch_votes(info: Info[Context, None], ids: Any) -> dict[UUID, Vote]:
    ctx = info.context
    found = await governance.votes_by_id(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Vote.from_model(v, ctx.viewer.account_id) for k, v in found.items()}


@fetches_nodes("ProposalComment")
async def fetch_comments(info: Info[Context, None], ids: Any) -> dict[UUID, ProposalComment]:
    ctx = info.context
    found = await governance.comments_by_id(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: ProposalComment.from_model(v) for k, v in found.items()}
