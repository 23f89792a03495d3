"""Reading and keeping population indicators (the backbone stewards them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlmodel import SQLModel, col, delete, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.agenda.models import Result
from services.crud import fetch_one, get_visible, merged, save, update
from services.dimensions import service as dimensions
from services.errors import DomainError, ErrorCode, not_found
from services.indicators.models import (
    Indicator,
    IndicatorBase,
    IndicatorDimension,
    IndicatorKind,
    IndicatorStatus,
)
from services.measures.units import Direction, Unit
from services.pagination import Listing
from services.partners.models import ProfileVisibility
from services.periods import Granularity, expected_start, starts_a_period
from services.validation import BoundedDate, BoundedFloat, camel, validated
from services.viewer import Viewer


class IndicatorUpdate(SQLModel):
    name: str | None = None
    definition: str | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    kind: IndicatorKind | None = None
    data_source: str | None = None
    granularity: Granularity | None = None
    baseline_period_start: BoundedDate | None = None
    baseline_value: BoundedFloat | None = None
    visibility: ProfileVisibility | None = None
    status: IndicatorStatus | None = None


_DUPLICATE = {"uq_indicator_collaborative_id_name": ("name", "an indicator has this name")}
REQUIRED = (
    "name",
    "definition",
    "data_source",
    "unit",
    "direction",
    "kind",
    "granularity",
    "visibility",
    "status",
)


def visible_in(
    *,
    viewer: Viewer,
    collaborative_id: UUID,
    result_ids: Sequence[UUID] = (),
    statuses: Sequence[IndicatorStatus] = (),
    text: str | None = None,
) -> Listing:
    """The indicators the viewer may see, filtered, by name."""
    statement = select(Indicator).where(
        Indicator.collaborative_id == collaborative_id, policy.indicator_visible(viewer)
    )
    if result_ids:
        statement = statement.where(col(Indicator.result_id).in_(result_ids))
    if statuses:
        statement = statement.where(col(Indicator.status).in_(statuses))
    if text:
        pattern = f"%{text}%"
        statement = statement.where(
            or_(col(Indicator.name).ilike(pattern), col(Indicator.definition).ilike(pattern))
        )
    return Listing(statement, (Indicator.name, Indicator.id))  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, Indicator]:
    return await get_visible(session, Indicator, ids, policy.indicator_visible(viewer))


def dimension_ids_query(indicator_id: UUID) -> Any:
    """The dimension ids of one indicator, as a subquery (to read with what it names)."""
    return select(IndicatorDimension.dimension_id).where(
        IndicatorDimension.indicator_id == indicator_id
    )


async def dimension_ids_of(
    *, session: AsyncSession, indicator_ids: Sequence[UUID]
) -> dict[UUID, list[UUID]]:
    rows = await session.exec(
        select(IndicatorDimension).where(col(IndicatorDimension.indicator_id).in_(indicator_ids))
    )
    grouped: dict[UUID, list[UUID]] = {i: [] for i in indicator_ids}
    for link in rows.all():
        grouped[link.indicator_id].append(link.dimension_id)
    return grouped


def _check_baseline(indicator: IndicatorBase) -> None:
    start = indicator.baseline_period_start
    if start is not None and not starts_a_period(indicator.granularity, start):
        raise DomainError.single(
            ("baseline", "periodStart"),
            ErrorCode.INVALID,
            f"must be {expected_start(indicator.granularity)} for this granularity",
        )
    if (start is None) != (indicator.baseline_value is None):
        raise DomainError.single(
            ("baseline",), ErrorCode.REQUIRED, "a baseline needs both a period and a value"
        )


async def create_indicator(
    *,
    session: AsyncSession,
    viewer: Viewer,
    result_id: UUID | None,
    data: Mapping[str, Any],
    dimension_ids: Sequence[UUID | None],
) -> Indicator:
    """A proposed indicator for a result; ratification is the community's (see governance)."""
    result = await fetch_one(session, Result, result_id)
    if result is None:
        raise not_found(("resultId",), "result")
    if not policy.can_steward_agenda(viewer, result.collaborative_id):
        raise DomainError.single(
            ("resultId",), ErrorCode.FORBIDDEN, "only the backbone stewards indicators"
        )
    return await insert_indicator(
        session=session, result=result, data=data, dimension_ids=dimension_ids
    )


async def insert_indicator(
    *,
    session: AsyncSession,
    result: Result,
    data: Mapping[str, Any],
    dimension_ids: Sequence[UUID | None],
) -> Indicator:
    """Validate and write an indicator of `result`; the caller has checked who may."""
    indicator = Indicator(
        collaborative_id=result.collaborative_id,
        result_id=result.id,
        **validated(IndicatorBase, data).model_dump(),
    )
    _check_baseline(indicator)
    dims = await dimensions.resolve_dimension_ids(
        session=session,
        collaborative_id=result.collaborative_id,
        ids=dimension_ids,
        field="dimensionIds",
    )
    await save(session, indicator, duplicates=_DUPLICATE)
    await save(session, *_links(indicator, dims))
    return indicator


# What an indicator counts: changing one of these once ratified makes a new version
# (see services/governance), whose values are not comparable with the earlier ones.
DEFINITIONAL = ("definition", "unit", "granularity", "data_source")
# Statuses only a ratifying vote gives (see services/governance).
VOTED_STATUSES = (IndicatorStatus.RATIFIED, IndicatorStatus.DATA_DEVELOPMENT)


def validated_changes(indicator: Indicator, data: Mapping[str, Any]) -> dict[str, Any]:
    """The changes `data` asks of `indicator`, checked as a whole; nothing is touched."""
    changes = validated(IndicatorUpdate, data).model_dump(exclude_unset=True)
    _check_baseline(merged(indicator, changes, IndicatorBase, required=REQUIRED))
    return changes


def _check_stewardship(indicator: Indicator, changes: Mapping[str, Any]) -> None:
    """The backbone keeps indicators, but ratifying and redefining them is the community's."""
    if changes.get("status") in VOTED_STATUSES and changes["status"] != indicator.status:
        raise DomainError.single(
            ("status",), ErrorCode.FORBIDDEN, "ratification is by vote: propose it instead"
        )
    if indicator.status in VOTED_STATUSES:
        for name in DEFINITIONAL:
            if name in changes and changes[name] != getattr(indicator, name):
                raise DomainError.single(
                    (camel(name),),
                    ErrorCode.FORBIDDEN,
                    "a ratified indicator's definition changes by proposal (a new version)",
                )


async def update_indicator(
    *,
    session: AsyncSession,
    viewer: Viewer,
    indicator_id: UUID | None,
    data: Mapping[str, Any],
    dimension_ids: Sequence[UUID | None] | None,
) -> Indicator:
    indicator = await fetch_one(session, Indicator, indicator_id, policy.indicator_visible(viewer))
    if indicator is None or not policy.can_steward_agenda(viewer, indicator.collaborative_id):
        raise not_found(("id",), "indicator")
    changes = validated_changes(indicator, data)
    _check_stewardship(indicator, changes)
    dims = None
    if dimension_ids is not None:
        dims = await dimensions.resolve_dimension_ids(
            session=session,
            collaborative_id=indicator.collaborative_id,
            ids=dimension_ids,
            field="dimensionIds",
        )
    await apply_changes(session=session, indicator=indicator, changes=changes)
    if dims is not None:
        await session.exec(  # type: ignore[call-overload]
            delete(IndicatorDimension).where(
                IndicatorDimension.collaborative_id == indicator.collaborative_id,
                IndicatorDimension.indicator_id == indicator.id,
            )
        )
        await save(session, *_links(indicator, dims))
    await session.refresh(indicator)
    return indicator


async def apply_changes(
    *, session: AsyncSession, indicator: Indicator, changes: Mapping[str, Any]
) -> None:
    """Write already validated changes (see `validated_changes`)."""
    await update(session, indicator, changes, duplicates=_DUPLICATE)


def _links(indicator: Indicator, dimension_ids: Sequence[UUID]) -> list[IndicatorDimension]:
    return [
        IndicatorDimension(
            collaborative_id=indicator.collaborative_id, indicator_id=indicator.id, dimension_id=d
        )
        for d in dimension_ids
    ]


async def of_results(
    *, session: AsyncSession, viewer: Viewer, result_ids: Sequence[UUID]
) -> dict[UUID, list[Indicator]]:
    """The visible indicators of each result, by name."""
    statement = (
        select(Indicator)
        .where(col(Indicator.result_id).in_(result_ids), policy.indicator_visible(viewer))
        .order_by(col(Indicator.name))
    )
    grouped: dict[UUID, list[Indicator]] = {i: [] for i in result_ids}
    for indicator in (await session.exec(statement)).all():
        grouped[indicator.result_id].append(indicator)
    return grouped
