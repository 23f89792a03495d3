"""How the schema charges a request's cost to its client's rate limit (the API provides it)."""

from __future__ import annotations

from typing import Protocol

from services.rate_limits.budget import Allowance


class Meter(Protocol):
    def charge(self, cost: int) -> Allowance | None:
        """Spend `cost` of the client's budget: the answer, or None when nothing is limited."""
        ...

    def debit(self, cost: int) -> None:
        """Record `cost` for work already done, whatever is left of the budget."""
        ...
