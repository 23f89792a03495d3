"""Small async factories that arrange data as the owner role inside the test transaction."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth import issue_token
from api.settings import Settings
from services.accounts.models import Account, Membership
from services.accounts.service import issue_api_key
from services.collaboratives.models import Collaborative
from services.partners.models import Partner, PartnerContact, PartnerKind, ProfileVisibility
from services.translations import service as translations
from services.translations.models import Translation
from services.viewer import DEFAULT_KEY_SCOPES, Role, Scope

_seq = itertools.count(1)


async def make_collaborative(session: AsyncSession, **overrides: Any) -> Collaborative:
    n = next(_seq)
    collaborative = Collaborative(
        **{"slug": f"collab-{n}", "name": f"Collaborative {n}", **overrides}
    )
    session.add(collaborative)
    await session.flush()
    return collaborative


async def make_partner(
    session: AsyncSession,
    collaborative: Collaborative,
    *,
    contact_email: str | None = None,
    **overrides: Any,
) -> Partner:
    n = next(_seq)
    values = {
        "name": f"Partner {n}",
        "kind": PartnerKind.COMMUNITY_ORG,
        "visibility": ProfileVisibility.PUBLIC,
        **overrides,
    }
    partner = Partner(collaborative_id=collaborative.id, **values)
    session.add(partner)
    await session.flush()
    if contact_email is not None:
        session.add(
            PartnerContact(
                collaborative_id=collaborative.id, partner_id=partner.id, email=contact_email
            )
        )
        await session.flush()
    return partner


async def make_account(session: AsyncSession, **overrides: Any) -> Account:
    n = next(_seq)
    values = {
        "subject": f"subject-{n}",
        "email": f"person{n}@example.org",
        "display_name": f"Person {n}",
    }
    account = Account(**{**values, **overrides})
    session.add(account)
    await session.flush()
    return account


async def make_member(
    session: AsyncSession,
    collaborative: Collaborative,
    role: Role,
    partner: Partner | None = None,
    account: Account | None = None,
) -> Account:
    """An account holding `role` in `collaborative` (for `partner` when the role needs one)."""
    account = account or await make_account(session)
    session.add(
        Membership(
            collaborative_id=collaborative.id,
            account_id=account.id,
            role=role,
            partner_id=partner.id if partner else None,
        )
    )
    await session.flush()
    return account


async def make_api_key(
    session: AsyncSession,
    partner: Partner,
    *,
    revoked: bool = False,
    scopes: frozenset[Scope] = DEFAULT_KEY_SCOPES,
) -> str:
    from datetime import UTC, datetime

    issued = issue_api_key(
        collaborative_id=partner.collaborative_id,
        partner_id=partner.id,
        name="test system",
        scopes=scopes,
    )
    if revoked:
        issued.record.revoked_at = datetime.now(UTC)
    session.add(issued.record)
    await session.flush()
    return issued.secret


# The day tests seed the demo on: its history, written for 2023-Q1 to 2025-Q4, stays there.
DEMO_TODAY = date(2026, 1, 15)


def bearer(settings: Settings, account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, account.subject)}"}


async def graphql(
    client: Any,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST a query and return the JSON body (asserting HTTP 200)."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    return response.json()


def ids(value: UUID) -> str:
    return str(value)


def translation_of(row: Any, field: str, text: str, language: str = "es") -> Translation:
    """The text of one field of a row in another language (its kind derived from the row)."""
    return Translation(
        collaborative_id=row.collaborative_id,
        subject_kind=translations.kind_of(row),
        subject_id=row.id,
        field=field,
        language=language,
        text=text,
    )
