"""Turning Strawberry inputs into plain mappings of the fields the client actually sent."""

from __future__ import annotations

import dataclasses
from typing import Any

from strawberry import UNSET


def sent_fields(value: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of an input object that were given (explicit nulls included)."""
    return {
        f.name: getattr(value, f.name)
        for f in dataclasses.fields(value)
        if f.name not in exclude and getattr(value, f.name) is not UNSET
    }
