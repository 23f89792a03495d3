"""Saving and reading community-defined dashboards.

`save_dashboard` creates or replaces one by its slug, panels all or nothing. A panel may
name only a measure or indicator its saver can see; a reader sees a panel's subject only
if the reader may see it too (the schema resolves subjects under the reader's policy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives.models import Collaborative
from services.crud import get_visible
from services.dashboards.models import (
    MAX_PANELS,
    Dashboard,
    DashboardBase,
    DashboardPanel,
    PanelBase,
)
from services.dimensions import service as dimensions
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.indicators import service as indicators
from services.measures import service as measures
from services.pagination import Listing
from services.translations import service as translations
from services.validation import validated
from services.viewer import Viewer


@dataclass(frozen=True, slots=True)
class PanelInput:
    """One panel as sent: a measure or an indicator (by raw id) and how to chart it."""

    measure_id: UUID | None
    indicator_id: UUID | None
    fields: Mapping[str, Any]  # PanelBase's: chart, title, dimension, category, period range
    title_translations: Sequence[Mapping[str, str]] = ()  # {language, text} each


_DUPLICATE = "uq_dashboard_collaborative_id_slug"
LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('dashboard:' || :key, 0))")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


async def save_dashboard(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    data: Mapping[str, Any],
    panels: Sequence[PanelInput],
) -> Dashboard:
    """Create the dashboard with this slug, or replace it (its creator or the backbone)."""
    if collaborative_id is None:
        raise not_found(("collaborativeId",), "collaborative")
    if not policy.can_save_dashboards(viewer, collaborative_id):
        raise DomainError.single(
            ("collaborativeId",),
            ErrorCode.FORBIDDEN,
            "only members save the community's dashboards",
        )
    if not SLUG.fullmatch(str(data.get("slug", ""))):
        raise DomainError.single(
            ("slug",),
            ErrorCode.INVALID,
            "use lowercase letters, digits and - (starting with a letter or digit), at most 64",
        )
    dashboard = validated(DashboardBase, data)
    rows = await _panels(session, viewer, collaborative_id, panels)
    collaborative = await session.get(Collaborative, collaborative_id)
    assert collaborative is not None  # the viewer is a member of it
    titles = _panel_titles(collaborative, panels)
    # Two saves of one slug take turns: the second replaces what the first wrote.
    await session.exec(  # type: ignore[call-overload]
        LOCK.bindparams(key=f"{collaborative_id}:{dashboard.slug}")
    )
    existing = (
        await session.exec(
            select(Dashboard).where(
                Dashboard.collaborative_id == collaborative_id, Dashboard.slug == dashboard.slug
            )
        )
    ).first()
    if existing is not None and not policy.can_replace_dashboard(viewer, existing):
        raise DomainError.single(
            ("slug",),
            ErrorCode.FORBIDDEN,
            "this dashboard is kept by whoever created it and the backbone: choose another slug",
        )
    try:
        async with session.begin_nested():
            if existing is None:
                existing = Dashboard(
                    collaborative_id=collaborative_id,
                    created_by=viewer.account_id,
                    **dashboard.model_dump(),
                )
                session.add(existing)
                await session.flush()
            else:
                for name, value in dashboard.model_dump(exclude={"slug"}).items():
                    setattr(existing, name, value)
                existing.updated_at = func.now()  # type: ignore[assignment]
                await _drop_panels(session, existing)
            session.add(existing)
            new = [DashboardPanel(dashboard_id=existing.id, **row) for row in rows]
            session.add_all(new)
            await session.flush()
            await translations.add_texts(
                session=session,
                collaborative_id=collaborative_id,
                kind="dashboard_panel",
                field="title",
                texts={panel.id: text for panel, text in zip(new, titles, strict=True) if text},
            )
    except IntegrityError as e:
        if _DUPLICATE in str(e.orig):
            raise DomainError.single(
                ("slug",), ErrorCode.DUPLICATE, "another dashboard took this slug meanwhile"
            ) from e
        raise
    await session.refresh(existing)
    return existing


async def _panels(
    session: AsyncSession, viewer: Viewer, collaborative_id: UUID, panels: Sequence[PanelInput]
) -> list[dict[str, Any]]:
    """Validated panel columns (all but the dashboard's id), or every problem found at once."""
    if len(panels) > MAX_PANELS:
        raise DomainError.single(("panels",), ErrorCode.OUT_OF_RANGE, f"at most {MAX_PANELS}")
    measure_ids = [p.measure_id for p in panels if p.measure_id]
    indicator_ids = [p.indicator_id for p in panels if p.indicator_id]
    subjects: dict[UUID, Any] = {
        **await measures.get_many(session=session, viewer=viewer, ids=measure_ids),
        **await indicators.get_many(session=session, viewer=viewer, ids=indicator_ids),
    }
    dimension_ids = {
        **await measures.dimension_ids_of(session=session, measure_ids=measure_ids),
        **await indicators.dimension_ids_of(session=session, indicator_ids=indicator_ids),
    }
    known = await dimensions.get_many(
        session=session, ids=[d for ids in dimension_ids.values() for d in ids]
    )
    vocabulary = await dimensions.vocabulary(session=session, dimension_ids=list(known))
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for i, panel in enumerate(panels):
        at = ("panels", str(i))
        subject = subjects.get(panel.measure_id or panel.indicator_id)  # type: ignore[arg-type]
        if subject is None or subject.collaborative_id != collaborative_id:
            problems += not_found((*at, "subjectId"), "measure or indicator").problems
            continue
        try:
            fields = validated(PanelBase, panel.fields, prefix=at)
        except DomainError as e:
            problems += e.problems
            continue
        keys = {known[d].key for d in dimension_ids.get(subject.id, []) if d in known}
        problems += _cell_problems(at, fields, keys, vocabulary)
        rows.append(
            {
                "collaborative_id": collaborative_id,
                "position": i,
                "measure_id": panel.measure_id,
                "indicator_id": panel.indicator_id,
                **fields.model_dump(),
            }
        )
    if problems:
        raise DomainError(problems)
    return rows


def _cell_problems(
    at: tuple[str, ...],
    panel: PanelBase,
    keys: set[str],
    vocabulary: Mapping[str, frozenset[str]],
) -> list[Problem]:
    problems = []
    if panel.category is not None and panel.dimension is None:
        problems.append(Problem((*at, "category"), ErrorCode.INVALID, "name its dimension too"))
    elif panel.dimension is not None and panel.dimension not in keys:
        problems.append(
            Problem((*at, "dimension"), ErrorCode.INVALID, "is not a dimension of this subject")
        )
    elif panel.category is not None and panel.category not in vocabulary.get(
        panel.dimension or "", frozenset()
    ):
        problems.append(
            Problem((*at, "category"), ErrorCode.INVALID, "is not a category of this dimension")
        )
    start, end = panel.period_from, panel.period_to
    if start is not None and end is not None and end < start:
        problems.append(Problem((*at, "to"), ErrorCode.INVALID, "must not be before `from`"))
    return problems


def dashboards_in(*, viewer: Viewer, collaborative_id: UUID) -> Listing:
    """The dashboards the viewer may read, by slug."""
    statement = select(Dashboard).where(
        Dashboard.collaborative_id == collaborative_id, policy.dashboard_visible(viewer)
    )
    return Listing(statement, (Dashboard.slug, Dashboard.id))  # type: ignore[arg-type]


async def by_slug(
    *, session: AsyncSession, viewer: Viewer, collaborative_slug: str, slug: str
) -> Dashboard | None:
    """A readable dashboard; None alike for an unknown slug and a members-only one."""
    statement = (
        select(Dashboard)
        .join(Collaborative, col(Collaborative.id) == Dashboard.collaborative_id)
        .where(
            Collaborative.slug == collaborative_slug,
            Dashboard.slug == slug,
            policy.dashboard_visible(viewer),
        )
    )
    return (await session.exec(statement)).first()


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, Dashboard]:
    return await get_visible(session, Dashboard, ids, policy.dashboard_visible(viewer))


async def panels_of(
    *, session: AsyncSession, viewer: Viewer, dashboard_ids: Sequence[UUID]
) -> dict[UUID, list[DashboardPanel]]:
    """Panels of many readable dashboards at once, in their order: those whose subject the
    viewer may see (every one for the dashboard's keepers)."""
    statement = (
        select(DashboardPanel)
        .where(
            col(DashboardPanel.dashboard_id).in_(dashboard_ids),
            policy.dashboard_panel_visible(viewer),
        )
        .order_by(col(DashboardPanel.position))
    )
    grouped: dict[UUID, list[DashboardPanel]] = {i: [] for i in dashboard_ids}
    for panel in (await session.exec(statement)).all():
        grouped[panel.dashboard_id].append(panel)
    return grouped


def _panel_titles(
    collaborative: Collaborative, panels: Sequence[PanelInput]
) -> list[dict[str, str]]:
    """Each panel's title in further languages, checked before anything is written."""
    problems: list[Problem] = []
    titles: list[dict[str, str]] = []
    for i, panel in enumerate(panels):
        try:
            titles.append(
                translations.checked_texts(
                    collaborative,
                    panel.title_translations,
                    ("panels", str(i), "titleTranslations"),
                )
            )
        except DomainError as e:
            problems += e.problems
    if problems:
        raise DomainError(problems)
    return titles


async def _drop_panels(session: AsyncSession, dashboard: Dashboard) -> None:
    """Remove a dashboard's panels, their title translations first."""
    where = (
        col(DashboardPanel.collaborative_id) == dashboard.collaborative_id,
        col(DashboardPanel.dashboard_id) == dashboard.id,
    )
    old = (await session.exec(select(DashboardPanel.id).where(*where))).all()
    await translations.forget_texts(
        session=session,
        collaborative_id=dashboard.collaborative_id,
        kind="dashboard_panel",
        subject_ids=list(old),
    )
    await session.exec(delete(DashboardPanel).where(*where))  # type: ignore[call-overload]


async def readable_everywhere(
    *, session: AsyncSession, viewer: Viewer, limit: int
) -> list[tuple[Collaborative, Dashboard]]:
    """Dashboards the viewer may read in every collaborative, by collaborative and title
    (the home page lists them for anonymous visitors: the public ones)."""
    statement = (
        select(Collaborative, Dashboard)
        .join(Dashboard, col(Dashboard.collaborative_id) == Collaborative.id)
        .where(policy.dashboard_visible(viewer))
        .order_by(col(Collaborative.name), col(Dashboard.title), col(Dashboard.id))
        .limit(limit)
    )
    return [(c, d) for c, d in (await session.exec(statement)).all()]
