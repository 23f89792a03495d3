"""Expected failures of the domain: each names the input field and says what is wrong.

The schema turns a DomainError into `userErrors`; anything else that is raised is a bug and
is masked at the API edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    REQUIRED = "required"
    DUPLICATE = "duplicate"
    TOO_LONG = "too_long"
    OUT_OF_RANGE = "out_of_range"
    EXPIRED = "expired"  # an invitation code past its time
    ALREADY_USED = "already_used"  # an invitation code redeemed before
    REVOKED = "revoked"  # an invitation withdrawn by whoever keeps it


@dataclass(frozen=True, slots=True)
class Problem:
    field: tuple[str, ...]
    code: ErrorCode
    message: str


class DomainError(Exception):
    """One or more problems with what the user asked for; nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self))

    @classmethod
    def single(cls, field: Sequence[str], code: ErrorCode, message: str) -> DomainError:
        return cls([Problem(tuple(field), code, message)])

    def __str__(self) -> str:
        return "; ".join(f"{'.'.join(p.field) or 'input'}: {p.message}" for p in self.problems)


def not_found(field: Sequence[str], what: str) -> DomainError:
    """The same answer whether the row does not exist or the viewer may not see it."""
    return DomainError.single(field, ErrorCode.NOT_FOUND, f"no {what} with this id")
