"""Releasing periods on their reporting deadline while the API runs.

Every API process asks the database, now and then, to release the periods whose deadline
has passed (`tablero_release_due`). The database serializes releases of a period and
releases each only once, so several processes asking at once do no harm.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from api.database import Database
from services.releases import service as releases
from services.viewer import ANONYMOUS

logger = logging.getLogger("tablero.releases")


async def release_due_once(database: Database) -> int:
    """Release what is due; how many periods were released."""
    async with database.unit_of_work(viewer=ANONYMOUS) as session:
        return await releases.release_due(session=session)


async def _every(database: Database, seconds: float) -> None:
    while True:
        try:
            released = await release_due_once(database)
            if released:
                logger.info("released %d period(s) on their reporting deadline", released)
        except Exception:  # the next round tries again; the API keeps serving
            logger.exception("releasing due periods failed")
        await asyncio.sleep(seconds)


@asynccontextmanager
async def releasing_due_periods(database: Database, seconds: float) -> AsyncIterator[None]:
    """Run the deadline's releases in the background for the life of the block (0: never)."""
    if seconds <= 0:
        yield
        return
    task = asyncio.create_task(_every(database, seconds), name="release-due-periods")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
