"""Changing the table's rules by a proposal ratified under the current rule: the
ratification rule itself, and the suppression rules of published aggregates.

The backbone cannot lower a quorum or a group's threshold alone, or institutions could end
up outvoting residents, nor publish more about partners (a lower minimum, a higher
dominance share); the table changes its own rules the way it adopts anything else. (The
backbone strengthens the suppression rules at once, with updateCollaborative.)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives import privacy
from services.collaboratives.models import Collaborative
from services.crud import fetch_one
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.governance.models import Proposal, ProposalKind
from services.governance.service import check_closes_at, check_rationale, open_proposal
from services.validation import camel
from services.viewer import Viewer

MAX_QUORUM = 10_000
APPLY = text("SELECT tablero_apply_rule_change(:collaborative_id, :proposal_id)")


def checked_rule(current: Collaborative, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that would change, each valid, or every problem named under `changes`."""
    problems: list[Problem] = []
    chosen: dict[str, Any] = {}
    for name, value in changes.items():
        at = ("changes", camel(name))
        if value is None:
            continue
        if name in privacy.SUPPRESSION:
            if problem := privacy.out_of_range(name, value, at):
                problems.append(problem)
                continue
        elif name == "quorum":
            if not 1 <= value <= MAX_QUORUM:
                problems.append(Problem(at, ErrorCode.OUT_OF_RANGE, f"1 to {MAX_QUORUM} votes"))
                continue
        elif not 0 <= value < 1:
            problems.append(
                Problem(at, ErrorCode.OUT_OF_RANGE, "a share from 0 up to (not including) 1")
            )
            continue
        if value != getattr(current, name):
            chosen[name] = value
    if problems:
        raise DomainError(problems)
    if not chosen:
        raise DomainError.single(
            ("changes",), ErrorCode.REQUIRED, "propose a rule that differs from the current one"
        )
    return chosen


async def propose_rule_change(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    changes: Mapping[str, Any],
    rationale: str,
    closes_at: datetime | None = None,
) -> Proposal:
    """A new quorum, group threshold or suppression rule, applied only if ratified under the
    current rule; a suppression rule applies from the next release."""
    collaborative = await fetch_one(session, Collaborative, collaborative_id)
    if collaborative is None or not policy.can_take_part(viewer, collaborative.id):
        raise not_found(("collaborativeId",), "collaborative")
    text_ = check_rationale(rationale)
    check_closes_at(closes_at)
    chosen = checked_rule(collaborative, changes)
    return await open_proposal(
        session,
        viewer,
        collaborative_id=collaborative.id,
        kind=ProposalKind.CHANGE_RULE,
        subject=None,
        rationale=text_,
        closes_at=closes_at,
        changes=chosen,
    )


async def apply_rule_change(*, session: AsyncSession, proposal: Proposal) -> None:
    """Give effect to a ratified rule change (the database checks it was ratified)."""
    await session.exec(  # type: ignore[call-overload]
        APPLY.bindparams(collaborative_id=proposal.collaborative_id, proposal_id=proposal.id)
    )
    await session.flush()
