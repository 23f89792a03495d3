"""changeMemberRole and removeMember: thin calls into services.accounts.memberships."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.accounts.types import Member
from schema.enums import RoleEnum
from schema.errors import UserError, attempt
from schema.relay import raw_id, to_global_id
from services.accounts import memberships


@strawberry.input(description="A partner's staff become stewards, or stewards staff.")
class ChangeMemberRoleInput:
    id: strawberry.ID
    role: RoleEnum  # type: ignore[valid-type]


@strawberry.input
class MemberIdInput:
    id: strawberry.ID


@strawberry.type
class MemberPayload:
    member: Member | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RemoveMemberPayload:
    removed_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def change_member_role(
    info: Info[Context, None], input: ChangeMemberRoleInput
) -> MemberPayload:
    ctx = info.context
    action = memberships.change_role(
        session=ctx.session,
        viewer=ctx.viewer,
        membership_id=raw_id(input.id, "Member"),
        role=input.role,
    )
    return await attempt(
        action, lambda m: MemberPayload(member=Member.from_model(m)), MemberPayload
    )


async def remove_member(info: Info[Context, None], input: MemberIdInput) -> RemoveMemberPayload:
    ctx = info.context
    action = memberships.remove(
        session=ctx.session, viewer=ctx.viewer, membership_id=raw_id(input.id, "Member")
    )
    return await attempt(
        action,
        lambda m: RemoveMemberPayload(removed_id=to_global_id("Member", m.id)),
        RemoveMemberPayload,
    )
