"""Reading collaboratives (their profile is public) and keeping their settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from sqlalchemy import text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives import privacy
from services.collaboratives.models import Collaborative, CollaborativeBase
from services.crud import fetch_one, merged, update
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.partners.models import Partner, PartnerKind
from services.translations.languages import is_language_tag
from services.validation import camel, validated
from services.viewer import Viewer


async def get_by_slug(*, session: AsyncSession, slug: str) -> Collaborative | None:
    """The collaborative with this slug, or None."""
    result = await session.exec(select(Collaborative).where(Collaborative.slug == slug))
    return result.first()


async def backbone_of(
    *, session: AsyncSession, collaborative: Collaborative | None
) -> Partner | None:
    """The collaborative's backbone organization (the first, should there be several)."""
    if collaborative is None:
        return None
    statement = (
        select(Partner)
        .where(Partner.collaborative_id == collaborative.id, Partner.kind == PartnerKind.BACKBONE)
        .order_by(col(Partner.created_at))
    )
    return (await session.exec(statement)).first()


async def get_many(*, session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Collaborative]:
    """Collaboratives by id, for node lookups and DataLoaders."""
    result = await session.exec(select(Collaborative).where(col(Collaborative.id).in_(ids)))
    return {c.id: c for c in result.all()}


class CollaborativeUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    languages: list[str] | None = None
    time_zone: str | None = Field(default=None, max_length=64)
    release_after_days: int | None = Field(default=None, ge=0, le=366)
    default_language: str | None = Field(default=None, max_length=16)
    min_partners: int | None = None
    min_cell: int | None = None
    max_dominance_share: float | None = None


CHANGE_DEFAULT_LANGUAGE = text("SELECT tablero_change_default_language(:c, :language)")


MAX_LANGUAGES = 12


async def update_settings(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    data: Mapping[str, Any],
) -> Collaborative:
    """The backbone keeps the table's profile, languages, default language, time zone,
    reporting deadline, and strengthens its suppression rules; all or nothing.

    A weaker suppression rule, like the ratification rule, changes only by a ratified
    proposal (services/governance/rules.py). A new default language takes every base text
    from its translations (the database swaps them, migration 0052), so every text must have
    one first. Releases read the rules when they run: a change applies from the next one.
    """
    collaborative = await fetch_one(session, Collaborative, collaborative_id)
    if collaborative is None:
        raise not_found(("id",), "collaborative")
    if not policy.can_steward_agenda(viewer, collaborative.id):
        raise DomainError.single(
            ("id",), ErrorCode.FORBIDDEN, "the backbone keeps the collaborative's settings"
        )
    changes = validated(CollaborativeUpdate, data).model_dump(exclude_unset=True)
    required = ("name", "languages", "time_zone", "default_language", *privacy.SUPPRESSION)
    merged(collaborative, changes, CollaborativeBase, required=required)
    default = str(changes.pop("default_language", collaborative.default_language)).strip().lower()
    languages = changes.get("languages", collaborative.languages)
    if "languages" in changes or default != collaborative.default_language:
        changes["languages"] = _with_default(languages, default, "languages" in changes)
    if "time_zone" in changes:
        check_time_zone(changes["time_zone"])
    _check_suppression(collaborative, changes)
    async with session.begin_nested():  # the new default language's texts, or nothing
        await update(session, collaborative, changes)
        if default != collaborative.default_language:
            await _change_default_language(session, collaborative, default)
    await session.refresh(collaborative)
    return collaborative


def _with_default(languages: list[str], default: str, given: bool) -> list[str]:
    if not given and default not in languages:
        raise DomainError.single(
            ("defaultLanguage",),
            ErrorCode.INVALID,
            f"not one of the collaborative's languages ({', '.join(languages)})",
        )
    return checked_languages(languages, default)


def _check_suppression(collaborative: Collaborative, changes: dict[str, Any]) -> None:
    problems = [
        problem
        for name in privacy.SUPPRESSION
        if name in changes
        and (problem := privacy.out_of_range(name, changes[name], (camel(name),)))
    ]
    problems = problems or privacy.weakened(collaborative, changes)
    if problems:
        raise DomainError(problems)


async def _change_default_language(
    session: AsyncSession, collaborative: Collaborative, language: str
) -> None:
    missing = await session.scalar(
        CHANGE_DEFAULT_LANGUAGE.bindparams(c=collaborative.id, language=language)
    )
    if missing:
        raise DomainError.single(
            ("defaultLanguage",),
            ErrorCode.INVALID,
            f"{missing} text(s) have no {language} translation yet: translate them first "
            "(missingTranslations lists those you may see)",
        )


def checked_languages(languages: list[str], default: str) -> list[str]:
    """Distinct language tags, lower-cased, the default language among them."""
    problems: list[Problem] = []
    seen: list[str] = []
    for i, raw in enumerate(languages):
        tag = raw.strip().lower()
        if not is_language_tag(tag):
            problems.append(Problem(("languages", str(i)), ErrorCode.INVALID, "not a language tag"))
        elif tag in seen:
            problems.append(Problem(("languages", str(i)), ErrorCode.DUPLICATE, "given twice"))
        else:
            seen.append(tag)
    if len(seen) > MAX_LANGUAGES:
        problems.append(Problem(("languages",), ErrorCode.OUT_OF_RANGE, f"at most {MAX_LANGUAGES}"))
    if not problems and default not in seen:
        problems.append(
            Problem(("languages",), ErrorCode.REQUIRED, f"must include the default, {default}")
        )
    if problems:
        raise DomainError(problems)
    return seen


def check_time_zone(name: str) -> None:
    """An IANA zone name: ZoneInfo alone also loads files such as `localtime` (the server's
    own zone, which another host may lack, failing every later `today`)."""
    if name not in _zone_names():
        raise DomainError.single(
            ("timeZone",), ErrorCode.INVALID, "not a time zone name, e.g. America/Chicago"
        )


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - {"localtime"}  # listed where /usr/share has it
