"""addStory: any member tells a story on a measure or an indicator it can see."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.enums import VisibilityEnum
from schema.errors import UserError, attempt
from schema.observations.mutations import subject_ids
from schema.relay import raw_id
from schema.stories.types import Story, StoryKindEnum
from services.stories import service as stories
from services.visibility import Visibility


@strawberry.input
class AddStoryInput:
    subject_id: strawberry.ID = strawberry.field(description="A Measure's or an Indicator's id.")
    kind: StoryKindEnum  # type: ignore[valid-type]
    title: str
    body: str = ""
    whys: list[str] | None = strawberry.field(
        default=None, description="For a root_cause only: 1 to 7 whys, in order."
    )
    language: str | None = strawberry.field(
        default=None, description="One of the collaborative's languages; its default if null."
    )
    visibility: VisibilityEnum = Visibility.COLLABORATIVE  # type: ignore[valid-type]
    period_start: date | None = strawberry.field(
        default=None, description="The period it is about (the subject's granularity)."
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The partner it is told for (one the author acts for); its own if unset.",
    )


@strawberry.type
class StoryPayload:
    story: Story | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def add_story(info: Info[Context, None], input: AddStoryInput) -> StoryPayload:
    ctx = info.context
    action = stories.add_story(
        session=ctx.session,
        viewer=ctx.viewer,
        **subject_ids(input.subject_id),
        # A malformed partner id is an unknown partner, not "none given".
        partner_id=(raw_id(input.partner_id, "Partner") or UUID(int=0))
        if input.partner_id
        else None,
        period_start=input.period_start,
        whys=input.whys,
        data={
            "kind": input.kind,
            "title": input.title,
            "body": input.body,
            "language": input.language,
            "visibility": input.visibility,
        },
    )
    return await attempt(action, lambda s: StoryPayload(story=Story.from_model(s)), StoryPayload)
