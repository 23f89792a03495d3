"""Releasing closed periods, and reading what releases published.

The database decides every release (`tablero_release_period`, `tablero_release_due`); this
module checks the request, calls it, and reads the stored cells back. Reading is a read:
no aggregate is computed per request, and every reader of a collaborative gets the same
cells for the same release.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import String
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.analytics.cube import Breakdown, breakdown_of
from services.analytics.rules import Reason
from services.analytics.suppression import Cell
from services.collaboratives.models import Collaborative
from services.crud import fetch_one, get_visible
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.pagination import Listing
from services.periods import Granularity, expected_start, next_start, starts_a_period
from services.releases.models import NOTE_MAX, Release, ReportingPeriod
from services.viewer import Viewer

_RELEASE = text("SELECT tablero_release_period(:collaborative, :granularity, :period, :note)")
_DUE = text("SELECT tablero_release_due()")


async def release_period(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    granularity: Granularity,
    period_start: date,
    note: str,
) -> Release:
    """The backbone releases a period that has ended: a first release, or a revision."""
    collaborative = await fetch_one(session, Collaborative, collaborative_id)
    if collaborative is None:
        raise not_found(("collaborativeId",), "collaborative")
    if not policy.can_release(viewer, collaborative.id):
        raise DomainError.single(
            ("collaborativeId",), ErrorCode.FORBIDDEN, "only the backbone releases a period"
        )
    today = datetime.now(ZoneInfo(collaborative.time_zone)).date()
    problems = []
    if not starts_a_period(granularity, period_start):
        problems.append(
            Problem(
                ("periodStart",),
                ErrorCode.INVALID,
                f"a {granularity.value.replace('_', ' ')} starts on {expected_start(granularity)}",
            )
        )
    elif next_start(granularity, period_start) > today:
        problems.append(
            Problem(
                ("periodStart",),
                ErrorCode.OUT_OF_RANGE,
                "the period has not ended: a period is released once it is closed",
            )
        )
    note = note.strip()
    if len(note) > NOTE_MAX:
        problems.append(Problem(("note",), ErrorCode.TOO_LONG, f"at most {NOTE_MAX} characters"))
    if problems:
        raise DomainError(problems)
    release_id = (
        await session.exec(  # type: ignore[call-overload]
            _RELEASE,
            params={
                "collaborative": collaborative.id,
                "granularity": granularity.value,
                "period": period_start,
                "note": note,
            },
        )
    ).scalar_one()
    release = await fetch_one(session, Release, release_id)
    assert release is not None
    return release


async def release_due(*, session: AsyncSession) -> int:
    """Release every period whose reporting deadline has passed; how many were."""
    return (await session.exec(_DUE)).scalar_one()  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Released:
    """What readers get for one period: the release it answers from, or none yet."""

    period: date
    release: Release | None
    cells: list[Cell]


# Each period's release comes with its cells (its columns on every row), not read again.
_RELEASE_COLUMNS = tuple(Release.__table__.columns.keys())  # type: ignore[attr-defined]
_CELLS = text(
    """
WITH chosen AS (
  SELECT DISTINCT ON (r.period_start) r.*
  FROM release r
  WHERE r.collaborative_id = :collaborative AND r.granularity = :granularity
    AND r.released_at <= :as_of
  ORDER BY r.period_start, r.number DESC)
SELECT p.period_start, ch.id AS release_id, c.breakdown, c.value, c.partners, c.n, c.reason,
       c.unstable, {release_columns}
FROM reporting_period p
LEFT JOIN chosen ch ON ch.period_start = p.period_start
LEFT JOIN release_cell c ON c.collaborative_id = p.collaborative_id AND c.release_id = ch.id
  AND c.shared_measure_id = :shared_measure AND c.dimensions = ANY (:dimensions)
WHERE p.collaborative_id = :collaborative AND p.granularity = :granularity
  AND (p.opened_at <= :as_of OR ch.id IS NOT NULL)
  AND (CAST(:start AS date) IS NULL OR p.period_start >= :start)
  AND (CAST(:end AS date) IS NULL OR p.period_start <= :end)
ORDER BY p.period_start
""".format(
        release_columns=", ".join(
            f"ch.{name} AS release_{name}" for name in _RELEASE_COLUMNS if name != "id"
        )  # its id is release_id already
    )
).bindparams(bindparam("dimensions", type_=ARRAY(String())))


async def released_cells(
    *,
    session: AsyncSession,
    collaborative_id: UUID,
    shared_measure_id: UUID,
    granularity: Granularity,
    dimensions: Collection[Sequence[str]],
    start: date | None,
    end: date | None,
    as_of: datetime,
) -> list[Released]:
    """Per reporting period, the cells of the latest release as of `as_of` (of the given
    dimension sets), or NOT_RELEASED. Row-level security decides who reads them."""
    rows = (
        await session.exec(  # type: ignore[call-overload]
            _CELLS,
            params={
                "collaborative": collaborative_id,
                "shared_measure": shared_measure_id,
                "granularity": granularity.value,
                "dimensions": sorted({",".join(sorted(d)) for d in dimensions}),
                "start": start,
                "end": end,
                "as_of": as_of,
            },
        )
    ).all()
    periods: dict[date, Released] = {}
    for row in rows:
        entry = periods.get(row.period_start)
        if entry is None:
            entry = periods[row.period_start] = Released(row.period_start, _release_of(row), [])
        if row.breakdown is not None:
            entry.cells.append(
                Cell(
                    period=row.period_start,
                    breakdown=breakdown_of(row.breakdown),
                    value=row.value,
                    partners=row.partners,
                    n=row.n,
                    reason=None if row.reason is None else Reason(row.reason),
                    unstable=row.unstable,
                )
            )
    return list(periods.values())


def _release_of(row: Any) -> Release | None:
    """The release a row of _CELLS answers from, or None for a period not released."""
    if row.release_id is None:
        return None
    found = {name: getattr(row, f"release_{name}") for name in _RELEASE_COLUMNS}
    return Release(**found | {"granularity": Granularity(found["granularity"])})


def not_released(period: date, breakdown: Breakdown) -> Cell:
    return Cell(period, breakdown, None, None, None, Reason.NOT_RELEASED, unstable=False)


def releases_in(
    *,
    viewer: Viewer,
    collaborative_id: UUID,
    granularity: Granularity | None,
    period_start: date | None,
) -> Listing:
    """A collaborative's releases the viewer reads, newest period and revision first."""
    statement = select(Release).where(
        Release.collaborative_id == collaborative_id, policy.release_visible(viewer)
    )
    if granularity is not None:
        statement = statement.where(Release.granularity == granularity)
    if period_start is not None:
        statement = statement.where(Release.period_start == period_start)
    keys = (Release.period_start, Release.number, Release.id)
    return Listing(statement, keys, descending=True)  # type: ignore[arg-type]


def reporting_periods_in(
    *, viewer: Viewer, collaborative_id: UUID, granularity: Granularity | None
) -> Listing:
    """The periods partners reported for, newest first."""
    statement = select(ReportingPeriod).where(
        ReportingPeriod.collaborative_id == collaborative_id,
        policy.reporting_period_visible(viewer),
    )
    if granularity is not None:
        statement = statement.where(ReportingPeriod.granularity == granularity)
    keys = (ReportingPeriod.period_start, ReportingPeriod.granularity)
    return Listing(statement, keys, descending=True)  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, Release]:
    """Visible releases by id, for node lookups."""
    return await get_visible(session, Release, ids, policy.release_visible(viewer))


async def latest_releases(
    *, session: AsyncSession, collaborative_id: UUID, periods: Collection[tuple[str, date]]
) -> dict[tuple[str, date], Release]:
    """The latest release of each (granularity, period), where there is one."""
    if not periods:
        return {}
    statement = (
        select(Release)
        .where(Release.collaborative_id == collaborative_id)
        .where(
            tuple_(Release.granularity, Release.period_start).in_(list(periods))  # type: ignore[arg-type]
        )
        .order_by(col(Release.number))
    )
    return {(r.granularity, r.period_start): r for r in (await session.exec(statement)).all()}
