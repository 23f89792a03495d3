"""Reading collaboratives (their profile is public) and keeping their settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives.models import Collaborative, CollaborativeBase
from services.crud import fetch_one, merged, update
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.translations.languages import is_language_tag
from services.validation import validated
from services.viewer import Viewer


async def get_by_slug(*, session: AsyncSession, slug: str) -> Collaborative | None:
    """The collaborative with this slug, or None."""
    result = await session.exec(select(Collaborative).where(Collaborative.slug == slug))
    return result.first()


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


MAX_LANGUAGES = 12


async def update_settings(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    data: Mapping[str, Any],
) -> Collaborative:
    """The backbone keeps the table's profile, languages, time zone and reporting deadline.

    The default language is not changed here: the base texts of everything are written in
    it. The suppression settings and the ratification rule are not either: the first
    protects partners, the second changes only by a ratified proposal.
    """
    collaborative = await fetch_one(session, Collaborative, collaborative_id)
    if collaborative is None:
        raise not_found(("id",), "collaborative")
    if not policy.can_steward_agenda(viewer, collaborative.id):
        raise DomainError.single(
            ("id",), ErrorCode.FORBIDDEN, "the backbone keeps the collaborative's settings"
        )
    changes = validated(CollaborativeUpdate, data).model_dump(exclude_unset=True)
    merged(collaborative, changes, CollaborativeBase, required=("name", "languages", "time_zone"))
    if "languages" in changes:
        changes["languages"] = _languages(changes["languages"], collaborative.default_language)
    if "time_zone" in changes:
        _check_time_zone(changes["time_zone"])
    await update(session, collaborative, changes)
    return collaborative


def _languages(languages: list[str], default: str) -> list[str]:
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


def _check_time_zone(name: str) -> None:
    """An IANA zone name: ZoneInfo alone also loads files such as `localtime` (the server's
    own zone, which another host may lack, failing every later `today`)."""
    if name not in _zone_names():
        raise DomainError.single(
            ("timeZone",), ErrorCode.INVALID, "not a time zone name, e.g. America/Chicago"
        )


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - {"localtime"}  # listed where /usr/share has it
