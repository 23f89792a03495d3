"""Founding a collaborative: an instance admin (or an operator) creates it, with its backbone
organization, and invites its first backbone stewards. Nobody else is in it yet, so its
rules start at the defaults (a weaker one needs a vote of members it does not have yet)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives.models import Collaborative
from services.collaboratives.service import check_time_zone, checked_languages
from services.crud import save
from services.errors import DomainError, ErrorCode, Problem
from services.invitations import service as invitations
from services.invitations.emails import checked_email
from services.invitations.models import InvitationRole
from services.partners.models import Partner, PartnerKind
from services.validation import validated
from services.viewer import Viewer

MAX_STEWARDS = 10
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # as the table's own check


class CollaborativeCreate(SQLModel):
    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    languages: list[str] = Field(default_factory=lambda: ["en"])
    default_language: str = Field(default="en", max_length=16)
    time_zone: str = Field(default="UTC", max_length=64)
    backbone_name: str = Field(min_length=1, max_length=200)


@dataclass(frozen=True, slots=True)
class Founded:
    collaborative: Collaborative
    backbone: Partner
    invitations: list[invitations.Issued]


async def found(
    *,
    session: AsyncSession,
    viewer: Viewer,
    data: Mapping[str, Any],
    steward_emails: Sequence[str],
    default_days: int = 7,
) -> Founded:
    """Create a collaborative and its backbone, and invite its first backbone stewards."""
    if not policy.can_create_collaborative(viewer):
        raise DomainError.single(
            ("slug",), ErrorCode.FORBIDDEN, "instance admins create collaboratives"
        )
    fields = validated(CollaborativeCreate, data)
    if not SLUG.fullmatch(fields.slug):
        raise DomainError.single(
            ("slug",), ErrorCode.INVALID, "lower-case letters, digits and dashes, e.g. east-side"
        )
    default = fields.default_language.strip().lower()
    languages = checked_languages(fields.languages, default)
    check_time_zone(fields.time_zone)
    emails = _steward_emails(steward_emails)
    async with session.begin_nested():  # the collaborative, its backbone and invitations, or none
        collaborative = Collaborative(
            slug=fields.slug,
            name=fields.name,
            description=fields.description,
            languages=languages,
            default_language=default,
            time_zone=fields.time_zone,
        )
        await save(
            session,
            collaborative,
            duplicates={"uq_collaborative_slug": ("slug", f"the slug '{fields.slug}' is taken")},
        )
        backbone = Partner(
            collaborative_id=collaborative.id, name=fields.backbone_name, kind=PartnerKind.BACKBONE
        )
        await save(session, backbone)
        issued = [
            await invitations.invite(
                session=session,
                viewer=viewer,
                collaborative_id=collaborative.id,
                email=email,
                role=InvitationRole.BACKBONE_STEWARD,
                partner_id=backbone.id,
                default_days=default_days,
            )
            for email in emails
        ]
    return Founded(collaborative, backbone, issued)


def _steward_emails(raw: Sequence[str]) -> list[str]:
    if not raw:
        raise DomainError.single(
            ("stewardEmails",), ErrorCode.REQUIRED, "name at least one first backbone steward"
        )
    if len(raw) > MAX_STEWARDS:
        raise DomainError.single(
            ("stewardEmails",), ErrorCode.OUT_OF_RANGE, f"at most {MAX_STEWARDS}"
        )
    problems: list[Problem] = []
    emails: list[str] = []
    for i, email in enumerate(raw):
        try:
            address = checked_email(email, ("stewardEmails", str(i)))
        except DomainError as e:
            problems.extend(e.problems)
            continue
        if address in emails:
            problems.append(Problem(("stewardEmails", str(i)), ErrorCode.DUPLICATE, "given twice"))
        emails.append(address)
    if problems:
        raise DomainError(problems)
    return emails
