"""Invitation, Member and ApiKey: the people and systems of a collaborative, for their keepers.

None of them carries a secret: an invitation's code and a key's secret are shown once, in
the payload of the mutation that makes them, and their hashes are never read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.enums import RoleEnum
from schema.relay import Node, fetches_nodes, to_global_id
from services.accounts import keys as api_keys
from services.accounts import memberships
from services.accounts.models import ApiKey as ApiKeyModel
from services.accounts.models import Membership as MembershipModel
from services.invitations import service as invitations
from services.invitations.mail import Delivery
from services.invitations.models import Invitation as InvitationModel
from services.invitations.models import InvitationRole
from services.viewer import Scope

if TYPE_CHECKING:
    from schema.partners.types import Partner

PartnerType = Annotated["Partner", strawberry.lazy("schema.partners.types")]

InvitationRoleEnum = strawberry.enum(
    InvitationRole,
    name="InvitationRole",
    description="What an invitee becomes. BACKBONE_STEWARD: backbone staff who also steward "
    "the backbone organization (its people and keys).",
)
InvitationStatusEnum = strawberry.enum(invitations.InvitationStatus, name="InvitationStatus")
DeliveryEnum = strawberry.enum(
    Delivery,
    name="InvitationDelivery",
    description="Whether Tablero e-mailed the link (else deliver it yourself).",
)
ApiKeyScopeEnum = strawberry.enum(Scope, name="ApiKeyScope")


async def _partner(info: Info[Context, None], partner_id: UUID | None) -> Partner | None:
    from schema.partners.types import Partner

    if partner_id is None:
        return None
    found = await info.context.loaders.partner.load(partner_id)
    return Partner.from_model(found) if found else None


@strawberry.type(description="An invitation, as those who keep it see it (never its code).")
class Invitation(Node):
    email: str
    role: InvitationRoleEnum  # type: ignore[valid-type]
    status: InvitationStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    expires_at: datetime
    last_sent_at: datetime | None
    redeemed_at: datetime | None
    revoked_at: datetime | None
    model: strawberry.Private[InvitationModel]

    @classmethod
    def from_model(cls, m: InvitationModel) -> Invitation:
        assert m.created_at is not None
        return cls(
            id=to_global_id("Invitation", m.id),
            email=m.email,
            role=m.role,
            status=invitations.status_of(m, datetime.now(UTC)),
            created_at=m.created_at,
            expires_at=m.expires_at,
            last_sent_at=m.last_sent_at,
            redeemed_at=m.redeemed_at,
            revoked_at=m.revoked_at,
            model=m,
        )

    @strawberry.field(description="The partner the invitee joins; null for a resident.")
    async def partner(self, info: Info[Context, None]) -> PartnerType | None:
        return await _partner(info, self.model.partner_id)


@strawberry.type(description="A person as those who keep them see them.")
class Person:
    display_name: str
    email: str


@strawberry.type(
    description="A role someone holds in a collaborative: read by whoever keeps it (a "
    "partner's stewards, the backbone) and by its holder."
)
class Member(Node):
    role: RoleEnum  # type: ignore[valid-type]
    since: datetime
    model: strawberry.Private[MembershipModel]

    @classmethod
    def from_model(cls, m: MembershipModel) -> Member:
        assert m.created_at is not None
        return cls(id=to_global_id("Member", m.id), role=m.role, since=m.created_at, model=m)

    @strawberry.field(description="The partner the role is held for; null for a resident.")
    async def partner(self, info: Info[Context, None]) -> PartnerType | None:
        return await _partner(info, self.model.partner_id)

    @strawberry.field(description="Who holds it.")
    async def person(self, info: Info[Context, None]) -> Person | None:
        found = await info.context.loaders.account.load(self.model.account_id)
        return Person(display_name=found.display_name, email=found.email) if found else None


@strawberry.type(
    description="A partner system's key, for the partner's stewards (never its secret)."
)
class ApiKey(Node):
    name: str
    prefix: str = strawberry.field(description="The secret's first characters, to recognize it.")
    scopes: list[ApiKeyScopeEnum]  # type: ignore[valid-type]
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(description="To the minute.")
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool
    model: strawberry.Private[ApiKeyModel]

    @classmethod
    def from_model(cls, m: ApiKeyModel) -> ApiKey:
        assert m.created_at is not None
        return cls(
            id=to_global_id("ApiKey", m.id),
            name=m.name,
            prefix=m.prefix,
            scopes=[Scope(s) for s in m.scopes],
            created_at=m.created_at,
            last_used_at=m.last_used_at,
            expires_at=m.expires_at,
            revoked_at=m.revoked_at,
            active=api_keys.is_active(m, datetime.now(UTC)),
            model=m,
        )

    @strawberry.field(description="The key that replaced this one when it was rotated.")
    async def replaced_by(self, info: Info[Context, None]) -> ApiKey | None:
        if self.model.replaced_by is None:
            return None
        ctx = info.context
        found = await api_keys.get_many(
            session=ctx.session, viewer=ctx.viewer, ids=[self.model.replaced_by]
        )
        key = found.get(self.model.replaced_by)
        return ApiKey.from_model(key) if key else None

    @strawberry.field
    async def partner(self, info: Info[Context, None]) -> PartnerType | None:
        return await _partner(info, self.model.partner_id)


@fetches_nodes("Invitation")
async def fetch_invitations(info: Info[Context, None], ids: Any) -> dict[UUID, Invitation]:
    ctx = info.context
    found = await invitations.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Invitation.from_model(v) for k, v in found.items()}


@fetches_nodes("Member")
async def fetch_members(info: Info[Context, None], ids: Any) -> dict[UUID, Member]:
    ctx = info.context
    found = await memberships.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Member.from_model(v) for k, v in found.items()}


@fetches_nodes("ApiKey")
async def fetch_api_keys(info: Info[Context, None], ids: Any) -> dict[UUID, ApiKey]:
    ctx = info.context
    found = await api_keys.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: ApiKey.from_model(v) for k, v in found.items()}
