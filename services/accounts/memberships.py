"""People's memberships, as those who keep them see and change them.

A partner's stewards change its staff's and stewards' roles and remove them; the backbone
removes residents, funders' people and its own staff; anyone leaves. The last steward of a
partner, and the last of the backbone, stay: the database holds that too, taking turns per
partner, so two stewards removing each other at once cannot both succeed. A removal takes
effect on the person's next request: each request reads its viewer's memberships anew.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.accounts.models import Account, Membership
from services.errors import DomainError, ErrorCode, not_found
from services.invitations.models import InvitationRole
from services.invitations.roles import fits, fitting_partners
from services.pagination import Listing
from services.partners.models import Partner
from services.viewer import Role, Viewer

STEWARDS = text("SELECT tablero_stewards_of(:c, :p)")
BACKBONE_PEOPLE = text("SELECT tablero_backbone_people(:c)")
LAST_ONE = "stays until another"  # the database's words (migration 0051)


def members_in(
    *,
    viewer: Viewer,
    collaborative_id: UUID,
    partner_ids: Sequence[UUID] | None = None,
    roles: Sequence[Role] | None = None,
) -> Listing:
    """Memberships the viewer keeps in a collaborative, and its own, oldest first."""
    statement = select(Membership).where(
        Membership.collaborative_id == collaborative_id, policy.membership_managed(viewer)
    )
    if partner_ids is not None:
        statement = statement.where(col(Membership.partner_id).in_(partner_ids))
    if roles:
        statement = statement.where(col(Membership.role).in_(roles))
    return Listing(statement, (Membership.created_at, Membership.id))  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, Membership]:
    statement = select(Membership).where(
        col(Membership.id).in_(ids), policy.membership_managed(viewer)
    )
    return {m.id: m for m in (await session.exec(statement)).all()}


async def accounts_of(*, session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Account]:
    """Accounts by id: row-level security shows one's own and those of the people one keeps."""
    statement = select(Account).where(col(Account.id).in_(ids))
    return {a.id: a for a in (await session.exec(statement)).all()}


async def _membership(
    session: AsyncSession, viewer: Viewer, membership_id: UUID | None
) -> Membership:
    found = (
        (await get_many(session=session, viewer=viewer, ids=[membership_id])).get(membership_id)
        if membership_id
        else None
    )
    if found is None:
        raise not_found(("id",), "membership")
    return found


async def _last_one(session: AsyncSession, membership: Membership) -> bool:
    """Whether removing `membership` would leave its partner stewardless or the table
    without its backbone."""
    if membership.role is Role.PARTNER_STEWARD:
        count = await session.scalar(
            STEWARDS.bindparams(c=membership.collaborative_id, p=membership.partner_id)
        )
    elif membership.role is Role.BACKBONE:
        count = await session.scalar(BACKBONE_PEOPLE.bindparams(c=membership.collaborative_id))
    else:
        return False
    return int(count or 0) <= 1


def _stays(membership: Membership) -> DomainError:
    who = "steward of this partner" if membership.role is Role.PARTNER_STEWARD else "backbone"
    return DomainError.single(
        ("id",),
        ErrorCode.INVALID,
        f"the last {who} stays until another is named: invite one first",
    )


async def change_role(
    *, session: AsyncSession, viewer: Viewer, membership_id: UUID | None, role: Role
) -> Membership:
    """Make a partner's staff a steward, or a steward staff (its stewards only)."""
    membership = await _membership(session, viewer, membership_id)
    if not policy.can_manage_membership(viewer, membership) or membership.role not in (
        policy.STEWARDED_ROLES
    ):
        raise DomainError.single(
            ("id",), ErrorCode.FORBIDDEN, "only the partner's stewards change its people's roles"
        )
    if role not in policy.STEWARDED_ROLES:
        raise DomainError.single(
            ("role",),
            ErrorCode.INVALID,
            "a partner's people are PARTNER_STAFF or PARTNER_STEWARD; other roles come by "
            "invitation",
        )
    if role == membership.role:
        return membership
    partner = await session.get(Partner, (membership.collaborative_id, membership.partner_id))
    if partner is not None and not fits(InvitationRole(role.value), partner.kind):
        raise DomainError.single(
            ("role",), ErrorCode.INVALID, fitting_partners(InvitationRole(role.value))
        )
    if membership.role is Role.PARTNER_STEWARD and await _last_one(session, membership):
        raise _stays(membership)
    await _write(session, membership, lambda: setattr(membership, "role", role))
    return membership


async def remove(
    *, session: AsyncSession, viewer: Viewer, membership_id: UUID | None
) -> Membership:
    """Take a membership away (its keeper), or give up one's own."""
    membership = await _membership(session, viewer, membership_id)
    if not (
        policy.can_manage_membership(viewer, membership) or policy.can_leave(viewer, membership)
    ):
        raise DomainError.single(
            ("id",), ErrorCode.FORBIDDEN, "you do not keep this person's membership"
        )
    if await _last_one(session, membership):
        raise _stays(membership)
    await _write(session, membership, None)
    return membership


async def _write(
    session: AsyncSession, membership: Membership, change: Callable[[], None] | None
) -> None:
    """Apply `change` (None: delete) in a savepoint; the database's last word on the last
    steward (another steward leaving at the same moment) becomes the same user error."""
    try:
        async with session.begin_nested():
            if change is None:
                await session.delete(membership)
            else:
                change()
                session.add(membership)
            await session.flush()
    except DBAPIError as e:
        if LAST_ONE in str(e.orig):
            raise _stays(membership) from e
        raise
