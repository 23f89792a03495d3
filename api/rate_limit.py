"""Each client's query-cost budget per minute: charged in memory, shared through PostgreSQL.

A request is charged its estimated cost (at least 1) before it runs, against this process's
ledger, which costs no statement; a background task adds this process's charges to the
shared totals once per `rate_limit_sync_seconds` in one statement and learns what every
other process charged (services/rate_limits). A client is an account, an API key, or for
anonymous traffic its address (as the proxies in TABLERO_FORWARDED_ALLOW_IPS report it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from api.database import Database
from api.operations import RequestError
from schema.error_codes import GraphQLErrorCode
from services.rate_limits import usage
from services.rate_limits.budget import Allowance, Ledger
from services.viewer import ANONYMOUS, Viewer

logger = logging.getLogger("tablero.rate_limit")


def client_of(viewer: Viewer, request: Request) -> str:
    """Who pays for a request, hashed: its account, its API key, or its address."""
    if viewer.api_key_id is not None:
        who = f"key:{viewer.api_key_id}"
    elif viewer.account_id is not None:
        who = f"account:{viewer.account_id}"
    else:
        who = f"address:{request.client.host if request.client else 'unknown'}"
    return hashlib.sha256(who.encode()).hexdigest()


def rate_limited(allowance: Allowance) -> RequestError:
    return RequestError(
        429,
        GraphQLErrorCode.RATE_LIMITED,
        f"this client spent its budget of {allowance.limit} per minute: "
        f"retry in {allowance.reset_seconds} s",
        headers={"Retry-After": str(allowance.reset_seconds)},
        retryAfter=allowance.reset_seconds,
    )


@dataclass
class ClientMeter:
    """One request's way to charge its client (the schema calls `charge` with the cost)."""

    limiter: RateLimiter
    client: str
    allowance: Allowance | None = None

    def charge(self, cost: int) -> Allowance | None:
        if not self.limiter.enabled:
            return None
        self.allowance = self.limiter.ledger.charge(self.client, cost, self.limiter.clock())
        return self.allowance

    def debit(self, cost: int) -> None:
        if self.limiter.enabled:
            self.limiter.ledger.debit(self.client, cost, self.limiter.clock())

    def settle(self) -> None:
        """A request that never reached its cost check (it did not parse) still counts once."""
        if self.allowance is None:
            self.charge(1)


class RateLimiter:
    def __init__(
        self,
        database: Database,
        *,
        per_minute: int,
        sync_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.ledger = Ledger(per_minute)
        self.sync_seconds = sync_seconds
        self.clock = clock

    @property
    def enabled(self) -> bool:
        return self.ledger.limit > 0

    def meter(self, client: str) -> ClientMeter:
        return ClientMeter(self, client)

    def refusal(self, client: str) -> Allowance | None:
        """The 429 a client gets at once when nothing is left of its minute."""
        return self.ledger.exhausted(client, self.clock()) if self.enabled else None

    async def sync(self) -> None:
        """Add what this process charged to the shared totals and learn every process's."""
        window, amounts = self.ledger.unsynced(self.clock())
        if not amounts:
            return
        async with self.database.unit_of_work(ANONYMOUS) as session:
            totals = await usage.record(session=session, window=window, amounts=amounts)
        self.ledger.synced(window, amounts, totals)

    async def run(self) -> None:
        """Sync until cancelled. While the database is away, each process limits alone."""
        while True:
            await asyncio.sleep(self.sync_seconds)
            try:
                await self.sync()
            except Exception as e:  # the next sync retries; requests go on meanwhile
                logger.warning("rate-limit sync failed: %s", type(e).__name__)
