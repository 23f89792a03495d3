"""Dashboard and DashboardPanel types: saved arrangements of charts for front ends.

A panel resolves under the READER's visibility: on a public dashboard a panel whose subject
the reader may not see is left out (its title, cell and period describe the subject); the
dashboard's keepers see every panel, with `subject: null` and `series: null` where hidden.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.analytics.charts import Chart
from schema.observations.fields import Series, chart_of
from schema.partners.types import ProfileVisibilityEnum
from schema.relay import Node, fetches_nodes, to_global_id
from schema.stories.types import load_subject
from schema.translations.types import Translatable, translated
from services.dashboards import service as dashboards
from services.dashboards.models import ChartKind
from services.dashboards.models import Dashboard as DashboardModel
from services.dashboards.models import DashboardPanel as PanelModel

ChartKindEnum = strawberry.enum(ChartKind, name="ChartKind", description="How a panel is drawn.")


@strawberry.type(description="One panel of a dashboard: a measure or an indicator, charted.")
class DashboardPanel(Translatable):
    position: int = strawberry.field(
        description="Its place among the panels the reader sees, from 0: a panel left out "
        "leaves no gap."
    )
    title: str = translated()
    chart: ChartKindEnum  # type: ignore[valid-type]
    dimension: str | None = strawberry.field(
        description="The dimension it breaks down by (a disparity's groups, or with `category`, "
        "one cell)."
    )
    category: str | None
    from_: date | None = strawberry.field(name="from")
    to: date | None
    model: strawberry.Private[PanelModel]

    @classmethod
    def from_model(cls, m: PanelModel, position: int) -> DashboardPanel:
        return cls(
            position=position,
            title=m.title,
            chart=m.chart,
            dimension=m.dimension,
            category=m.category,
            from_=m.period_from,
            to=m.period_to,
            model=m,
        )

    @strawberry.field(
        description="The measure or indicator, if the reader may see it: null otherwise (only "
        "the dashboard's keepers are shown such a panel)."
    )
    async def subject(self, info: Info[Context, None]) -> Series | None:
        return await load_subject(info, self.model)

    @strawberry.field(
        description="The subject's curve for this panel's cell (the total without a category) "
        "and period range; null when the reader may not see the subject."
    )
    async def series(self, info: Info[Context, None]) -> Chart | None:
        subject = await load_subject(info, self.model)
        if subject is None:
            return None
        m = self.model
        cell = {m.dimension: m.category} if m.dimension and m.category else {}
        return await chart_of(info, subject.model, cell, m.period_from, m.period_to)


@strawberry.type(description="A community-defined, saved dashboard, addressed by its slug.")
class Dashboard(Node, Translatable):
    slug: str
    title: str = translated()
    description: str = translated()
    visibility: ProfileVisibilityEnum  # type: ignore[valid-type]
    created_at: datetime | None
    updated_at: datetime | None
    model: strawberry.Private[DashboardModel]

    @classmethod
    def from_model(cls, m: DashboardModel) -> Dashboard:
        return cls(
            id=to_global_id("Dashboard", m.id),
            slug=m.slug,
            title=m.title,
            description=m.description,
            visibility=m.visibility,
            created_at=m.created_at,
            updated_at=m.updated_at,
            model=m,
        )

    @strawberry.field(
        description="Its panels, in order: those whose subject the reader may see (every one "
        "for its creator and the backbone)."
    )
    async def panels(self, info: Info[Context, None]) -> list[DashboardPanel]:
        rows = await info.context.loaders.dashboard_panels.load(self.model.id)
        return [DashboardPanel.from_model(p, i) for i, p in enumerate(rows)]


@fetches_nodes("Dashboard")
async def fetch_dashboards(info: Info[Context, None], ids: Any) -> dict[UUID, Dashboard]:
    ctx = info.context
    found = await dashboards.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Dashboard.from_model(v) for k, v in found.items()}
