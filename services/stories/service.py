"""Telling and reading stories: the story behind the curve, root causes, what works.

Any member may tell a story on a measure or an indicator it can see; a story is never
wider than its subject (refused on write: `visibility`), and reads check both anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives import service as collaboratives
from services.crud import fetch_one, get_visible, save
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.indicators.models import Indicator
from services.measures.models import PerformanceMeasure
from services.periods import EARLIEST, LATEST, expected_start, starts_a_period
from services.stories.models import MAX_WHYS, Story, StoryBase, StoryKind
from services.validation import validated
from services.viewer import Viewer
from services.visibility import Visibility

MAX_WHY_LENGTH = 1000
_RANK = {Visibility.PRIVATE: 0, Visibility.COLLABORATIVE: 1, Visibility.PUBLIC: 2}


async def visible_subject(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    indicator_id: UUID | None,
) -> PerformanceMeasure | Indicator:
    """A measure or indicator the viewer sees; hidden and missing ones answer alike."""
    found: PerformanceMeasure | Indicator | None = None
    if measure_id is not None:
        found = await fetch_one(
            session, PerformanceMeasure, measure_id, policy.measure_visible(viewer)
        )
    elif indicator_id is not None:
        found = await fetch_one(session, Indicator, indicator_id, policy.indicator_visible(viewer))
    if found is None:
        raise not_found(("subjectId",), "measure or indicator")
    return found


def _whys(kind: StoryKind, whys: Sequence[str] | None) -> list[str]:
    """The chain of whys, in order: required for a root cause, refused for anything else."""
    given = list(whys or [])
    if kind is not StoryKind.ROOT_CAUSE:
        if given:
            raise DomainError.single(
                ("whys",), ErrorCode.INVALID, "only a root_cause story has a chain of whys"
            )
        return []
    if not 1 <= len(given) <= MAX_WHYS:
        raise DomainError.single(
            ("whys",), ErrorCode.OUT_OF_RANGE, f"a root cause asks why 1 to {MAX_WHYS} times"
        )
    clean = [w.strip() for w in given]
    problems = [
        Problem(("whys", str(i)), ErrorCode.REQUIRED, "must not be blank")
        for i, w in enumerate(clean)
        if not w
    ] + [
        Problem(("whys", str(i)), ErrorCode.TOO_LONG, f"at most {MAX_WHY_LENGTH} characters")
        for i, w in enumerate(clean)
        if len(w) > MAX_WHY_LENGTH
    ]
    if problems:
        raise DomainError(problems)
    return clean


def _check_reach(visibility: Visibility, subject: PerformanceMeasure | Indicator) -> None:
    reach = policy.subject_reach(subject)
    if _RANK[visibility] > _RANK[reach]:
        raise DomainError.single(
            ("visibility",),
            ErrorCode.INVALID,
            f"its subject is seen by fewer people: a story on it may be at most {reach.value}",
        )


async def add_story(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    indicator_id: UUID | None,
    partner_id: UUID | None,
    period_start: date | None,
    whys: Sequence[str] | None,
    data: Mapping[str, Any],
) -> Story:
    """A member tells a story on a subject it can see; nothing is written if anything is wrong."""
    subject = await visible_subject(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    collaborative_id = subject.collaborative_id
    if not policy.can_tell_stories(viewer, collaborative_id):
        raise DomainError.single(
            ("subjectId",),
            ErrorCode.FORBIDDEN,
            "only members of the collaborative tell its stories",
        )
    if partner_id is not None and not any(
        g.partner_id == partner_id and g.collaborative_id == collaborative_id for g in viewer.grants
    ):
        raise not_found(("partnerId",), "partner you act for")
    collaborative = (await collaboratives.get_many(session=session, ids=[collaborative_id]))[
        collaborative_id
    ]
    listed = {language.lower(): language for language in collaborative.languages}
    asked = str(data.get("language") or collaborative.default_language).strip().lower()
    story = validated(StoryBase, {**data, "language": listed.get(asked, asked)})
    if story.language not in collaborative.languages:
        raise DomainError.single(
            ("language",),
            ErrorCode.INVALID,
            f"the collaborative speaks {', '.join(collaborative.languages)}",
        )
    _check_reach(story.visibility, subject)
    clean_whys = _whys(story.kind, whys)
    if period_start is not None and not EARLIEST <= period_start <= LATEST:
        raise DomainError.single(
            ("periodStart",), ErrorCode.OUT_OF_RANGE, f"periods run from {EARLIEST} to {LATEST}"
        )
    if period_start is not None and not starts_a_period(subject.granularity, period_start):
        raise DomainError.single(
            ("periodStart",),
            ErrorCode.INVALID,
            f"must be {expected_start(subject.granularity)} for this granularity",
        )
    row = Story(
        collaborative_id=collaborative_id,
        measure_id=subject.id if isinstance(subject, PerformanceMeasure) else None,
        indicator_id=subject.id if isinstance(subject, Indicator) else None,
        granularity=subject.granularity if period_start else None,
        period_start=period_start,
        whys=clean_whys,
        author_account_id=viewer.account_id,
        partner_id=partner_id,
        **story.model_dump(),
    )
    await save(session, row)
    return row


async def get_many(*, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]) -> dict:
    return await get_visible(session, Story, ids, policy.story_visible(viewer))


async def stories_of(
    *,
    session: AsyncSession,
    viewer: Viewer,
    subject_ids: Sequence[UUID],
    count: int,
    kinds: Sequence[StoryKind] = (),
    language: str | None = None,
) -> dict[UUID, list[Story]]:
    """The latest `count` visible stories of each of many measures or indicators, newest first.

    `language` matches whatever its case, as addStory does.
    """
    newest_first = (col(Story.created_at).desc(), col(Story.id))
    ranked = select(
        Story.collaborative_id,
        Story.id,
        func.row_number().over(partition_by=Story.subject_id, order_by=newest_first).label("rank"),
    ).where(col(Story.subject_id).in_(subject_ids), policy.story_visible(viewer))
    if kinds:
        ranked = ranked.where(col(Story.kind).in_(kinds))
    if language is not None:
        ranked = ranked.where(func.lower(Story.language) == language.lower())
    latest = ranked.subquery()
    statement = (
        select(Story)
        .join(
            latest,
            and_(latest.c.collaborative_id == Story.collaborative_id, latest.c.id == Story.id),
        )
        .where(latest.c.rank <= count)
        .order_by(*newest_first)
    )
    grouped: dict[UUID, list[Story]] = {i: [] for i in subject_ids}
    for story in (await session.exec(statement)).all():
        grouped[story.subject_id].append(story)  # type: ignore[index]
    return grouped
