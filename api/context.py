"""The per-request context handed to every resolver: request, viewer, session, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from api.settings import Settings
from services.collaboratives import service as collaboratives
from services.collaboratives.models import Collaborative
from services.partners import service as partners
from services.partners.models import Partner, PartnerContact
from services.viewer import Viewer


@dataclass
class Loaders:
    """DataLoaders of one request: their caches must never outlive it."""

    collaborative: DataLoader[UUID, Collaborative | None]
    partner: DataLoader[UUID, Partner | None]
    partner_contact: DataLoader[Partner, PartnerContact | None]

    @classmethod
    def build(cls, session: AsyncSession, viewer: Viewer) -> Loaders:
        async def load_collaboratives(ids: list[UUID]) -> list[Collaborative | None]:
            found = await collaboratives.get_many(session=session, ids=ids)
            return [found.get(i) for i in ids]

        async def load_partners(ids: list[UUID]) -> list[Partner | None]:
            found = await partners.get_many(session=session, viewer=viewer, ids=ids)
            return [found.get(i) for i in ids]

        async def load_contacts(keys: list[Partner]) -> list[PartnerContact | None]:
            found = await partners.contacts_of(session=session, viewer=viewer, partners=keys)
            return [found.get(p.id) for p in keys]

        return cls(
            collaborative=DataLoader(load_collaboratives),
            partner=DataLoader(load_partners),
            partner_contact=DataLoader(load_contacts, cache_key_fn=lambda p: p.id),
        )


@dataclass
class Context:
    request: Request
    response: Any
    settings: Settings
    viewer: Viewer
    session: AsyncSession
    loaders: Loaders
    request_id: str = field(default_factory=lambda: uuid4().hex)
