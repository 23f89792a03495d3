"""`viewer`: who am I, and what are my memberships."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.collaboratives.types import Collaborative
from schema.enums import RoleEnum as Role
from schema.partners.types import Partner
from schema.relay import Node, fetches_nodes, to_global_id
from services.accounts import service as accounts
from services.accounts.models import Account as AccountModel
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


@strawberry.type(description="A person using Tablero: only their own account, to themselves.")
class Account(Node):
    email: str
    display_name: str

    @classmethod
    def from_model(cls, m: AccountModel) -> Account:
        return cls(id=to_global_id("Account", m.id), email=m.email, display_name=m.display_name)


@strawberry.type(description="Whoever is asking: a person, a partner's system, or anonymous.")
class Viewer:
    is_anonymous: bool
    is_api_key: bool
    memberships: list[Membership]

    @strawberry.field(description="The person asking; null when anonymous or an API key.")
    async def account(self, info: Info[Context, None]) -> Account | None:
        ctx = info.context
        found = await accounts.own_account(session=ctx.session, viewer=ctx.viewer)
        return Account.from_model(found) if found else None


def resolve_viewer(info: Info[Context, None]) -> Viewer:
    viewer = info.context.viewer
    return Viewer(
        is_anonymous=viewer.is_anonymous,
        is_api_key=viewer.api_key_id is not None,
        memberships=[Membership(role=g.role, grant=g) for g in viewer.grants],
    )


@fetches_nodes("Account")
async def fetch_accounts(info: Info[Context, None], ids: Any) -> dict[UUID, Account]:
    """The viewer's own account when asked for: nobody else's is readable."""
    ctx = info.context
    if ctx.viewer.account_id not in ids:
        return {}
    found = await accounts.own_account(session=ctx.session, viewer=ctx.viewer)
    return {found.id: Account.from_model(found)} if found else {}
