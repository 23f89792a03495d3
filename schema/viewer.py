"""`viewer`: who am I, and what are my memberships."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.collaboratives.types import Collaborative
from schema.enums import RoleEnum as Role
from schema.partners.types import Partner
from schema.relay import to_global_id
from services.accounts import service as accounts
from services.viewer import Grant


@strawberry.type(
    description="A role in a collaborative, for one partner when the role is a partner's."
)
class Membership:
    role: Role  # type: ignore[valid-type]
    grant: strawberry.Private[Grant]

    @strawberry.field
    async def collaborative(self, info: Info[Context, None]) -> Collaborative:
        found = await info.context.loaders.collaborative.load(self.grant.collaborative_id)
        assert found is not None
        return Collaborative.from_model(found)

    @strawberry.field
    async def partner(self, info: Info[Context, None]) -> Partner | None:
        if self.grant.partner_id is None:
            return None
        found = await info.context.loaders.partner.load(self.grant.partner_id)
        return Partner.from_model(found) if found else None


@strawberry.type(description="A person using Tablero.")
class Account:
    id: strawberry.ID
    email: str
    display_name: str


@strawberry.type(description="Whoever is asking: a person, a partner's system, or anonymous.")
class Viewer:
    is_anonymous: bool
    is_api_key: bool
    memberships: list[Membership]

    @strawberry.field(description="The person asking; null when anonymous or an API key.")
    async def account(self, info: Info[Context, None]) -> Account | None:
        ctx = info.context
        found = await accounts.own_account(session=ctx.session, viewer=ctx.viewer)
        if found is None:
            return None
        return Account(
            id=to_global_id("Account", found.id), email=found.email, display_name=found.display_name
        )


def resolve_viewer(info: Info[Context, None]) -> Viewer:
    viewer = info.context.viewer
    return Viewer(
        is_anonymous=viewer.is_anonymous,
        is_api_key=viewer.api_key_id is not None,
        memberships=[Membership(role=g.role, grant=g) for g in viewer.grants],
    )
