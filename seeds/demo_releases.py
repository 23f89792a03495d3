"""The demo's releases: every closed quarter but the latest is released (the latest waits
for its reporting deadline, three months after it ends), and the quarter before it was
revised once, after two partners re-ran their screening counts.

Runs as the owner role, after seeds.demo_measures; releases are decided by the database
itself (tablero_release), then dated when the backbone would have made them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo import EMAIL_DOMAIN, demo_id
from seeds.demo_observations import periods
from services.observations.models import Observation
from services.periods import Granularity, label, next_start

RELEASE_AFTER_DAYS = 92  # the demo's reporting deadline: a quarter to report a quarter
RELEASED_AFTER = timedelta(days=45)  # when the backbone released each quarter
REVISED_AFTER = timedelta(days=75)
RECOUNTED = ("schools.screened", "clinic.screened")  # re-ran their counts for the revision
RECOUNT = 1.04
RELEASE = text("SELECT tablero_release(:c, 'quarter', :p, :note, :by, false)")
DATED = text("UPDATE release SET released_at = :at WHERE collaborative_id = :c AND id = :r")


async def seed_releases(session: AsyncSession, collaborative_id: UUID) -> None:
    """Release the closed quarters, then revise the one before the latest."""
    backbone = demo_id("account", f"backbone@{EMAIL_DOMAIN}")
    quarters = periods(Granularity.QUARTER)
    for quarter in quarters[:-1]:
        await _release(session, collaborative_id, quarter, backbone, "", RELEASED_AFTER)
    revised = quarters[-2]
    for key in RECOUNTED:
        await _recount(session, collaborative_id, key, revised)
    note = (
        f"The school district and the clinic re-ran their {label(Granularity.QUARTER, revised)}"
        " screening counts after merging duplicate records."
    )
    await _release(session, collaborative_id, revised, backbone, note, REVISED_AFTER)


async def _release(
    session: AsyncSession,
    collaborative_id: UUID,
    quarter: date,
    by: UUID,
    note: str,
    after: timedelta,
) -> None:
    params = {"c": collaborative_id, "p": quarter, "note": note, "by": by}
    release_id = (await session.exec(RELEASE, params=params)).scalar_one()  # type: ignore[call-overload]
    ended = next_start(Granularity.QUARTER, quarter)
    at = datetime.combine(ended + after, time(17), tzinfo=UTC)
    await session.exec(DATED, params={"at": at, "c": collaborative_id, "r": release_id})  # type: ignore[call-overload]


async def _recount(
    session: AsyncSession, collaborative_id: UUID, key: str, quarter: object
) -> None:
    """Every published value of the measure for the quarter, 4% more children screened."""
    measure_id = demo_id("measure", key)
    rows = (
        await session.exec(
            select(Observation).where(
                Observation.collaborative_id == collaborative_id,
                Observation.measure_id == measure_id,
                Observation.period_start == quarter,
                Observation.is_current,
            )
        )
    ).all()
    for old in rows:
        old.is_current = False
        session.add(old)
    await session.flush()
    for old in rows:
        numerator = None if old.numerator is None else round(old.numerator * RECOUNT)
        if old.denominator and numerator is not None:
            numerator = min(numerator, old.denominator)
        value = old.value
        if numerator is not None and old.denominator:
            value = round(100 * numerator / old.denominator, 1)
        session.add(
            Observation(
                collaborative_id=collaborative_id,
                id=demo_id("observation", key, str(quarter), old.breakdown_key, "recount"),
                measure_id=measure_id,
                granularity=old.granularity,
                period_start=old.period_start,
                breakdown=old.breakdown,
                breakdown_key=old.breakdown_key,
                value=value,
                numerator=numerator,
                denominator=old.denominator,
                n=old.n,
                suppressed_at_source=old.suppressed_at_source,
                revision=old.revision + 1,
                previous_id=old.id,
                correction_reason="Duplicate records merged and counts re-run.",
            )
        )
    await session.flush()
