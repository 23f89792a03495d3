"""saveDashboard: create or replace a dashboard by its slug, panels all or nothing."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.dashboards.types import ChartKindEnum, Dashboard
from schema.errors import UserError, attempt
from schema.observations.mutations import subject_ids
from schema.partners.types import ProfileVisibilityEnum
from schema.relay import raw_id
from schema.translations.mutations import TranslationInput
from services.dashboards import service as dashboards
from services.dashboards.service import PanelInput
from services.partners.models import ProfileVisibility


@strawberry.input(description="A panel: a measure or an indicator and how to chart it.")
class DashboardPanelInput:
    subject_id: strawberry.ID = strawberry.field(description="A Measure's or an Indicator's id.")
    chart: ChartKindEnum  # type: ignore[valid-type]
    title: str = ""
    title_translations: list[TranslationInput] = strawberry.field(
        default_factory=list,
        description="The title in the collaborative's other languages (sent with every save, "
        "as panels are replaced).",
    )
    dimension: str | None = None
    category: str | None = None
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None


@strawberry.input
class SaveDashboardInput:
    collaborative_id: strawberry.ID
    slug: str
    title: str
    description: str = ""
    visibility: ProfileVisibilityEnum = ProfileVisibility.COLLABORATIVE  # type: ignore[valid-type]
    panels: list[DashboardPanelInput] = strawberry.field(default_factory=list)


@strawberry.type
class DashboardPayload:
    dashboard: Dashboard | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _panel(panel: DashboardPanelInput) -> PanelInput:
    return PanelInput(
        **subject_ids(panel.subject_id),
        fields={
            "chart": panel.chart,
            "title": panel.title,
            "dimension": panel.dimension,
            "category": panel.category,
            "period_from": panel.from_,
            "period_to": panel.to,
        },
        title_translations=[
            {"language": t.language, "text": t.text} for t in panel.title_translations
        ],
    )


async def save_dashboard(info: Info[Context, None], input: SaveDashboardInput) -> DashboardPayload:
    ctx = info.context
    action = dashboards.save_dashboard(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
        data={
            "slug": input.slug,
            "title": input.title,
            "description": input.description,
            "visibility": input.visibility,
        },
        panels=[_panel(p) for p in input.panels],
    )
    return await attempt(
        action, lambda d: DashboardPayload(dashboard=Dashboard.from_model(d)), DashboardPayload
    )
