"""Races an attacker (or a hurried front end) would try, on a real pool: one code redeemed
at once by many, and two last stewards removing each other at the same moment."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import text

from api.auth import issue_token
from schema.relay import to_global_id
from services.invitations.codes import hash_code, new_code
from services.invitations.models import Invitation, InvitationRole, IssuedAs
from services.viewer import Role
from tests.committed import Committed
from tests.factories import make_collaborative, make_member, make_partner
from tests.people import REDEEM, signed_in

REMOVE = """mutation($id: ID!) { removeMember(input: { id: $id }) {
  removedId userErrors { field code message } } }"""


@dataclass(frozen=True)
class Invited:
    code: str
    collaborative_id: object


async def invited(session) -> Invited:
    collaborative = await make_collaborative(session, slug=f"race-{uuid4().hex[:8]}")
    code = new_code()
    session.add(
        Invitation(
            collaborative_id=collaborative.id,
            email=f"{uuid4().hex[:8]}@example.org",
            role=InvitationRole.RESIDENT,
            issued_as=IssuedAs.OPERATOR,
            code_hash=hash_code(code),
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    )
    await session.flush()
    return Invited(code, collaborative.id)


async def test_one_code_redeemed_by_ten_at_once_makes_one_member(committed: Committed) -> None:
    invitation = await committed.arrange(invited)
    settings = committed.settings()
    async with committed.client(database_pool_size=10) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/graphql",
                    json={"query": REDEEM, "variables": {"input": {"code": invitation.code}}},
                    headers=signed_in(settings, f"idp|racer-{uuid4().hex}"),
                )
                for _ in range(10)
            )
        )
    payloads = [r.json()["data"]["redeemInvitation"] for r in responses]
    errors = sorted(tuple(e["code"] for e in p["userErrors"]) for p in payloads)
    assert errors == [(), *[("ALREADY_USED",)] * 9]

    async def members(session) -> int:
        found = await session.exec(
            text("SELECT count(*) FROM membership WHERE collaborative_id = :c").bindparams(
                c=invitation.collaborative_id
            )
        )
        return int(found.scalar_one())

    assert await committed.arrange(members) == 1


@dataclass(frozen=True)
class TwoStewards:
    subjects: tuple[str, str]
    memberships: tuple[str, str]
    partner_id: object


async def two_stewards(session) -> TwoStewards:
    collaborative = await make_collaborative(session, slug=f"race-{uuid4().hex[:8]}")
    partner = await make_partner(session, collaborative)
    first = await make_member(session, collaborative, Role.PARTNER_STEWARD, partner)
    second = await make_member(session, collaborative, Role.PARTNER_STEWARD, partner)
    ids = await session.exec(
        text(
            "SELECT id FROM membership WHERE account_id = :a OR account_id = :b"
            " ORDER BY account_id = :a DESC"
        ).bindparams(a=first.id, b=second.id)
    )
    a, b = (to_global_id("Member", i) for i in ids.scalars().all())
    return TwoStewards((first.subject, second.subject), (a, b), partner.id)


async def test_two_last_stewards_removing_each_other_at_once_leave_one(
    committed: Committed,
) -> None:
    for _ in range(3):  # a race may be won by luck; three tries make luck unlikely
        stewards = await committed.arrange(two_stewards)
        settings = committed.settings()
        first, second = (
            {"Authorization": f"Bearer {issue_token(settings, s)}"} for s in stewards.subjects
        )
        async with committed.client(database_pool_size=4) as client:
            responses = await asyncio.gather(
                client.post(
                    "/graphql",
                    json={"query": REMOVE, "variables": {"id": stewards.memberships[1]}},
                    headers=first,
                ),
                client.post(
                    "/graphql",
                    json={"query": REMOVE, "variables": {"id": stewards.memberships[0]}},
                    headers=second,
                ),
            )
        payloads = [r.json()["data"]["removeMember"] for r in responses]
        assert sorted(bool(p["removedId"]) for p in payloads) == [False, True], payloads

        async def left(session, partner=stewards.partner_id) -> int:
            found = await session.exec(
                text(
                    "SELECT count(*) FROM membership WHERE partner_id = :p"
                    " AND role = 'partner_steward'"
                ).bindparams(p=partner)
            )
            return int(found.scalar_one())

        assert await committed.arrange(left) == 1
