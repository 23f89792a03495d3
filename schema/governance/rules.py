"""proposeRuleChange: the table changes its own ratification rule by a ratified vote."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.errors import attempt
from schema.governance.mutations import ProposalPayload, proposal_payload
from schema.inputs import sent_fields
from schema.relay import raw_id
from services.governance import rules


@strawberry.input(description="Only the parts of the rule given would change.")
class RatificationRuleChangesInput:
    quorum: int | None = None
    resident_majority: float | None = None
    organization_majority: float | None = None


@strawberry.input
class ProposeRuleChangeInput:
    collaborative_id: strawberry.ID
    changes: RatificationRuleChangesInput
    rationale: str
    closes_at: datetime | None = None


async def propose_rule_change(
    info: Info[Context, None], input: ProposeRuleChangeInput
) -> ProposalPayload:
    ctx = info.context
    action = rules.propose_rule_change(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
        changes=sent_fields(input.changes),
        rationale=input.rationale,
        closes_at=input.closes_at,
    )
    return await attempt(action, proposal_payload, ProposalPayload)
