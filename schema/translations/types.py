"""Translated fields, and what editors see of translations.

A translatable type marks its text fields with `translated()` and implements `Translatable`;
its private `model` is the subject row. A translated field answers in the request's language
for the subject's collaborative, falling back to the default-language text; when nothing but
the default is asked for it stays a plain synchronous field.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from api.context import Context
from services.errors import DomainError, ErrorCode
from services.translations import service as translations
from services.translations.languages import is_language_tag


@strawberry.type(description="The text of one field in one further language.")
class Translation:
    field: str
    language: str
    text: str


@strawberry.type(description="A field that has text in the default language but not in this one.")
class MissingTranslation:
    field: str
    language: str


def choose_language(info: Info[Context, None], language: str | None) -> None:
    """A root field's `language` argument: it wins over Accept-Language for the request."""
    if language is None:
        return
    if not is_language_tag(language):
        raise DomainError.single(("language",), ErrorCode.INVALID, "not a language tag")
    if not info.context.languages.choose(language):
        raise DomainError.single(
            ("language",), ErrorCode.INVALID, "one language per request, please"
        )


async def _localized(ctx: Context, model: Any, field: str, base: str) -> str:
    language, default = await ctx.loaders.language_of(model.collaborative_id)
    if language == default:
        return base
    rows = await ctx.loaders.translations.load((translations.kind_of(model), model.id))
    return translations.text_in(rows, field, language, base)


def localized(ctx: Context, model: Any, field: str, base: str) -> str | Awaitable[str]:
    """`base` at once when the default language answers; else an awaitable of the text."""
    if ctx.languages.is_empty:
        return base
    known = ctx.languages.resolved(model.collaborative_id)
    if known is not None and known[0] == known[1]:
        return base
    return _localized(ctx, model, field, base)


class Translated(FieldExtension):
    """Answers a text field in the request's language (see module docstring)."""

    name = ""

    def apply(self, field: StrawberryField) -> None:
        self.name = field.python_name

    def resolve(self, next_: Any, source: Any, info: Info[Context, None], **kwargs: Any) -> Any:
        return localized(info.context, source.model, self.name, next_(source, info, **kwargs))


def translated(description: str | None = None) -> Any:
    """A text field answered in the request's language, e.g. `name: str = translated()`."""
    return strawberry.field(description=description, extensions=[Translated()])


@strawberry.interface(description="An object whose texts exist in several languages.")
class Translatable:
    @strawberry.field(description="Every translation of this object's texts (for editors).")
    async def translations(self, info: Info[Context, None]) -> list[Translation]:
        model = self.model  # type: ignore[attr-defined]
        rows = await info.context.loaders.translations.load((translations.kind_of(model), model.id))
        return [Translation(field=r.field, language=r.language, text=r.text) for r in rows]

    @strawberry.field(description="Texts not yet translated into one of the languages.")
    async def missing_translations(self, info: Info[Context, None]) -> list[MissingTranslation]:
        model = self.model  # type: ignore[attr-defined]
        loaders = info.context.loaders
        collaborative = await loaders.collaborative.load(model.collaborative_id)
        rows = await loaders.translations.load((translations.kind_of(model), model.id))
        gaps = translations.missing(
            model, rows, collaborative.languages, collaborative.default_language
        )
        return [MissingTranslation(field=g.field, language=g.language) for g in gaps]
