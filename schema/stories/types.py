"""The Story type: the narrative told on a measure or an indicator."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.enums import VisibilityEnum
from schema.observations.types import Period
from schema.partners.types import Partner
from schema.relay import Node, fetches_nodes, to_global_id
from services.stories import service as stories
from services.stories.models import Story as StoryModel
from services.stories.models import StoryKind

if TYPE_CHECKING:
    from schema.observations.fields import Series

StoryKindEnum = strawberry.enum(
    StoryKind, name="StoryKind", description="What a story tells about its curve."
)


async def load_subject(info: Info[Context, None], model: Any) -> Any:
    """The measure or indicator `model` names, if the viewer may see it; else None."""
    from schema.indicators.types import Indicator
    from schema.measures.types import Measure

    loaders = info.context.loaders
    if model.measure_id is not None:
        measure = await loaders.measure.load(model.measure_id)
        return Measure.from_model(measure) if measure else None
    indicator = await loaders.indicator.load(model.indicator_id)
    return Indicator.from_model(indicator) if indicator else None


@strawberry.type(description="A story told on a measure or an indicator (optionally a period).")
class Story(Node):
    kind: StoryKindEnum  # type: ignore[valid-type]
    title: str
    body: str
    whys: list[str] = strawberry.field(
        description="A root cause's chain of whys, in order (empty for other kinds)."
    )
    language: str
    visibility: VisibilityEnum  # type: ignore[valid-type]
    period: Period | None
    created_at: datetime | None
    model: strawberry.Private[StoryModel]

    @classmethod
    def from_model(cls, m: StoryModel) -> Story:
        return cls(
            id=to_global_id("Story", m.id),
            kind=m.kind,
            title=m.title,
            body=m.body,
            whys=list(m.whys),
            language=m.language,
            visibility=m.visibility,
            period=Period.of(m.granularity, m.period_start)
            if m.granularity and m.period_start
            else None,
            created_at=m.created_at,
            model=m,
        )

    @strawberry.field(description="The measure or indicator it is told on.")
    async def subject(
        self, info: Info[Context, None]
    ) -> Annotated[Series, strawberry.lazy("schema.observations.fields")] | None:
        return await load_subject(info, self.model)

    @strawberry.field(description="The partner it was told for; null for a resident's own.")
    async def partner(self, info: Info[Context, None]) -> Partner | None:
        if self.model.partner_id is None:
            return None
        found = await info.context.loaders.partner.load(self.model.partner_id)
        return Partner.from_model(found) if found else None


@fetches_nodes("Story")
async def fetch_stories(info: Info[Context, None], ids: Any) -> dict[UUID, Story]:
    ctx = info.context
    found = await stories.get_many(session=ctx.session, viewer=ctx.viewer, ids=ids)
    return {k: Story.from_model(v) for k, v in found.items()}
