"""What can go wrong when partners are created or changed."""

from __future__ import annotations

from collections.abc import Sequence

from services.errors import DomainError, ErrorCode, not_found


def partner_not_found(field: Sequence[str] = ("id",)) -> DomainError:
    return not_found(field, "partner")


def collaborative_not_found() -> DomainError:
    return not_found(("collaborativeId",), "collaborative")


def not_backbone() -> DomainError:
    return DomainError.single(
        ("collaborativeId",),
        ErrorCode.FORBIDDEN,
        "only the collaborative's backbone staff add partners",
    )


def visibility_not_yours() -> DomainError:
    return DomainError.single(
        ("visibility",),
        ErrorCode.FORBIDDEN,
        "only the partner's stewards choose who sees its profile",
    )


def duplicate_name(name: str) -> DomainError:
    return DomainError.single(
        ("name",), ErrorCode.DUPLICATE, f"a partner named '{name}' already takes part"
    )
