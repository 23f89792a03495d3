"""Reading and keeping translations.

Reads are batched (one statement for every subject of a page) and filtered by the subject's
own visibility, twin of the RLS policy on `translation`. Writes replace the given languages
of one field of one subject, all or nothing, by whoever may edit the subject.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, delete
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives.models import Collaborative
from services.crud import fetch_one
from services.dimensions.models import Dimension, DimensionCategory
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.translations.models import Translation, TranslationBase
from services.translations.subjects import BY_KIND, BY_MODEL, Subject, visibility_rules
from services.validation import validated
from services.viewer import Viewer

SubjectKey = tuple[str, UUID]  # (kind, subject id)


@dataclass(frozen=True)
class Missing:
    field: str
    language: str


def kind_of(row: Any) -> str:
    """The subject kind of a table row (KeyError for a row that is not translatable)."""
    return BY_MODEL[type(row)].kind


async def translations_of(
    *, session: AsyncSession, viewer: Viewer, keys: Sequence[SubjectKey]
) -> dict[SubjectKey, list[Translation]]:
    """Every translation of each subject the viewer may see, in one statement (checking only
    the kinds asked for: each kind's rule is a subquery on its table)."""
    statement = _translations_statement(viewer, frozenset(kind for kind, _ in keys))
    rows = await session.exec(statement, params={"subject_ids": list({i for _, i in keys})})
    found: dict[SubjectKey, list[Translation]] = {k: [] for k in keys}
    for row in rows.all():
        key = (row.subject_kind, row.subject_id)
        if key in found:
            found[key].append(row)
    return found


@lru_cache(maxsize=256)
def _translations_statement(viewer: Viewer, kinds: frozenset[str]) -> Any:
    """Built once per viewer and set of kinds: each kind's visibility rule is a subquery
    that costs more to build than to run."""
    return (
        select(Translation)
        .where(col(Translation.subject_id).in_(bindparam("subject_ids", expanding=True)))
        .where(col(Translation.subject_kind).in_(sorted(kinds)))
        .where(policy.translation_visible(visibility_rules(viewer, kinds)))
        .order_by(col(Translation.field), col(Translation.language))
    )


def text_in(rows: Sequence[Translation], field: str, language: str, base: str) -> str:
    """The field's text in `language`, the base (default-language) text when untranslated."""
    for row in rows:
        if row.field == field and row.language == language:
            return row.text
    return base


def missing(
    subject: Any, rows: Sequence[Translation], languages: Sequence[str], default: str
) -> list[Missing]:
    """Each (field, language) with base text but no translation: the gaps editors should fill."""
    have = {(r.field, r.language) for r in rows}
    return [
        Missing(field, language)
        for field in BY_MODEL[type(subject)].fields
        if getattr(subject, field)
        for language in languages
        if language != default and (field, language) not in have
    ]


def _labels_statement() -> Any:
    """(dimension key, name, category key, label) of a collaborative in a language, the
    default-language text where nobody translated it: built once, bound per call."""
    named, labelled = aliased(Translation), aliased(Translation)
    collaborative_id, language = bindparam("collaborative_id"), bindparam("language")

    def joined(t: Any, kind: str, field: str, subject_id: Any) -> Any:
        return and_(
            t.collaborative_id == collaborative_id,
            t.subject_kind == kind,
            t.subject_id == subject_id,
            t.field == field,
            t.language == language,
        )

    return (
        select(
            Dimension.key,
            func.coalesce(named.text, Dimension.name),
            DimensionCategory.key,
            func.coalesce(labelled.text, DimensionCategory.label),
        )
        .join(
            DimensionCategory,
            (DimensionCategory.collaborative_id == Dimension.collaborative_id)
            & (DimensionCategory.dimension_id == Dimension.id),
        )
        .outerjoin(named, joined(named, "dimension", "name", Dimension.id))
        .outerjoin(labelled, joined(labelled, "dimension_category", "label", DimensionCategory.id))
        .where(Dimension.collaborative_id == collaborative_id)
    )


_LABELS = _labels_statement()


async def labels(
    *, session: AsyncSession, collaborative_id: UUID, language: str
) -> dict[tuple[str, str], tuple[str, str]]:
    """(dimension key, category key) -> (dimension name, category label) in `language`,
    the default-language text where nobody translated it. Dimensions are public."""
    rows = await session.exec(
        _LABELS, params={"collaborative_id": collaborative_id, "language": language}
    )
    return {(d, c): (name, label) for d, name, c, label in rows.all()}


def _checked(
    collaborative: Collaborative, items: Sequence[Mapping], path: tuple[str, ...]
) -> dict[str, str]:
    """language -> text (empty: remove), or a DomainError naming every bad item."""
    problems: list[Problem] = []
    listed = {lang.lower(): lang for lang in collaborative.languages}
    chosen: dict[str, str] = {}
    for index, item in enumerate(items):
        at = (*path, str(index))
        language = listed.get(str(item.get("language", "")).strip().lower())
        text = str(item.get("text", "")).strip()
        if language is None:
            problems.append(
                Problem(
                    (*at, "language"),
                    ErrorCode.INVALID,
                    f"not a language of this collaborative ({', '.join(collaborative.languages)})",
                )
            )
        elif language == collaborative.default_language:
            problems.append(
                Problem(
                    (*at, "language"),
                    ErrorCode.INVALID,
                    f"{language} is the default language: its text is the field itself",
                )
            )
        elif language in chosen:
            problems.append(Problem((*at, "language"), ErrorCode.DUPLICATE, "given twice"))
        else:
            if text:
                try:
                    validated(TranslationBase, {"language": language, "text": text}, prefix=at)
                except DomainError as e:
                    problems.extend(e.problems)
            chosen[language] = text
    if problems:
        raise DomainError(problems)
    return chosen


async def _editable(
    session: AsyncSession, viewer: Viewer, kind: str | None, subject_id: UUID | None
) -> tuple[Subject, Any]:
    """The subject row, if the viewer may see and edit it; not found otherwise, either way."""
    subject_type = BY_KIND.get(kind or "")
    if subject_type is not None:
        visible = subject_type.visible(viewer) if subject_type.visible else None
        row = await fetch_one(session, subject_type.model, subject_id, visible)
        if row is not None and policy.can_translate(viewer, subject_type.kind, row):
            return subject_type, row
    raise not_found(("subjectId",), "translatable object")


async def set_translations(
    *,
    session: AsyncSession,
    viewer: Viewer,
    kind: str | None,
    subject_id: UUID | None,
    field: str,
    items: Sequence[Mapping[str, Any]],
) -> Any:
    """Set (or, with empty text, remove) one field's translations; returns the subject row."""
    subject_type, subject = await _editable(session, viewer, kind, subject_id)
    if field not in subject_type.fields:
        raise DomainError.single(
            ("field",), ErrorCode.INVALID, f"translatable fields: {', '.join(subject_type.fields)}"
        )
    collaborative = await session.get(Collaborative, subject.collaborative_id)
    assert collaborative is not None  # the subject's foreign key
    chosen = _checked(collaborative, items, ("translations",))
    where = (
        Translation.collaborative_id == subject.collaborative_id,
        Translation.subject_kind == subject_type.kind,
        Translation.subject_id == subject.id,
        Translation.field == field,
    )
    existing = {
        t.language: t for t in (await session.exec(select(Translation).where(*where))).all()
    }
    async with session.begin_nested():
        gone = [lang for lang, text in chosen.items() if not text and lang in existing]
        if gone:
            await session.exec(  # type: ignore[call-overload]
                delete(Translation).where(*where, col(Translation.language).in_(gone))
            )
        for language, text in chosen.items():
            if not text:
                continue
            row = existing.get(language) or Translation(
                collaborative_id=subject.collaborative_id,
                subject_kind=subject_type.kind,
                subject_id=subject.id,
                field=field,
                language=language,
                text=text,
            )
            row.text = text
            session.add(row)
        await session.flush()
    return subject


def checked_texts(
    collaborative: Collaborative, items: Sequence[Mapping], path: tuple[str, ...]
) -> dict[str, str]:
    """language -> text of one field's translations sent along with an object (as in
    setTranslations, problems named under `path`); empty texts are left out."""
    chosen = _checked(collaborative, items, path)
    return {language: text for language, text in chosen.items() if text}


async def forget_texts(
    *, session: AsyncSession, collaborative_id: UUID, kind: str, subject_ids: Sequence[UUID]
) -> None:
    """Drop the translations of rows about to go (while they still exist: the policies check
    the subject)."""
    if subject_ids:
        await session.exec(  # type: ignore[call-overload]
            delete(Translation).where(
                Translation.collaborative_id == collaborative_id,
                Translation.subject_kind == kind,
                col(Translation.subject_id).in_(subject_ids),
            )
        )


async def add_texts(
    *,
    session: AsyncSession,
    collaborative_id: UUID,
    kind: str,
    field: str,
    texts: Mapping[UUID, Mapping[str, str]],
) -> None:
    """Write one field's translations (language -> text) for new rows, by subject id."""
    session.add_all(
        Translation(
            collaborative_id=collaborative_id,
            subject_kind=kind,
            subject_id=subject_id,
            field=field,
            language=language,
            text=text,
        )
        for subject_id, by_language in texts.items()
        for language, text in by_language.items()
    )
    await session.flush()
