"""User errors as data: every mutation payload carries `userErrors`."""

from __future__ import annotations

import strawberry

from services.errors import DomainError
from services.errors import ErrorCode as DomainErrorCode

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
