"""Shared measures: definitions ratified by the collaborative so partners report alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.crud import fetch_one, get_visible, merged, save, update
from services.errors import DomainError, ErrorCode, not_found
from services.measures.models import (
    Aggregation,
    SharedMeasure,
    SharedMeasureBase,
    SharedMeasureStatus,
)
from services.measures.units import Direction, Unit
from services.pagination import Listing
from services.periods import Granularity
from services.validation import validated
from services.viewer import Viewer


class SharedMeasureUpdate(SQLModel):
    name: str | None = None
    definition: str | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    numerator_definition: str | None = None
    denominator_definition: str | None = None
    aggregation: Aggregation | None = None
    granularity: Granularity | None = None
    status: SharedMeasureStatus | None = None


_DUPLICATE = {"uq_shared_measure_collaborative_id_name": ("name", "a shared measure has this name")}
REQUIRED = (
    "name",
    "definition",
    "numerator_definition",
    "denominator_definition",
    "unit",
    "direction",
    "aggregation",
    "granularity",
    "status",
)


def shared_measures_in(
    *, viewer: Viewer, collaborative_id: UUID, statuses: Sequence[SharedMeasureStatus] = ()
) -> Listing:
    """The collaborative's shared measures the viewer may see (proposals: members), by name."""
    statement = select(SharedMeasure).where(
        SharedMeasure.collaborative_id == collaborative_id, policy.shared_measure_visible(viewer)
    )
    if statuses:
        statement = statement.where(col(SharedMeasure.status).in_(statuses))
    return Listing(statement, (SharedMeasure.name, SharedMeasure.id))  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, SharedMeasure]:
    return await get_visible(session, SharedMeasure, ids, policy.shared_measure_visible(viewer))


def _require_backbone(viewer: Viewer, collaborative_id: UUID) -> None:
    if not policy.can_steward_agenda(viewer, collaborative_id):
        raise DomainError.single(
            ("collaborativeId",), ErrorCode.FORBIDDEN, "only the backbone keeps shared measures"
        )


async def create_shared_measure(
    *, session: AsyncSession, viewer: Viewer, collaborative_id: UUID | None, data: Mapping[str, Any]
) -> SharedMeasure:
    if collaborative_id is None:
        raise not_found(("collaborativeId",), "collaborative")
    _require_backbone(viewer, collaborative_id)
    return await insert_shared_measure(
        session=session, collaborative_id=collaborative_id, data=data
    )


async def insert_shared_measure(
    *, session: AsyncSession, collaborative_id: UUID, data: Mapping[str, Any]
) -> SharedMeasure:
    """Validate and write a shared measure; the caller has checked who may."""
    shared = SharedMeasure(
        collaborative_id=collaborative_id, **validated(SharedMeasureBase, data).model_dump()
    )
    await save(session, shared, duplicates=_DUPLICATE)
    return shared


def validated_changes(shared: SharedMeasure, data: Mapping[str, Any]) -> dict[str, Any]:
    """The changes `data` asks of `shared`, checked as a whole; nothing is touched."""
    changes = validated(SharedMeasureUpdate, data).model_dump(exclude_unset=True)
    merged(shared, changes, SharedMeasureBase, required=REQUIRED)
    return changes


async def apply_changes(
    *, session: AsyncSession, shared: SharedMeasure, changes: Mapping[str, Any]
) -> None:
    """Write already validated changes (see `validated_changes`)."""
    await update(session, shared, changes, duplicates=_DUPLICATE)


async def update_shared_measure(
    *,
    session: AsyncSession,
    viewer: Viewer,
    shared_measure_id: UUID | None,
    data: Mapping[str, Any],
) -> SharedMeasure:
    shared = await fetch_one(
        session, SharedMeasure, shared_measure_id, policy.shared_measure_visible(viewer)
    )
    if shared is None:
        raise not_found(("id",), "shared measure")
    _require_backbone(viewer, shared.collaborative_id)
    changes = validated_changes(shared, data)
    ratifying = changes.get("status") == SharedMeasureStatus.RATIFIED
    if ratifying and shared.status != SharedMeasureStatus.RATIFIED:
        raise DomainError.single(
            ("status",), ErrorCode.FORBIDDEN, "ratification is by vote: propose it instead"
        )
    await apply_changes(session=session, shared=shared, changes=changes)
    return shared
