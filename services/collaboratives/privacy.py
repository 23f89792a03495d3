"""Which suppression settings are allowed, and which changes weaken privacy. Pure.

A lower minimum of partners or of people per cell, or a higher share one partner may hold,
publishes more: the table ratifies that by dual majority (proposeRuleChange). A change the
other way protects partners more, and the backbone applies it at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.errors import ErrorCode, Problem
from services.validation import camel

# name -> (lowest, highest, whether a higher value protects more)
SUPPRESSION: dict[str, tuple[float, float, bool]] = {
    # 1 would publish a single partner's value; 2 lets each of two partners read the other's
    "min_partners": (2, 100, True),
    "min_cell": (1, 10_000, True),
    # below one half a cell of two equal partners would always be hidden
    "max_dominance_share": (0.5, 1.0, False),
}


def out_of_range(name: str, value: float, at: tuple[str, ...]) -> Problem | None:
    low, high, _ = SUPPRESSION[name]
    if low <= value <= high:
        return None
    return Problem(at, ErrorCode.OUT_OF_RANGE, f"from {low:g} to {high:g}")


def weakens(name: str, current: float, proposed: float) -> bool:
    higher_protects = SUPPRESSION[name][2]
    return proposed < current if higher_protects else proposed > current


def weakened(current: Any, changes: Mapping[str, Any]) -> list[Problem]:
    """A problem for each suppression setting in `changes` that would publish more."""
    return [
        Problem(
            (camel(name),),
            ErrorCode.FORBIDDEN,
            "this publishes more about partners: propose it (proposeRuleChange), it applies "
            "once members ratify it",
        )
        for name, value in changes.items()
        if name in SUPPRESSION and weakens(name, getattr(current, name), value)
    ]
