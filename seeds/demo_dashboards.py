"""The demo's dashboards: a public community dashboard, and one kept among members.

The public one has a panel on a members-only indicator on purpose: anonymous readers do not
see that panel at all, members see it and the indicator. Deterministic; owner role.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo import EMAIL_DOMAIN, RACE, demo_id
from seeds.demo_calendar import calendar
from services.dashboards.models import ChartKind, Dashboard, DashboardPanel
from services.partners.models import ProfileVisibility

# slug, creator, visibility, title, description, panels: (subject, chart, title, dimension,
# category, from)
DASHBOARDS = (
    ("community-dashboard", "resident", ProfileVisibility.PUBLIC, "Riverside Thrives",
     "How Riverside's children and families are doing, and what partners contribute.", (
         ("indicator:kready", ChartKind.LINE, "Ready for kindergarten", None, None, None),
         ("indicator:kready", ChartKind.DISPARITY, "Readiness gaps", RACE, None, None),
         ("indicator:kready", ChartKind.LINE, "Latino children ready", RACE, "latino", None),
         ("indicator:well_child", ChartKind.BAR, "", None, None, date(2024, 1, 1)),
         ("measure:casa.screened", ChartKind.LINE, "Screened on time (Casa)", None, None,
          None),
         ("measure:digital.connected", ChartKind.NUMBER, "", None, None, None),
         ("indicator:cost_burden", ChartKind.TABLE, "", None, None, None),
         ("indicator:broadband", ChartKind.LINE, "Home broadband (members)", None, None, None),
         # Its latest quarter has a cell the partner suppressed at the source ("<5"): the
         # dashboard page marks it and says why.
         ("measure:casa.screened", ChartKind.BAR, "Screened on time by race and ethnicity",
          RACE, None, None),
     )),
    ("partner-progress", "backbone", ProfileVisibility.COLLABORATIVE, "Partner progress",
     "Members-only: the measures partners share with the table.", (
         ("measure:casa.enrolled", ChartKind.BAR, "", None, None, None),
         ("measure:housing.stable", ChartKind.LINE, "", None, None, None),
         ("measure:schools.screened", ChartKind.LINE, "", RACE, None, None),
     )),
)  # fmt: skip


async def seed_dashboards(session: AsyncSession, collaborative_id: UUID) -> None:
    """Write the demo's dashboards and their panels."""
    for slug, creator, visibility, title, description, panels in DASHBOARDS:
        dashboard_id = demo_id("dashboard", slug)
        session.add(
            Dashboard(
                collaborative_id=collaborative_id,
                id=dashboard_id,
                slug=slug,
                title=title,
                description=description,
                visibility=visibility,
                created_by=demo_id("account", f"{creator}@{EMAIL_DOMAIN}"),
            )
        )
        await session.flush()
        for position, (subject, chart, name, dimension, category, start) in enumerate(panels):
            kind, key = subject.split(":")
            session.add(
                DashboardPanel(
                    collaborative_id=collaborative_id,
                    id=demo_id("panel", slug, str(position)),
                    dashboard_id=dashboard_id,
                    position=position,
                    chart=chart,
                    title=name,
                    dimension=dimension,
                    category=category,
                    period_from=calendar().day(start) if start else None,
                    measure_id=demo_id("measure", key) if kind == "measure" else None,
                    indicator_id=demo_id("indicator", key) if kind == "indicator" else None,
                )
            )
    await session.flush()
