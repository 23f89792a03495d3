"""User errors as data: every mutation payload carries `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from services.errors import DomainError
from services.errors import ErrorCode as DomainErrorCode

T = TypeVar("T")
P = TypeVar("P")

ErrorCode = strawberry.enum(
    DomainErrorCode, name="ErrorCode", description="Why an input was refused."
)


@strawberry.type(description="A problem with the input: nothing was written.")
class UserError:
    field: list[str] = strawberry.field(
        description="Path to the input field, e.g. ['contact', 'email']."
    )
    message: str
    code: ErrorCode  # type: ignore[valid-type]

    @classmethod
    def list_from(cls, error: DomainError) -> list[UserError]:
        return [cls(field=list(p.field), message=p.message, code=p.code) for p in error.problems]


async def attempt(action: Awaitable[T], success: Callable[[T], P], failure: Callable[..., P]) -> P:
    """Run a service call; a DomainError becomes `failure(user_errors=...)`, nothing written."""
    try:
        outcome = await action
    except DomainError as e:
        return failure(user_errors=UserError.list_from(e))
    return success(outcome)
