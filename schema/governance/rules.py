"""proposeRuleChange: the table changes its own ratification and suppression rules by a
ratified vote."""

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


@strawberry.input(description="Only the parts of the rules given would change.")
class RatificationRuleChangesInput:
    quorum: int | None = None
    resident_majority: float | None = None
    organization_majority: float | None = None
    min_partners: int | None = strawberry.field(
        default=None, description="Suppression: partners a published cell needs (2 to 100)."
    )
    min_cell: int | None = strawberry.field(
        default=None, description="Suppression: people a published cell needs (1 to 10000)."
    )
    max_dominance_share: float | None = strawberry.field(
        default=None, description="Suppression: the share one partner may hold (0.5 to 1)."
    )


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
