"""Validating user input with the SQLModel/pydantic models, as DomainErrors that name fields."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from services.errors import DomainError, ErrorCode, Problem
from services.periods import EARLIEST, LATEST

M = TypeVar("M", bound=BaseModel)

# No count of people, dollars or rates comes near this, and the squares a trend fit takes of
# such values stay far from overflowing a float: a value near 1e308 would break every chart
# of its measure for every reader.
MAX_MAGNITUDE = 1e15
BoundedFloat = Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)]
# A day Tablero works with (services/periods.py): a due date, a baseline, a panel's range.
BoundedDate = Annotated[date, Field(ge=EARLIEST, le=LATEST)]


def out_of_bounds(number: float) -> str | None:
    """Why a number cannot be stored, or None when it can."""
    if not math.isfinite(number):
        return "must be a finite number"
    if abs(number) > MAX_MAGNITUDE:
        return f"must be between -{MAX_MAGNITUDE:.0e} and {MAX_MAGNITUDE:.0e}"
    return None


_CODES = {
    "missing": ErrorCode.REQUIRED,
    "string_too_long": ErrorCode.TOO_LONG,
    "string_too_short": ErrorCode.REQUIRED,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
    "finite_number": ErrorCode.OUT_OF_RANGE,
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
