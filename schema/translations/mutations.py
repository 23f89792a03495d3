"""setTranslations: the texts of one field of one object in the collaborative's languages."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.errors import UserError, attempt
from schema.relay import resolve_nodes
from schema.translations.types import Translatable
from services.translations import service as translations
from services.translations.subjects import BY_MODEL


@strawberry.input(description="One language's text; empty text removes the translation.")
class TranslationInput:
    language: str
    text: str


@strawberry.input
class SetTranslationsInput:
    subject_id: strawberry.ID = strawberry.field(
        description="A translatable object: domain, result, indicator, shared measure, "
        "measure, dimension or category."
    )
    field: str = strawberry.field(description="Its field, e.g. `name`, `definition`, `label`.")
    translations: list[TranslationInput]


@strawberry.type
class SetTranslationsPayload:
    subject: Translatable | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def set_translations(
    info: Info[Context, None], input: SetTranslationsInput
) -> SetTranslationsPayload:
    ctx = info.context
    # The object as the viewer sees it (null when hidden); the service checks it again.
    found = (await resolve_nodes(info, [input.subject_id]))[0]
    model = getattr(found, "model", None)
    subject = BY_MODEL.get(type(model))
    action = translations.set_translations(
        session=ctx.session,
        viewer=ctx.viewer,
        kind=subject.kind if subject else None,
        subject_id=model.id if subject else None,
        field=input.field,
        items=[{"language": t.language, "text": t.text} for t in input.translations],
    )
    return await attempt(
        action,
        lambda _: SetTranslationsPayload(subject=found),
        SetTranslationsPayload,
    )
