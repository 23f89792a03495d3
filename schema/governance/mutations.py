"""Proposing, discussing, voting on, withdrawing and closing proposals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.enums import (
    AggregationEnum,
    DirectionEnum,
    GranularityEnum,
    IndicatorKindEnum,
    IndicatorStatusEnum,
    SharedMeasureStatusEnum,
    UnitEnum,
)
from schema.errors import UserError, attempt
from schema.governance.types import Proposal, ProposalComment, Vote, VoteChoiceEnum, VoterGroupEnum
from schema.indicators.mutations import BaselineInput, CreateIndicatorInput
from schema.inputs import sent_fields
from schema.measures.mutations import CreateSharedMeasureInput
from schema.partners.types import ProfileVisibilityEnum
from schema.relay import raw_id
from services.governance import service as governance
from services.governance import voting


@strawberry.input
class ProposeIndicatorInput:
    indicator: CreateIndicatorInput = strawberry.field(
        description="The indicator, written at once as PROPOSED (members see it)."
    )
    rationale: str
    closes_at: datetime | None = None


@strawberry.input
class ProposeSharedMeasureInput:
    shared_measure: CreateSharedMeasureInput
    rationale: str
    closes_at: datetime | None = None


@strawberry.input(description="Only the fields given would change.")
class IndicatorChangesInput:
    name: str | None = UNSET
    definition: str | None = UNSET
    unit: UnitEnum | None = UNSET  # type: ignore[valid-type]
    direction: DirectionEnum | None = UNSET  # type: ignore[valid-type]
    kind: IndicatorKindEnum | None = UNSET  # type: ignore[valid-type]
    data_source: str | None = UNSET
    granularity: GranularityEnum | None = UNSET  # type: ignore[valid-type]
    baseline: BaselineInput | None = UNSET
    visibility: ProfileVisibilityEnum | None = UNSET  # type: ignore[valid-type]
    status: IndicatorStatusEnum | None = UNSET  # type: ignore[valid-type]


@strawberry.input
class ProposeIndicatorChangeInput:
    indicator_id: strawberry.ID
    changes: IndicatorChangesInput
    rationale: str
    effective_from: date | None = strawberry.field(
        default=None,
        description="First period under a changed definition; by default the period in "
        "which the proposal is ratified.",
    )
    closes_at: datetime | None = None


@strawberry.input(description="Only the fields given would change.")
class SharedMeasureChangesInput:
    name: str | None = UNSET
    definition: str | None = UNSET
    unit: UnitEnum | None = UNSET  # type: ignore[valid-type]
    direction: DirectionEnum | None = UNSET  # type: ignore[valid-type]
    aggregation: AggregationEnum | None = UNSET  # type: ignore[valid-type]
    granularity: GranularityEnum | None = UNSET  # type: ignore[valid-type]
    numerator_definition: str | None = UNSET
    denominator_definition: str | None = UNSET
    status: SharedMeasureStatusEnum | None = UNSET  # type: ignore[valid-type]


@strawberry.input
class ProposeSharedMeasureChangeInput:
    shared_measure_id: strawberry.ID
    changes: SharedMeasureChangesInput
    rationale: str
    closes_at: datetime | None = None


@strawberry.input
class CommentOnProposalInput:
    proposal_id: strawberry.ID
    body: str


@strawberry.input
class CastVoteInput:
    proposal_id: strawberry.ID
    choice: VoteChoiceEnum  # type: ignore[valid-type]
    voting_as: VoterGroupEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Needed only from someone who is both a resident and an organization's "
        "member: which group this vote counts in.",
    )


@strawberry.input
class ProposalIdInput:
    proposal_id: strawberry.ID


@strawberry.type
class ProposalPayload:
    proposal: Proposal | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CastVotePayload:
    vote: Vote | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CommentOnProposalPayload:
    comment: ProposalComment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _with_baseline(input: Any, exclude: tuple[str, ...]) -> dict[str, Any]:
    data = sent_fields(input, exclude=(*exclude, "baseline"))
    if input.baseline is not UNSET:
        baseline = input.baseline
        data["baseline_period_start"] = baseline.period_start if baseline else None
        data["baseline_value"] = baseline.value if baseline else None
    return data


def proposal_payload(proposal: Any) -> ProposalPayload:
    """The payload of every mutation that answers with a proposal."""
    return ProposalPayload(proposal=Proposal.from_model(proposal))


async def propose_indicator(
    info: Info[Context, None], input: ProposeIndicatorInput
) -> ProposalPayload:
    ctx, indicator = info.context, input.indicator
    action = governance.propose_indicator(
        session=ctx.session,
        viewer=ctx.viewer,
        result_id=raw_id(indicator.result_id, "Result"),
        data=_with_baseline(indicator, ("result_id", "dimension_ids")),
        dimension_ids=[raw_id(i, "Dimension") for i in indicator.dimension_ids],
        rationale=input.rationale,
        closes_at=input.closes_at,
    )
    return await attempt(action, proposal_payload, ProposalPayload)


async def propose_shared_measure(
    info: Info[Context, None], input: ProposeSharedMeasureInput
) -> ProposalPayload:
    ctx, shared = info.context, input.shared_measure
    action = governance.propose_shared_measure(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(shared.collaborative_id, "Collaborative"),
        data=sent_fields(shared, exclude=("collaborative_id",)),
        rationale=input.rationale,
        closes_at=input.closes_at,
    )
    return await attempt(action, proposal_payload, ProposalPayload)


async def propose_indicator_change(
    info: Info[Context, None], input: ProposeIndicatorChangeInput
) -> ProposalPayload:
    ctx = info.context
    action = governance.propose_indicator_change(
        session=ctx.session,
        viewer=ctx.viewer,
        indicator_id=raw_id(input.indicator_id, "Indicator"),
        data=_with_baseline(input.changes, ()),
        rationale=input.rationale,
        effective_from=input.effective_from,
        closes_at=input.closes_at,
    )
    return await attempt(action, proposal_payload, ProposalPayload)


async def propose_shared_measure_change(
    info: Info[Context, None], input: ProposeSharedMeasureChangeInput
) -> ProposalPayload:
    ctx = info.context
    action = governance.propose_shared_measure_change(
        session=ctx.session,
        viewer=ctx.viewer,
        shared_measure_id=raw_id(input.shared_measure_id, "SharedMeasure"),
        data=sent_fields(input.changes),
        rationale=input.rationale,
        closes_at=input.closes_at,
    )
    return await attempt(action, proposal_payload, ProposalPayload)


async def comment_on_proposal(
    info: Info[Context, None], input: CommentOnProposalInput
) -> CommentOnProposalPayload:
    ctx = info.context
    action = voting.comment_on(
        session=ctx.session,
        viewer=ctx.viewer,
        proposal_id=raw_id(input.proposal_id, "Proposal"),
        body=input.body,
    )
    return await attempt(
        action,
        lambda c: CommentOnProposalPayload(comment=ProposalComment.from_model(c)),
        CommentOnProposalPayload,
    )


async def cast_vote(info: Info[Context, None], input: CastVoteInput) -> CastVotePayload:
    ctx = info.context
    action = voting.cast_vote(
        session=ctx.session,
        viewer=ctx.viewer,
        proposal_id=raw_id(input.proposal_id, "Proposal"),
        choice=input.choice,
        voting_as=input.voting_as,
    )
    return await attempt(
        action,
        lambda v: CastVotePayload(vote=Vote.from_model(v, ctx.viewer.account_id)),
        CastVotePayload,
    )


async def close_proposal(info: Info[Context, None], input: ProposalIdInput) -> ProposalPayload:
    ctx = info.context
    action = voting.close(
        session=ctx.session, viewer=ctx.viewer, proposal_id=raw_id(input.proposal_id, "Proposal")
    )
    return await attempt(action, proposal_payload, ProposalPayload)


async def withdraw_proposal(info: Info[Context, None], input: ProposalIdInput) -> ProposalPayload:
    ctx = info.context
    action = voting.withdraw(
        session=ctx.session, viewer=ctx.viewer, proposal_id=raw_id(input.proposal_id, "Proposal")
    )
    return await attempt(action, proposal_payload, ProposalPayload)
