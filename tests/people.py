"""A collaborative with people in every role, and ways to sign in as someone, for the tests
of invitations, members and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import Settings
from schema.relay import to_global_id
from services.accounts.models import Account
from services.partners.models import Partner, PartnerKind
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner

INVITE = """mutation($input: CreateInvitationInput!) { createInvitation(input: $input) {
  invitation { id email role status partner { name } expiresAt }
  code link delivery userErrors { field code message } } }"""
REDEEM = """mutation($input: RedeemInvitationInput!) { redeemInvitation(input: $input) {
  accountId collaborativeId roles { role partnerId } userErrors { field code message } } }"""
VIEWER = "{ viewer { account { email displayName } memberships { role partner { name } } } }"


def signed_in(
    settings: Settings,
    subject: str,
    *,
    email: str | None = None,
    verified: bool = True,
    name: str | None = None,
) -> dict[str, str]:
    """A bearer token as an identity provider would sign it (with the dev secret)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": settings.token_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    if email is not None:
        claims.update(email=email, email_verified=verified)
    if name is not None:
        claims["name"] = name
    token = jwt.encode(claims, settings.signing_secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Town:
    """A collaborative with a backbone, partners A and B (each with a steward), A's staff, a
    funder, a resident, a partner without people yet, and an outsider elsewhere."""

    collaborative: Any
    elsewhere: Any
    partners: dict[str, Partner]
    people: dict[str, Account]
    settings: Settings

    def id(self, name: str = "collaborative") -> str:
        if name == "collaborative":
            return to_global_id("Collaborative", self.collaborative.id)
        if name == "elsewhere":
            return to_global_id("Collaborative", self.elsewhere.id)
        return to_global_id("Partner", self.partners[name].id)

    def as_(self, who: str) -> dict[str, str]:
        return {} if who == "anonymous" else bearer(self.settings, self.people[who])


async def make_town(session: AsyncSession, settings: Settings) -> Town:
    collaborative = await make_collaborative(session)
    elsewhere = await make_collaborative(session)
    partners = {
        "backbone": await make_partner(session, collaborative, kind=PartnerKind.BACKBONE),
        "a": await make_partner(session, collaborative, name="Casa A"),
        "b": await make_partner(session, collaborative, name="Clinic B"),
        "new": await make_partner(session, collaborative, name="Newcomers' Org"),
        "funder": await make_partner(session, collaborative, kind=PartnerKind.FUNDER),
        "x": await make_partner(session, elsewhere, name="Elsewhere X"),
    }
    backbone = await make_member(session, collaborative, Role.BACKBONE, partners["backbone"])
    await make_member(
        session, collaborative, Role.PARTNER_STEWARD, partners["backbone"], account=backbone
    )
    people = {
        "backbone": backbone,
        "steward_a": await make_member(session, collaborative, Role.PARTNER_STEWARD, partners["a"]),
        "staff_a": await make_member(session, collaborative, Role.PARTNER_STAFF, partners["a"]),
        "steward_b": await make_member(session, collaborative, Role.PARTNER_STEWARD, partners["b"]),
        "funder": await make_member(session, collaborative, Role.FUNDER, partners["funder"]),
        "resident": await make_member(session, collaborative, Role.RESIDENT),
        "outsider": await make_member(session, elsewhere, Role.PARTNER_STEWARD, partners["x"]),
        "other_backbone": await make_member(
            session,
            elsewhere,
            Role.BACKBONE,
            await make_partner(session, elsewhere, kind=PartnerKind.BACKBONE),
        ),
    }
    return Town(collaborative, elsewhere, partners, people, settings)


async def invite(
    client: Any,
    town: Town,
    who: str,
    email: str,
    role: str,
    partner: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    variables = {
        "input": {
            "collaborativeId": town.id(),
            "email": email,
            "role": role,
            "partnerId": town.id(partner) if partner else None,
            **extra,
        }
    }
    body = await graphql(client, INVITE, variables, town.as_(who))
    assert "errors" not in body, body
    return body["data"]["createInvitation"]


async def redeem(client: Any, code: str, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": REDEEM, "variables": {"input": {"code": code, **extra}}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["redeemInvitation"]


async def asks_to_sign_in(client: Any, query: str, variables: dict[str, Any]) -> bool:
    """Whether an anonymous caller of this mutation is told to sign in (401) before anything
    about its arguments, found or not, is looked at."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    errors = response.json().get("errors", [])
    return response.status_code == 401 and [e["extensions"]["code"] for e in errors] == [
        "UNAUTHENTICATED"
    ]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]
