"""Who spent how much of this minute's budget. Pure: the clock is passed in, no I/O.

Each API process charges requests here at once and, every second or so, adds what it
charged to the shared total in PostgreSQL and learns what every process charged (see
usage.py). A client may therefore overspend by what other processes charged since the
last sync, never more: with n processes and a sync every s seconds, at most n·s seconds of
traffic. Windows are whole minutes of the wall clock, the same in every process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

WINDOW_SECONDS = 60


def window_of(now: float) -> int:
    """The minute `now` (seconds since the epoch) falls in."""
    return int(now // WINDOW_SECONDS)


def seconds_left(now: float) -> int:
    """Whole seconds until the next window starts (at least 1)."""
    return max(1, math.ceil(WINDOW_SECONDS - now % WINDOW_SECONDS))


@dataclass(frozen=True, slots=True)
class Allowance:
    """The answer to one charge: allowed or not, and what is left of this minute."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def report(self) -> dict[str, int]:
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "resetSeconds": self.reset_seconds,
        }


@dataclass(slots=True)
class _Usage:
    window: int
    shared: int = 0  # every process's total for the window, as of the last sync
    pending: int = 0  # charged here since then


class Ledger:
    """This process's view of every client's spending in the current window."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._clients: dict[str, _Usage] = {}

    def _usage(self, client: str, window: int) -> _Usage:
        usage = self._clients.get(client)
        if usage is None or usage.window != window:
            usage = self._clients[client] = _Usage(window)
        return usage

    def charge(self, client: str, cost: int, now: float) -> Allowance:
        """Spend `cost` (at least 1: every request counts) if it fits in what is left."""
        usage = self._usage(client, window_of(now))
        spent = usage.shared + usage.pending
        cost = max(cost, 1)
        if spent + cost > self.limit:
            return Allowance(False, self.limit, max(0, self.limit - spent), seconds_left(now))
        usage.pending += cost
        return Allowance(True, self.limit, self.limit - spent - cost, seconds_left(now))

    def debit(self, client: str, cost: int, now: float) -> None:
        """Record work already done for the client (reading its document), over its budget
        if need be: its next requests are refused until the minute ends."""
        self._usage(client, window_of(now)).pending += cost

    def exhausted(self, client: str, now: float) -> Allowance | None:
        """The refusal a client gets before its request is even read, once nothing is left."""
        usage = self._usage(client, window_of(now))
        if usage.shared + usage.pending < self.limit:
            return None
        return Allowance(False, self.limit, 0, seconds_left(now))

    def unsynced(self, now: float) -> tuple[int, dict[str, int]]:
        """The current window and what each client active in it charged since the last sync
        (zero included: its shared total is worth learning). Older windows are forgotten."""
        window = window_of(now)
        self._clients = {c: u for c, u in self._clients.items() if u.window == window}
        return window, {c: u.pending for c, u in self._clients.items()}

    def synced(self, window: int, sent: Mapping[str, int], totals: Mapping[str, int]) -> None:
        """Record that `sent` was added to the shared totals, which now stand at `totals`."""
        for client, amount in sent.items():
            usage = self._clients.get(client)
            if usage is None or usage.window != window:
                continue
            usage.pending -= amount
            usage.shared = totals.get(client, usage.shared)
