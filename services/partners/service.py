"""Listing, creating and changing partners, under services/policy.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.collaboratives.models import Collaborative
from services.errors import DomainError, ErrorCode
from services.pagination import Listing
from services.partners import errors
from services.partners.models import (
    Partner,
    PartnerBase,
    PartnerContact,
    PartnerContactBase,
    PartnerKind,
    ProfileVisibility,
)
from services.validation import validated
from services.viewer import Viewer


class PartnerUpdate(SQLModel):
    """The same limits as PartnerBase, so that a change is refused as a userError, not by SQL."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: PartnerKind | None = None
    description: str | None = Field(default=None, max_length=4000)
    website: str | None = Field(default=None, max_length=500)
    visibility: ProfileVisibility | None = None


class ContactInput(PartnerContactBase):
    pass


def visible_in(
    *, viewer: Viewer, collaborative_id: UUID, kinds: Sequence[PartnerKind] | None
) -> Listing:
    """A collaborative's partners that the viewer may see, by name."""
    statement = select(Partner).where(
        Partner.collaborative_id == collaborative_id, policy.partner_visible(viewer)
    )
    if kinds:
        statement = statement.where(col(Partner.kind).in_(kinds))
    return Listing(statement, (Partner.name, Partner.id))  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, Partner]:
    """Visible partners by id; invisible and unknown ids are simply absent."""
    statement = select(Partner).where(col(Partner.id).in_(ids), policy.partner_visible(viewer))
    return {p.id: p for p in (await session.exec(statement)).all()}


async def contacts_of(
    *, session: AsyncSession, viewer: Viewer, partners: Sequence[Partner]
) -> dict[UUID, PartnerContact]:
    """Contact details of those partners whose contacts the viewer may read."""
    readable = [p.id for p in partners if policy.can_read_partner_contact(viewer, p)]
    if not readable:
        return {}
    statement = select(PartnerContact).where(col(PartnerContact.partner_id).in_(readable))
    return {c.partner_id: c for c in (await session.exec(statement)).all()}


async def create_partner(
    *,
    session: AsyncSession,
    viewer: Viewer,
    collaborative_id: UUID | None,
    data: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
) -> Partner:
    """Bring a partner into a collaborative (backbone only); all or nothing."""
    collaborative = await session.get(Collaborative, collaborative_id) if collaborative_id else None
    if collaborative is None:
        raise errors.collaborative_not_found()
    if not policy.can_create_partner(viewer, collaborative.id):
        raise errors.not_backbone()
    fields = validated(PartnerBase, data)
    contact_fields = validated(ContactInput, contact, prefix=("contact",)) if contact else None
    partner = Partner(collaborative_id=collaborative.id, **fields.model_dump())
    await _write(session, partner, contact_fields)
    return partner


async def update_partner(
    *,
    session: AsyncSession,
    viewer: Viewer,
    partner_id: UUID | None,
    data: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
) -> Partner:
    """Change a partner's profile (its stewards, or the backbone except for visibility)."""
    partner = (
        (await get_many(session=session, viewer=viewer, ids=[partner_id])).get(
            partner_id  # type: ignore[arg-type]
        )
        if partner_id
        else None
    )
    if partner is None or not policy.can_update_partner(viewer, partner):
        raise errors.partner_not_found()
    changes = validated(PartnerUpdate, data).model_dump(exclude_unset=True)
    for required in ("name", "kind", "description", "visibility"):
        if required in changes and changes[required] is None:
            raise DomainError.single((required,), ErrorCode.REQUIRED, "must not be null")
    if changes.get("visibility") not in (
        None,
        partner.visibility,
    ) and not policy.can_change_partner_visibility(viewer, partner):
        raise errors.visibility_not_yours()
    contact_fields = validated(ContactInput, contact, prefix=("contact",)) if contact else None
    await _write(session, partner, contact_fields, contact_keys=set(contact or ()), changes=changes)
    return partner


async def _write(
    session: AsyncSession,
    partner: Partner,
    contact: ContactInput | None,
    contact_keys: set[str] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Flush the partner and its contact in a savepoint: a duplicate leaves nothing behind."""
    name = (changes or {}).get("name", partner.name)
    try:
        async with session.begin_nested():
            # Changed only inside the savepoint: begin_nested() first flushes what is pending,
            # outside it, and a duplicate failing there would break the whole transaction.
            for field, value in (changes or {}).items():
                setattr(partner, field, value)
            session.add(partner)
            await session.flush()
            if contact is not None:
                await _upsert_contact(session, partner, contact, contact_keys)
    except IntegrityError as e:
        if "uq_partner_collaborative_id_name" in str(e.orig):
            raise errors.duplicate_name(name) from e
        raise
    await session.refresh(partner)


async def _upsert_contact(
    session: AsyncSession, partner: Partner, contact: ContactInput, keys: set[str] | None
) -> None:
    existing = await session.get(PartnerContact, (partner.collaborative_id, partner.id))
    values = contact.model_dump(include=keys) if keys else contact.model_dump()
    if existing is None:
        session.add(
            PartnerContact(
                collaborative_id=partner.collaborative_id, partner_id=partner.id, **values
            )
        )
    else:
        for name, value in values.items():
            setattr(existing, name, value)
    await session.flush()
