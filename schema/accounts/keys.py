"""createApiKey, rotateApiKey and revokeApiKey: thin calls into services.accounts.keys.
The secret is in the payload once; only its hash is stored."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.accounts.types import ApiKey, ApiKeyScopeEnum
from schema.errors import UserError, attempt
from schema.relay import raw_id
from services.accounts import keys
from services.accounts.service import IssuedApiKey
from services.viewer import DEFAULT_KEY_SCOPES


@strawberry.input
class CreateApiKeyInput:
    partner_id: strawberry.ID
    name: str = strawberry.field(description="The system that will use it.")
    scopes: list[ApiKeyScopeEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=lambda: sorted(DEFAULT_KEY_SCOPES),
        description="What it may do; by default READ and OBSERVATIONS_WRITE.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working (with its offset); none by default."
    )


@strawberry.input
class RotateApiKeyInput:
    id: strawberry.ID
    grace_hours: int = strawberry.field(
        default=24, description="How long the old key keeps working (0 to 720 hours)."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the new key stops working; none by default."
    )


@strawberry.input
class ApiKeyIdInput:
    id: strawberry.ID


@strawberry.type(description="A key just made: `secret` is shown this once and never again.")
class IssuedApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = None
    previous: ApiKey | None = strawberry.field(
        default=None, description="On rotation: the old key, working until its expiresAt."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _issued(issued: IssuedApiKey) -> IssuedApiKeyPayload:
    return IssuedApiKeyPayload(api_key=ApiKey.from_model(issued.record), secret=issued.secret)


async def create_api_key(
    info: Info[Context, None], input: CreateApiKeyInput
) -> IssuedApiKeyPayload:
    ctx = info.context
    action = keys.create_key(
        session=ctx.session,
        viewer=ctx.viewer,
        partner_id=raw_id(input.partner_id, "Partner"),
        name=input.name,
        scopes=input.scopes,
        expires_at=input.expires_at,
    )
    return await attempt(action, _issued, IssuedApiKeyPayload)


async def rotate_api_key(
    info: Info[Context, None], input: RotateApiKeyInput
) -> IssuedApiKeyPayload:
    ctx = info.context
    action = keys.rotate_key(
        session=ctx.session,
        viewer=ctx.viewer,
        key_id=raw_id(input.id, "ApiKey"),
        grace_hours=input.grace_hours,
        expires_at=input.expires_at,
    )
    return await attempt(
        action,
        lambda done: IssuedApiKeyPayload(
            api_key=ApiKey.from_model(done[0].record),
            secret=done[0].secret,
            previous=ApiKey.from_model(done[1]),
        ),
        IssuedApiKeyPayload,
    )


async def revoke_api_key(info: Info[Context, None], input: ApiKeyIdInput) -> ApiKeyPayload:
    ctx = info.context
    action = keys.revoke_key(
        session=ctx.session, viewer=ctx.viewer, key_id=raw_id(input.id, "ApiKey")
    )
    return await attempt(
        action, lambda k: ApiKeyPayload(api_key=ApiKey.from_model(k)), ApiKeyPayload
    )
