"""Submitting, correcting, publishing and reading observations.

A batch is all-or-nothing and idempotent by its client key; a correction is a new
revision with a reason, never an overwrite; a draft is its owner's until published.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, bindparam, func, text, true, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.crud import fetch_one, get_visible
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.observations.models import (
    MAX_NOTE,
    Observation,
    ObservationBatch,
    ObservationStatus,
)
from services.observations.subjects import Reported, reportable, rules_for
from services.observations.validation import (
    CleanObservation,
    ObservationInput,
    breakdown_key,
    validate_batch,
)
from services.viewer import Viewer

MAX_BATCH = 1000
WRITE_CHUNK = 10_000  # rows per INSERT: progress is reported between chunks

Written = Callable[[int], Awaitable[None]]  # told how many rows are written so far


@dataclass(frozen=True, slots=True)
class Submitted:
    batch: ObservationBatch
    observations: list[Observation]
    replayed: bool  # True when the client key was seen before: nothing was written


@dataclass(frozen=True, slots=True)
class BatchKey:
    """What makes a batch idempotent: its client key and a fingerprint of its content.

    `field` names the key in problems, and `conflict` says what reusing it for other
    content means, in the words of whoever chose the key (an API client or a file's hash).
    """

    client_key: str
    fingerprint: str
    field: tuple[str, ...] = ("clientKey",)
    conflict: str = "was already used for a different batch"


@dataclass(frozen=True, slots=True)
class Recorded:
    batch: ObservationBatch
    replayed: bool  # the key was seen before: nothing was written


INPUT_FIELDS = tuple(f.name for f in fields(ObservationInput))


def _fingerprint(status: ObservationStatus, rows: Sequence[ObservationInput]) -> str:
    """The batch's content, as stored with its client key (the same JSON `asdict` made,
    without its deep copies: stored fingerprints must never change)."""
    plain = [{name: getattr(r, name) for name in INPUT_FIELDS} for r in rows]
    body = json.dumps([status.value, plain], default=str, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


async def submit_observations(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    indicator_id: UUID | None,
    client_key: str,
    status: ObservationStatus,
    rows: Sequence[ObservationInput],
) -> Submitted:
    """Record a batch for one measure or indicator; a repeated client key writes nothing."""
    subject = await reportable(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    client_key = client_key.strip()
    if not 1 <= len(client_key) <= 200:
        raise DomainError.single(("clientKey",), ErrorCode.INVALID, "must be 1 to 200 characters")
    if not 1 <= len(rows) <= MAX_BATCH:
        raise DomainError.single(
            ("observations",), ErrorCode.OUT_OF_RANGE, f"send 1 to {MAX_BATCH} observations"
        )
    key = BatchKey(client_key, _fingerprint(status, rows))
    recorded = await record_batch(
        session=session, viewer=viewer, subject=subject, key=key, status=status, rows=rows
    )
    found = await get_visible(session, Observation, recorded.batch.observation_ids)
    return Submitted(
        batch=recorded.batch,
        observations=[found[i] for i in recorded.batch.observation_ids if i in found],
        replayed=recorded.replayed,
    )


async def record_batch(
    *,
    session: AsyncSession,
    viewer: Viewer,
    subject: Reported,
    key: BatchKey,
    status: ObservationStatus,
    rows: Sequence[ObservationInput],
    path: str = "observations",
    numbering: Callable[[int], str] = str,
    written: Written | None = None,
    found: Sequence[Problem] = (),
) -> Recorded:
    """Check every row, then write them all or nothing; a key seen before writes nothing.

    The one way observations enter the database, whether they came as a GraphQL batch or
    as a spreadsheet: the same rules, the same idempotency, the same problems. `found` are
    problems the caller met before (cells of a file it could not read): they refuse the
    batch too, listed with the rest.
    """
    await _one_at_a_time(session, subject, key.client_key)
    earlier = await earlier_batch(session, subject, key)
    if earlier is not None:
        return Recorded(batch=earlier, replayed=True)
    rules = await rules_for(session=session, subject=subject)
    # Thousands of rows from a file take a moment to check: off the event loop.
    clean, problems = await asyncio.to_thread(
        validate_batch, rows, rules, path=path, numbering=numbering
    )
    problems += await _already_reported(session, subject, rows, path, numbering)
    problems += found
    if problems:
        raise DomainError(problems)
    batch = ObservationBatch(
        collaborative_id=subject.row.collaborative_id,
        partner_id=subject.partner_id,
        client_key=key.client_key,
        request_hash=key.fingerprint,
        observation_ids=[uuid4() for _ in clean],
        **subject.subject_columns(),
    )
    try:
        async with session.begin_nested():
            session.add(batch)
            await session.flush()  # claims the key first: a concurrent twin waits here
            for start in range(0, len(clean), WRITE_CHUNK):
                end = start + WRITE_CHUNK
                ids = batch.observation_ids[start:end]
                await _insert(session, viewer, subject, batch, status, ids, clean[start:end])
                if written is not None:
                    await written(min(end, len(clean)))
    except IntegrityError as e:
        # A concurrent request with the same key or cell got there first.
        replayed = await earlier_batch(session, subject, key)
        if replayed is not None:
            return Recorded(batch=replayed, replayed=True)
        raise DomainError.single(
            (path,), ErrorCode.DUPLICATE, "another batch reported these cells meanwhile"
        ) from e
    return Recorded(batch=batch, replayed=False)


async def _one_at_a_time(session: AsyncSession, subject: Reported, client_key: str) -> None:
    """Wait for any other transaction submitting under the same client key to finish.

    Without this, a retry racing the first attempt could pass the replay check before the
    first committed and then find its cells taken: a DUPLICATE instead of the first result.
    The lock is the transaction's, released at its commit or rollback.
    """
    key = f"{subject.row.collaborative_id}:{subject.row.id}:{client_key}"
    await session.exec(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))").bindparams(key=key)
    )


async def earlier_batch(
    session: AsyncSession, subject: Reported, key: BatchKey
) -> ObservationBatch | None:
    """The batch recorded under this key, if any; the key with other content is refused."""
    statement = select(ObservationBatch).where(
        ObservationBatch.collaborative_id == subject.row.collaborative_id,
        ObservationBatch.subject_id == subject.row.id,
        ObservationBatch.client_key == key.client_key,
    )
    batch = (await session.exec(statement)).first()
    if batch is not None and batch.request_hash != key.fingerprint:
        raise DomainError.single(key.field, ErrorCode.DUPLICATE, key.conflict)
    return batch


# Many rows in one statement, from one array per column: the owner and visibility are
# filled in by the database (trigger), as for any insert, and row-level security checks
# every row.
INSERT_ROWS = text(
    """
INSERT INTO observation (collaborative_id, id, measure_id, indicator_id, status, granularity,
  period_start, breakdown, breakdown_key, value, numerator, denominator, n,
  suppressed_at_source, note, revision, is_current, batch_id, recorded_by_account,
  recorded_by_api_key, visibility)
SELECT CAST(:collaborative_id AS uuid), r.id, CAST(:measure_id AS uuid),
  CAST(:indicator_id AS uuid), CAST(:status AS varchar), CAST(:granularity AS varchar),
  r.period_start, CAST(r.breakdown AS jsonb), r.breakdown_key, r.value, r.numerator,
  r.denominator, r.n, r.suppressed_at_source, r.note, 1, true, CAST(:batch_id AS uuid),
  CAST(:account_id AS uuid), CAST(:api_key_id AS uuid), 'private'
FROM unnest(CAST(:ids AS uuid[]), CAST(:period_starts AS date[]), CAST(:breakdowns AS text[]),
  CAST(:breakdown_keys AS text[]), CAST(:values AS float8[]), CAST(:numerators AS float8[]),
  CAST(:denominators AS float8[]), CAST(:ns AS integer[]), CAST(:suppressed AS text[]),
  CAST(:notes AS text[]))
  AS r(id, period_start, breakdown, breakdown_key, value, numerator, denominator, n,
       suppressed_at_source, note)"""
)


async def _insert(
    session: AsyncSession,
    viewer: Viewer,
    subject: Reported,
    batch: ObservationBatch,
    status: ObservationStatus,
    ids: Sequence[UUID],
    rows: Sequence[CleanObservation],
) -> None:
    await session.exec(
        INSERT_ROWS,
        params={
            "collaborative_id": subject.row.collaborative_id,
            **subject.subject_columns(),
            "status": status.value,
            "granularity": subject.row.granularity.value,
            "batch_id": batch.id,
            "account_id": viewer.account_id,
            "api_key_id": viewer.api_key_id,
            "ids": list(ids),
            "period_starts": [r.period_start for r in rows],
            "breakdowns": [json.dumps(r.breakdown) for r in rows],  # jsonb orders keys itself
            "breakdown_keys": [r.breakdown_key for r in rows],
            "values": [r.value for r in rows],
            "numerators": [r.numerator for r in rows],
            "denominators": [r.denominator for r in rows],
            "ns": [r.n for r in rows],
            "suppressed": [r.suppressed_at_source for r in rows],
            "notes": [r.note for r in rows],
        },
    )


# Cells are sent as two arrays and joined, so that a file of 100,000 rows is one statement.
TAKEN_CELLS = text(
    """
SELECT o.period_start, o.breakdown_key FROM observation o
JOIN unnest(CAST(:period_starts AS date[]), CAST(:breakdown_keys AS text[]))
  AS c(period_start, breakdown_key)
  ON o.period_start = c.period_start AND o.breakdown_key = c.breakdown_key
WHERE o.collaborative_id = CAST(:collaborative_id AS uuid)
  AND o.subject_id = CAST(:subject_id AS uuid)
  AND o.granularity = CAST(:granularity AS varchar) AND o.is_current"""
)


async def _already_reported(
    session: AsyncSession,
    subject: Reported,
    rows: Sequence[ObservationInput],
    path: str,
    numbering: Callable[[int], str],
) -> list[Problem]:
    """Cells that already have a current value: those take a correction, not a new row."""
    if not rows:
        return []
    cells = [(r.period_start, breakdown_key(r.breakdown)) for r in rows]
    result = await session.exec(
        TAKEN_CELLS,
        params={
            "period_starts": [c[0] for c in cells],
            "breakdown_keys": [c[1] for c in cells],
            "collaborative_id": subject.row.collaborative_id,
            "subject_id": subject.row.id,
            "granularity": subject.row.granularity.value,
        },
    )
    taken = {(row[0], row[1]) for row in result.all()}
    return [
        Problem(
            (path, numbering(i), "periodStart"),
            ErrorCode.DUPLICATE,
            "this period and breakdown already has a value: correct it with correctObservation",
        )
        for i, cell in enumerate(cells)
        if cell in taken
    ]


async def correct_observation(
    *,
    session: AsyncSession,
    viewer: Viewer,
    observation_id: UUID | None,
    values: dict,
    reason: str,
) -> Observation:
    """A new revision of a current observation, with the reason; the old one stays readable."""
    old = await fetch_one(session, Observation, observation_id, policy.observation_visible(viewer))
    if old is None:
        raise not_found(("id",), "observation")
    try:
        subject = await reportable(
            session=session, viewer=viewer, measure_id=old.measure_id, indicator_id=old.indicator_id
        )
    except DomainError as e:
        # Seeing a value is not owning it: answer exactly as for an unknown id.
        raise not_found(("id",), "observation") from e
    if not old.is_current:
        raise DomainError.single(
            ("id",), ErrorCode.INVALID, "only the current revision can be corrected"
        )
    if not reason.strip():
        raise DomainError.single(("reason",), ErrorCode.REQUIRED, "say why the value changed")
    if len(reason.strip()) > MAX_NOTE:
        raise DomainError.single(("reason",), ErrorCode.TOO_LONG, f"at most {MAX_NOTE} characters")
    numbers = ("value", "numerator", "denominator", "suppressed_at_source")
    replaces_value = any(name in values for name in numbers)
    row = ObservationInput(
        period_start=old.period_start,
        breakdown=old.breakdown,
        n=values.get("n", old.n),
        note=values.get("note", old.note) or "",
        **{name: (values.get(name) if replaces_value else getattr(old, name)) for name in numbers},
    )
    clean, problems = validate_batch([row], await rules_for(session=session, subject=subject))
    if problems:
        raise DomainError(Problem(p.field[2:], p.code, p.message) for p in problems)
    old.is_current = False
    session.add(old)
    await session.flush()
    new = Observation(
        collaborative_id=old.collaborative_id,
        status=old.status,
        granularity=old.granularity,
        revision=old.revision + 1,
        previous_id=old.id,
        correction_reason=reason.strip(),
        recorded_by_account=viewer.account_id,
        recorded_by_api_key=viewer.api_key_id,
        measure_id=old.measure_id,
        indicator_id=old.indicator_id,
        **asdict(clean[0]),
    )
    session.add(new)
    await session.flush()
    return new


async def publish_observations(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID | None]
) -> list[Observation]:
    """Make drafts visible as their measure allows (owner only; all or nothing)."""
    found = await get_visible(
        session, Observation, [i for i in ids if i is not None], policy.observation_visible(viewer)
    )
    problems = []
    for index, i in enumerate(ids):
        row = found.get(i) if i else None
        if row is None or not policy.can_publish_observation(viewer, row):
            problems.append(
                Problem(("ids", str(index)), ErrorCode.NOT_FOUND, "no observation with this id")
            )
    if problems:
        raise DomainError(problems)
    published = [found[i] for i in ids if i is not None]
    for row in published:
        row.status = ObservationStatus.PUBLISHED
        session.add(row)
    await session.flush()
    return published


async def list_observations(
    *,
    session: AsyncSession,
    viewer: Viewer,
    subject_id: UUID,
    start: date | None,
    end: date | None,
    breakdowns: Sequence[str] | None,
    all_cells: bool,
    limit: int,
) -> list[Observation]:
    """The first `limit` current observations of one subject in a period range, oldest first.

    `breakdowns` are breakdown keys to return; by default only the total.
    """
    statement = select(Observation).where(
        Observation.subject_id == subject_id,
        col(Observation.is_current),
        policy.observation_visible(viewer),
    )
    if start is not None:
        statement = statement.where(Observation.period_start >= start)
    if end is not None:
        statement = statement.where(Observation.period_start <= end)
    if not all_cells:
        statement = statement.where(col(Observation.breakdown_key).in_(breakdowns or [""]))
    statement = statement.order_by(col(Observation.period_start), col(Observation.breakdown_key))
    return list((await session.exec(statement.limit(limit))).all())


# Charts and dashboards read many observations and change none: plain rows with the
# columns' names, not ORM objects (building those cost more than the query itself).
READ_ONLY = tuple(Observation.__table__.columns)  # type: ignore[attr-defined]
ObservationRow = Any  # a Row with Observation's columns, read like one
# What a chart's curve reads of its cell's observations (services/analytics/series.py,
# schema/analytics/charts.py): decoding the rest (the breakdown's JSON) cost more than
# the query.
CHART_COLUMNS = (
    Observation.subject_id,
    Observation.period_start,
    Observation.value,
    Observation.suppressed_at_source,
)


async def cells_of(
    *,
    session: AsyncSession,
    viewer: Viewer,
    subject_ids: Sequence[UUID],
    breakdown_key: str,
    start: date | None,
    end: date | None,
) -> dict[UUID, list[ObservationRow]]:
    """One cell's current observations for each subject, oldest first, as much of them as
    a chart reads (CHART_COLUMNS): one query for many."""
    statement = select(*CHART_COLUMNS).where(
        col(Observation.subject_id).in_(subject_ids),
        col(Observation.is_current),
        Observation.breakdown_key == breakdown_key,
        policy.observation_visible(viewer),
    )
    if start is not None:
        statement = statement.where(Observation.period_start >= start)
    if end is not None:
        statement = statement.where(Observation.period_start <= end)
    grouped: dict[UUID, list[ObservationRow]] = {i: [] for i in subject_ids}
    for row in (await session.exec(statement.order_by(col(Observation.period_start)))).all():
        grouped[row.subject_id].append(row)  # type: ignore[index]
    return grouped


async def latest_totals(
    *, session: AsyncSession, viewer: Viewer, subject_ids: Sequence[UUID], count: int
) -> dict[UUID, list[ObservationRow]]:
    """The latest `count` totals of each subject, newest first: one query for a dashboard,
    which walks each subject's totals in the cell index from the newest and stops at
    `count` (a lateral join), never the subject's whole history."""
    statement = _latest_totals_statement(viewer, count)
    rows = await session.exec(statement, params={"subject_ids": list(subject_ids)})
    grouped: dict[UUID, list[ObservationRow]] = {i: [] for i in subject_ids}
    for row in rows.all():
        grouped[row.subject_id].append(row)
    return grouped


@lru_cache(maxsize=128)
def _latest_totals_statement(viewer: Viewer, count: int) -> Select:
    """Built once per viewer and count (a dashboard asks the same again and again): its
    lateral subquery makes a column proxy per column, which costs more than running it."""
    subjects = (
        func.unnest(bindparam("subject_ids", type_=ARRAY(PG_UUID)))
        .table_valued("id")
        .render_derived(name="subject")
    )
    latest = (
        select(*READ_ONLY)
        .where(
            Observation.subject_id == subjects.c.id,
            Observation.breakdown_key == "",
            col(Observation.is_current),
            policy.observation_visible(viewer),
        )
        .order_by(col(Observation.period_start).desc())
        .limit(count)
        .lateral("latest")
    )
    return (
        select(*latest.c)
        .select_from(subjects)
        .join(latest, true())
        .order_by(latest.c.period_start.desc())
    )


async def revisions_of(
    *, session: AsyncSession, viewer: Viewer, observations: Sequence[Observation]
) -> dict[UUID, list[Observation]]:
    """Every revision of each observation's cell, first to last."""
    cells = {
        (o.subject_id, o.granularity, o.period_start, o.breakdown_key): o.id for o in observations
    }
    statement = (
        select(Observation)
        .where(
            tuple_(
                Observation.subject_id,
                Observation.granularity,
                Observation.period_start,
                Observation.breakdown_key,
            ).in_(list(cells)),
            policy.observation_visible(viewer),
        )
        .order_by(col(Observation.revision))
    )
    grouped: dict[UUID, list[Observation]] = {o.id: [] for o in observations}
    for row in (await session.exec(statement)).all():
        key = (row.subject_id, row.granularity, row.period_start, row.breakdown_key)
        grouped[cells[key]].append(row)
    return grouped
