"""Adding a process's charges to the shared totals: one statement per sync, not per request."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

# Expired windows go in the same statement. Rows are taken in client order, so that two
# processes syncing the same clients never wait on each other in opposite orders.
RECORD = text(
    """
WITH sent AS (
  SELECT client, amount
  FROM unnest(CAST(:clients AS text[]), CAST(:amounts AS bigint[])) AS s(client, amount)
  ORDER BY client
), expired AS (
  DELETE FROM rate_limit_usage WHERE window_id < :window
)
INSERT INTO rate_limit_usage AS u (window_id, client, used)
SELECT :window, client, amount FROM sent
ON CONFLICT (window_id, client) DO UPDATE SET used = u.used + excluded.used
RETURNING client, used"""
)


async def record(
    *, session: AsyncSession, window: int, amounts: Mapping[str, int]
) -> dict[str, int]:
    """Add `amounts` to `window`'s totals; the totals of those clients afterwards."""
    clients = sorted(amounts)
    statement = RECORD.bindparams(
        clients=clients, amounts=[amounts[c] for c in clients], window=window
    )
    rows = await session.exec(statement)  # type: ignore[call-overload]
    return {client: used for client, used in rows.all()}  # noqa: C416 (rows are not pairs)
