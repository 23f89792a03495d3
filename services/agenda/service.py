"""Reading and keeping the common agenda: domains and results (kept by the backbone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.agenda.models import Domain, DomainBase, Result, ResultBase
from services.crud import fetch_one, get_visible, merged, save, update
from services.errors import DomainError, ErrorCode, not_found
from services.pagination import Listing
from services.validation import validated
from services.viewer import Viewer


class DomainUpdate(SQLModel):
    name: str | None = None
    description: str | None = None


class ResultUpdate(SQLModel):
    statement: str | None = None
    description: str | None = None
    domain_id: Any = None


def _require_backbone(viewer: Viewer, collaborative_id: UUID) -> None:
    if not policy.can_steward_agenda(viewer, collaborative_id):
        raise DomainError.single(
            ("collaborativeId",), ErrorCode.FORBIDDEN, "only the backbone keeps the common agenda"
        )


async def list_domains(*, session: AsyncSession, collaborative_id: UUID) -> list[Domain]:
    statement = (
        select(Domain).where(Domain.collaborative_id == collaborative_id).order_by(col(Domain.name))
    )
    return list((await session.exec(statement)).all())


def results_in(*, collaborative_id: UUID, domain_ids: Sequence[UUID] = ()) -> Listing:
    """The collaborative's results, by statement (the common agenda is public)."""
    statement = select(Result).where(Result.collaborative_id == collaborative_id)
    if domain_ids:
        statement = statement.where(col(Result.domain_id).in_(domain_ids))
    return Listing(statement, (Result.statement, Result.id))  # type: ignore[arg-type]


async def results_of_domains(
    *, session: AsyncSession, domain_ids: Sequence[UUID]
) -> dict[UUID, list[Result]]:
    statement = (
        select(Result).where(col(Result.domain_id).in_(domain_ids)).order_by(col(Result.statement))
    )
    grouped: dict[UUID, list[Result]] = {i: [] for i in domain_ids}
    for result in (await session.exec(statement)).all():
        grouped[result.domain_id].append(result)
    return grouped


async def get_domains(*, session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Domain]:
    return await get_visible(session, Domain, ids)


async def get_results(*, session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Result]:
    return await get_visible(session, Result, ids)


async def create_domain(
    *, session: AsyncSession, viewer: Viewer, collaborative_id: UUID | None, data: Mapping[str, Any]
) -> Domain:
    if collaborative_id is None:
        raise not_found(("collaborativeId",), "collaborative")
    _require_backbone(viewer, collaborative_id)
    domain = Domain(collaborative_id=collaborative_id, **validated(DomainBase, data).model_dump())
    await save(session, domain, duplicates=_DOMAIN_DUPLICATE)
    return domain


async def update_domain(
    *, session: AsyncSession, viewer: Viewer, domain_id: UUID | None, data: Mapping[str, Any]
) -> Domain:
    domain = await fetch_one(session, Domain, domain_id)
    if domain is None:
        raise not_found(("id",), "domain")
    _require_backbone(viewer, domain.collaborative_id)
    changes = validated(DomainUpdate, data).model_dump(exclude_unset=True)
    merged(domain, changes, DomainBase, required=("name", "description"))
    await update(session, domain, changes, duplicates=_DOMAIN_DUPLICATE)
    return domain


async def create_result(
    *, session: AsyncSession, viewer: Viewer, domain_id: UUID | None, data: Mapping[str, Any]
) -> Result:
    domain = (
        (await get_domains(session=session, ids=[domain_id])).get(domain_id) if domain_id else None
    )  # type: ignore[arg-type]
    if domain is None:
        raise not_found(("domainId",), "domain")
    _require_backbone(viewer, domain.collaborative_id)
    result = Result(
        collaborative_id=domain.collaborative_id,
        domain_id=domain.id,
        **validated(ResultBase, data).model_dump(),
    )
    await save(session, result)
    return result


async def update_result(
    *, session: AsyncSession, viewer: Viewer, result_id: UUID | None, data: Mapping[str, Any]
) -> Result:
    result = await fetch_one(session, Result, result_id)
    if result is None:
        raise not_found(("id",), "result")
    _require_backbone(viewer, result.collaborative_id)
    changes = validated(ResultUpdate, data).model_dump(exclude_unset=True)
    merged(result, changes, ResultBase, required=("statement", "description", "domain_id"))
    if "domain_id" in changes:
        domain = await fetch_one(session, Domain, changes["domain_id"])
        if domain is None or domain.collaborative_id != result.collaborative_id:
            raise not_found(("domainId",), "domain")
    await update(session, result, changes)
    return result


_DOMAIN_DUPLICATE = {"uq_domain_collaborative_id_name": ("name", "a domain has this name")}
