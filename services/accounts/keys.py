"""A partner's stewards keep its systems' API keys: issue, list, rotate and revoke them.

The secret is shown once, when it is made; only its SHA-256 is stored, and the API role can
write that column but never read it (migration 0050), so every read here defers it.
Rotating makes a new key with the same name and scopes and lets the old one work for a
grace period; both are keys of the same partner, whoever rotates them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.accounts.models import ApiKey
from services.accounts.service import IssuedApiKey, hash_api_key, issue_api_key
from services.crud import fetch_one
from services.errors import DomainError, ErrorCode, not_found
from services.pagination import SecretListing
from services.partners.models import Partner
from services.viewer import Scope, Viewer

NAME_MAX = 200
MAX_GRACE_HOURS = 24 * 30
MAX_LIFETIME = timedelta(days=366 * 5)


def _readable() -> object:
    """Read a key without its hash, which the API role may not read."""
    return defer(ApiKey.key_hash, raiseload=True)  # type: ignore[arg-type]


def is_active(key: ApiKey, now: datetime) -> bool:
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


def keys_of(*, viewer: Viewer, partner_id: UUID, include_inactive: bool = False) -> SecretListing:
    """The partner's keys, newest first, for its stewards (nobody else sees any)."""
    statement = (
        select(ApiKey)
        .options(_readable())
        .where(ApiKey.partner_id == partner_id, policy.api_key_visible(viewer))
    )
    if not include_inactive:
        now = datetime.now(UTC)
        statement = statement.where(
            col(ApiKey.revoked_at).is_(None),
            (col(ApiKey.expires_at).is_(None)) | (col(ApiKey.expires_at) > now),
        )
    order = (ApiKey.created_at, ApiKey.id)
    return SecretListing(statement, order, descending=True)  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, ApiKey]:
    statement = (
        select(ApiKey)
        .options(_readable())
        .where(col(ApiKey.id).in_(ids), policy.api_key_visible(viewer))
    )
    return {k.id: k for k in (await session.exec(statement)).all()}


async def _key(session: AsyncSession, viewer: Viewer, key_id: UUID | None) -> ApiKey:
    """A key the viewer keeps; another partner's looks exactly like one that does not exist."""
    found = (await get_many(session=session, viewer=viewer, ids=[key_id])).get(key_id)  # type: ignore[arg-type,list-item]
    if found is None or not policy.can_manage_api_keys(viewer, found.partner_id):
        raise not_found(("id",), "API key")
    return found


def _name(name: str) -> str:
    text = name.strip()
    if not text:
        raise DomainError.single(("name",), ErrorCode.REQUIRED, "name the system that uses it")
    if len(text) > NAME_MAX:
        raise DomainError.single(("name",), ErrorCode.TOO_LONG, f"at most {NAME_MAX} characters")
    return text


def _scopes(scopes: Collection[Scope]) -> frozenset[Scope]:
    if not scopes:
        raise DomainError.single(
            ("scopes",), ErrorCode.REQUIRED, "a key needs at least one scope (e.g. READ)"
        )
    return frozenset(scopes)


def checked_expiry(expires_at: datetime | None, now: datetime) -> datetime | None:
    """A moment with its offset, in the future, within five years; None: no expiry."""
    if expires_at is None:
        return None
    if expires_at.utcoffset() is None:
        raise DomainError.single(
            ("expiresAt",), ErrorCode.INVALID, "give its UTC offset, e.g. 2030-01-31T17:00:00Z"
        )
    if expires_at <= now:
        raise DomainError.single(("expiresAt",), ErrorCode.INVALID, "must be in the future")
    if expires_at - now > MAX_LIFETIME:
        raise DomainError.single(("expiresAt",), ErrorCode.OUT_OF_RANGE, "at most 5 years ahead")
    return expires_at


async def create_key(
    *,
    session: AsyncSession,
    viewer: Viewer,
    partner_id: UUID | None,
    name: str,
    scopes: Collection[Scope],
    expires_at: datetime | None = None,
) -> IssuedApiKey:
    """A new key for the partner's system; its secret is in the result, and nowhere else."""
    partner = await fetch_one(session, Partner, partner_id, policy.partner_visible(viewer))
    if partner is None or not policy.can_manage_api_keys(viewer, partner.id):
        raise not_found(("partnerId",), "partner")
    issued = issue_api_key(
        collaborative_id=partner.collaborative_id,
        partner_id=partner.id,
        name=_name(name),
        scopes=_scopes(scopes),
    )
    issued.record.expires_at = checked_expiry(expires_at, datetime.now(UTC))
    session.add(issued.record)
    await session.flush()
    return issued


async def rotate_key(
    *,
    session: AsyncSession,
    viewer: Viewer,
    key_id: UUID | None,
    grace_hours: int = 24,
    expires_at: datetime | None = None,
) -> tuple[IssuedApiKey, ApiKey]:
    """A new key in place of an active one, which keeps working for `grace_hours`."""
    old = await _key(session, viewer, key_id)
    now = datetime.now(UTC)
    if not is_active(old, now):
        raise DomainError.single(("id",), ErrorCode.INVALID, "the key is revoked or expired")
    if old.replaced_by is not None:
        raise DomainError.single(
            ("id",), ErrorCode.INVALID, "the key was rotated already: rotate its replacement"
        )
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise DomainError.single(
            ("graceHours",), ErrorCode.OUT_OF_RANGE, f"from 0 to {MAX_GRACE_HOURS} hours"
        )
    new = issue_api_key(
        collaborative_id=old.collaborative_id,
        partner_id=old.partner_id,
        name=old.name,
        scopes=frozenset(Scope(s) for s in old.scopes),
    )
    new.record.expires_at = checked_expiry(expires_at, now)
    session.add(new.record)
    await session.flush()
    grace_ends = now + timedelta(hours=grace_hours)
    old.expires_at = min(old.expires_at, grace_ends) if old.expires_at else grace_ends
    old.replaced_by = new.record.id
    session.add(old)
    await session.flush()
    return new, old


async def revoke_key(*, session: AsyncSession, viewer: Viewer, key_id: UUID | None) -> ApiKey:
    """Stop a key at once (revoking a revoked key changes nothing)."""
    key = await _key(session, viewer, key_id)
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        session.add(key)
        await session.flush()
    return key


async def revoke_by_secret_or_prefix(*, session: AsyncSession, given: str) -> list[ApiKey]:
    """For an operator in an emergency (as the owner): the key with this secret, or the
    active keys whose shown prefix this is. Returns the keys revoked."""
    given = given.strip()
    statement = select(ApiKey).where(col(ApiKey.revoked_at).is_(None))
    if len(given) > 16:
        statement = statement.where(ApiKey.key_hash == hash_api_key(given))
    else:
        statement = statement.where(ApiKey.prefix == given)
    keys = list((await session.exec(statement)).all())
    now = datetime.now(UTC)
    for key in keys:
        key.revoked_at = now
        session.add(key)
    await session.flush()
    return keys
