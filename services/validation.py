"""Validating user input with the SQLModel/pydantic models, as DomainErrors that name fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.errors import DomainError, ErrorCode, Problem

M = TypeVar("M", bound=BaseModel)

_CODES = {
    "missing": ErrorCode.REQUIRED,
    "string_too_long": ErrorCode.TOO_LONG,
    "string_too_short": ErrorCode.REQUIRED,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
}


_MESSAGES = {
    "string_pattern_mismatch": "use lowercase letters, digits and _ (starting with a letter or "
    "digit)",
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def validated(model: type[M], data: Mapping[str, Any], *, prefix: tuple[str, ...] = ()) -> M:
    """`model` built from `data`, or a DomainError naming every bad field (camelCase).

    Text is trimmed first, so that a name or title of only spaces is as missing as an empty
    one (the models' `min_length` says which texts are required).
    """
    trimmed = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    try:
        return model.model_validate(trimmed)
    except ValidationError as e:
        raise DomainError(
            Problem(
                field=prefix + tuple(camel(str(part)) for part in err["loc"]),
                code=_CODES.get(err["type"], ErrorCode.INVALID),
                message=_MESSAGES.get(err["type"], err["msg"]),
            )
            for err in e.errors()
        ) from e
