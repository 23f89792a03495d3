"""updateCollaborative: the backbone keeps the table's profile, languages, time zone and rules."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.collaboratives.types import Collaborative
from schema.errors import UserError, attempt
from schema.inputs import sent_fields
from schema.relay import raw_id
from services.collaboratives import service as collaboratives


@strawberry.input(description="Only the fields given are changed.")
class UpdateCollaborativeInput:
    id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET
    languages: list[str] | None = strawberry.field(
        default=UNSET, description="Language tags; the default language must stay among them."
    )
    time_zone: str | None = strawberry.field(default=UNSET, description="An IANA name.")
    release_after_days: int | None = strawberry.field(
        default=UNSET,
        description="Days partners have to report after a period ends (0 to 366); null: the "
        "backbone releases periods by hand.",
    )
    default_language: str | None = strawberry.field(
        default=UNSET,
        description="One of the languages: every base text takes its translation into it "
        "(each must have one), and the old default's texts become translations.",
    )
    min_partners: int | None = strawberry.field(
        default=UNSET, description="Only higher (2 to 100): a lower one is proposed and ratified."
    )
    min_cell: int | None = strawberry.field(
        default=UNSET, description="Only higher (1 to 10000): a lower one is proposed and ratified."
    )
    max_dominance_share: float | None = strawberry.field(
        default=UNSET,
        description="Only lower (0.5 to 1): a higher one is proposed and ratified.",
    )


@strawberry.type
class CollaborativePayload:
    collaborative: Collaborative | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def update_collaborative(
    info: Info[Context, None], input: UpdateCollaborativeInput
) -> CollaborativePayload:
    ctx = info.context
    action = collaboratives.update_settings(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.id, "Collaborative"),
        data=sent_fields(input, exclude=("id",)),
    )
    return await attempt(
        action,
        lambda c: CollaborativePayload(collaborative=Collaborative.from_model(c)),
        CollaborativePayload,
    )
