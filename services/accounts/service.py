"""Who a request is: identities from a token subject or an API key, and local tokens' subjects.

The lookups run through SECURITY DEFINER functions because, before we know the viewer,
row-level security rightly shows nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.accounts.models import Account, ApiKey
from services.partners.models import PartnerKind
from services.viewer import DEFAULT_KEY_SCOPES, Grant, Identity, Role, Scope, Viewer

API_KEY_PREFIX = "tbk_"


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new key: `secret` is shown once and never stored."""

    record: ApiKey
    secret: str


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def viewer_for_identity(*, session: AsyncSession, identity: Identity) -> Viewer:
    """The viewer of a verified identity: its account's, or a newcomer's without one."""
    rows = (
        await session.exec(
            text("SELECT * FROM tablero_identity_for_subject(:subject)").bindparams(
                subject=identity.subject
            )
        )
    ).all()
    if not rows:
        return Viewer(identity=identity)
    grants = tuple(
        Grant(collaborative_id=r.collaborative_id, role=Role(r.role), partner_id=r.partner_id)
        for r in rows
        if r.collaborative_id is not None
    )
    return Viewer(
        account_id=rows[0].account_id,
        grants=grants,
        instance_admin=bool(rows[0].instance_admin),
        identity=identity,
    )


async def viewer_for_api_key(*, session: AsyncSession, secret: str) -> Viewer | None:
    """A partner system acts as staff of its partner, a funder's as funder staff (never as a
    member of the table), within its key's scopes; None for an unknown, expired or revoked
    key. The lookup also notes the key's last use (to the minute)."""
    row = (
        await session.exec(
            text("SELECT * FROM tablero_identity_for_api_key(:key_hash)").bindparams(
                key_hash=hash_api_key(secret)
            )
        )
    ).first()
    if row is None:
        return None
    role = Role.FUNDER if row.partner_kind == PartnerKind.FUNDER else Role.PARTNER_STAFF
    grant = Grant(collaborative_id=row.collaborative_id, role=role, partner_id=row.partner_id)
    scopes = frozenset(Scope(s) for s in row.scopes if s in Scope._value2member_map_)
    return Viewer(api_key_id=row.api_key_id, grants=(grant,), scopes=scopes)


async def find_account_by_email(*, session: AsyncSession, email: str) -> Account | None:
    """For the owner's command line (`tablero token`); the API role cannot see other accounts."""
    result = await session.exec(select(Account).where(Account.email == email.strip().lower()))
    return result.first()


def issue_api_key(
    *,
    collaborative_id: UUID,
    partner_id: UUID,
    name: str,
    scopes: frozenset[Scope] = DEFAULT_KEY_SCOPES,
) -> IssuedApiKey:
    """Make a key for a partner's system; the caller stores `record`."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        collaborative_id=collaborative_id,
        partner_id=partner_id,
        name=name,
        prefix=secret[: len(API_KEY_PREFIX) + 6],
        key_hash=hash_api_key(secret),
        scopes=sorted(s.value for s in scopes),
    )
    return IssuedApiKey(record=record, secret=secret)


async def own_account(*, session: AsyncSession, viewer: Viewer) -> Account | None:
    """The viewer's own account (the only one row-level security lets the API read)."""
    if viewer.account_id is None:
        return None
    return await session.get(Account, viewer.account_id)


async def grant_instance_admin(
    *, session: AsyncSession, email: str, subject: str | None, name: str | None
) -> Account:
    """For the owner's command line: flag an account (created for `subject` if there is
    none with this address) as an instance admin."""
    from services.errors import DomainError, ErrorCode
    from services.invitations.emails import checked_email

    address = checked_email(email)
    account = (await session.exec(select(Account).where(Account.email == address))).first()
    if account is None:
        if not subject:
            raise DomainError.single(
                ("subject",),
                ErrorCode.REQUIRED,
                f"no account has {address}: give its identity provider's subject to create it",
            )
        account = Account(subject=subject, email=address, display_name=name or address)
    account.instance_admin = True
    session.add(account)
    await session.flush()
    return account
