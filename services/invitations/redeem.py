"""Redeeming an invitation: a person signed in with the identity provider becomes a member.

Everything that decides happens in one SECURITY DEFINER function (migration 0051), with
the invitation's row locked: two redemptions of one code at once give one member and one
ALREADY_USED. The account is the token's subject's, or a new one with the invited address;
whenever the provider vouches for the token's address, it must be the invited one (ASCII
letters compared case-insensitively, services/invitations/emails.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import DomainError, ErrorCode
from services.invitations.codes import CODE_PREFIX, hash_code
from services.invitations.models import InvitationRole
from services.viewer import Viewer

REDEEM = text("SELECT * FROM tablero_redeem_invitation(:code_hash, :subject, :email, :name)")
MAX_CODE = 200

REFUSALS: dict[str, tuple[ErrorCode, str]] = {
    "unknown": (ErrorCode.NOT_FOUND, "no invitation has this code: check the link"),
    "revoked": (ErrorCode.REVOKED, "this invitation was revoked: ask for a new one"),
    "used": (ErrorCode.ALREADY_USED, "this invitation was used already: sign in as before"),
    "expired": (ErrorCode.EXPIRED, "this invitation has expired: ask for it to be resent"),
    "email_mismatch": (
        ErrorCode.FORBIDDEN,
        "this invitation was sent to another address than the one you signed in with",
    ),
    "email_taken": (
        ErrorCode.FORBIDDEN,
        "another sign-in already holds the account for the invited address: sign in with it",
    ),
    "issuer": (
        ErrorCode.FORBIDDEN,
        "whoever invited you can no longer invite to this role: ask for a new invitation",
    ),
    "has_steward": (
        ErrorCode.FORBIDDEN,
        "the partner has a steward now: ask them to invite you",
    ),
}


@dataclass(frozen=True, slots=True)
class Redeemed:
    account_id: UUID
    collaborative_id: UUID
    role: InvitationRole
    partner_id: UUID | None


async def redeem(
    *, session: AsyncSession, viewer: Viewer, code: str, display_name: str | None = None
) -> Redeemed:
    """Redeem `code` as the signed-in person (creating their account, or linking it)."""
    if viewer.identity is None or viewer.api_key_id is not None:
        raise DomainError.single(
            ("code",), ErrorCode.FORBIDDEN, "sign in with your identity provider to redeem"
        )
    given = code.strip()
    if not given.startswith(CODE_PREFIX) or len(given) > MAX_CODE:
        raise DomainError.single(("code",), ErrorCode.NOT_FOUND, REFUSALS["unknown"][1])
    name = (display_name or "").strip() or viewer.identity.name
    row = (
        await session.exec(  # type: ignore[call-overload]
            REDEEM.bindparams(
                code_hash=hash_code(given),
                subject=viewer.identity.subject,
                email=viewer.identity.email,
                name=name,
            )
        )
    ).one()
    if row.outcome != "ok":
        code_, message = REFUSALS[row.outcome]
        raise DomainError.single(("code",), code_, message)
    return Redeemed(
        account_id=row.account_id,
        collaborative_id=row.collaborative_id,
        role=InvitationRole(row.role),
        partner_id=row.partner_id,
    )
