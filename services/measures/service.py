"""Partners' performance measures: defined, changed and listed under services/policy.py.

Only the owning partner's people define and change a measure. Who sees it is the owner's
choice; every change of that choice is recorded by the database (see migration 0002).
"""

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
from services.indicators.models import Indicator
from services.measures.models import (
    MeasureBase,
    MeasureContribution,
    MeasureDimension,
    MeasureVisibilityChange,
    PerformanceMeasure,
    Quadrant,
    SharedMeasure,
)
from services.measures.units import Direction, Unit
from services.pagination import Listing
from services.partners.models import Partner
from services.periods import Granularity
from services.validation import camel, validated
from services.viewer import Viewer
from services.visibility import Visibility


class MeasureUpdate(SQLModel):
    name: str | None = None
    description: str | None = None
    quadrant: Quadrant | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    granularity: Granularity | None = None
    visibility: Visibility | None = None
    share_in_aggregates: bool | None = None


# Who sees a measure and whether it counts in aggregates: its stewards' choices alone.
STEWARDS_CHOICES = ("visibility", "share_in_aggregates")

REQUIRED = (
    "name",
    "quadrant",
    "unit",
    "direction",
    "granularity",
    "visibility",
    "share_in_aggregates",
)
_DUPLICATE = {
    "uq_performance_measure_collaborative_id_partner_id_name": (
        "name",
        "this partner already has a measure with this name",
    )
}


def visible_in(
    *,
    viewer: Viewer,
    collaborative_id: UUID,
    partner_ids: Sequence[UUID] = (),
    quadrants: Sequence[Quadrant] = (),
    result_ids: Sequence[UUID] = (),
    visibilities: Sequence[Visibility] = (),
    text: str | None = None,
) -> Listing:
    """The measures the viewer may see, filtered, by name."""
    statement = select(PerformanceMeasure).where(
        PerformanceMeasure.collaborative_id == collaborative_id, policy.measure_visible(viewer)
    )
    if partner_ids:
        statement = statement.where(col(PerformanceMeasure.partner_id).in_(partner_ids))
    if quadrants:
        statement = statement.where(col(PerformanceMeasure.quadrant).in_(quadrants))
    if visibilities:
        statement = statement.where(col(PerformanceMeasure.visibility).in_(visibilities))
    if result_ids:
        contributing = select(MeasureContribution.measure_id).where(
            col(MeasureContribution.result_id).in_(result_ids)
        )
        statement = statement.where(col(PerformanceMeasure.id).in_(contributing))
    if text:
        pattern = f"%{text}%"
        statement = statement.where(
            or_(
                col(PerformanceMeasure.name).ilike(pattern),
                col(PerformanceMeasure.description).ilike(pattern),
            )
        )
    return Listing(statement, (PerformanceMeasure.name, PerformanceMeasure.id))  # type: ignore[arg-type]


async def get_many(
    *, session: AsyncSession, viewer: Viewer, ids: Sequence[UUID]
) -> dict[UUID, PerformanceMeasure]:
    return await get_visible(session, PerformanceMeasure, ids, policy.measure_visible(viewer))


def dimension_ids_query(measure_id: UUID) -> Any:
    """The dimension ids of one measure, as a subquery (to read with what it names)."""
    return select(MeasureDimension.dimension_id).where(MeasureDimension.measure_id == measure_id)


async def dimension_ids_of(
    *, session: AsyncSession, measure_ids: Sequence[UUID]
) -> dict[UUID, list[UUID]]:
    rows = await session.exec(
        select(MeasureDimension).where(col(MeasureDimension.measure_id).in_(measure_ids))
    )
    grouped: dict[UUID, list[UUID]] = {i: [] for i in measure_ids}
    for link in rows.all():
        grouped[link.measure_id].append(link.dimension_id)
    return grouped


async def contributions_of(
    *, session: AsyncSession, measure_ids: Sequence[UUID]
) -> dict[UUID, list[MeasureContribution]]:
    rows = await session.exec(
        select(MeasureContribution).where(col(MeasureContribution.measure_id).in_(measure_ids))
    )
    grouped: dict[UUID, list[MeasureContribution]] = {i: [] for i in measure_ids}
    for link in rows.all():
        grouped[link.measure_id].append(link)
    return grouped


async def visibility_changes_of(
    *, session: AsyncSession, measure_ids: Sequence[UUID]
) -> dict[UUID, list[MeasureVisibilityChange]]:
    """The record of who-may-see changes; row-level security shows it to owners only."""
    statement = (
        select(MeasureVisibilityChange)
        .where(col(MeasureVisibilityChange.measure_id).in_(measure_ids))
        .order_by(col(MeasureVisibilityChange.changed_at))
    )
    grouped: dict[UUID, list[MeasureVisibilityChange]] = {i: [] for i in measure_ids}
    for change in (await session.exec(statement)).all():
        grouped[change.measure_id].append(change)
    return grouped


async def create_measure(
    *,
    session: AsyncSession,
    viewer: Viewer,
    partner_id: UUID | None,
    data: Mapping[str, Any],
    links: Mapping[str, Any],
) -> PerformanceMeasure:
    """A partner defines a measure of its own work."""
    partner = await fetch_one(session, Partner, partner_id, policy.partner_visible(viewer))
    if partner is None:
        raise not_found(("partnerId",), "partner")
    if not policy.can_define_measures(viewer, partner.id):
        raise DomainError.single(
            ("partnerId",), ErrorCode.FORBIDDEN, "only the partner's own people define its measures"
        )
    fields = validated(MeasureBase, data)
    defaults = {n: MeasureBase.model_fields[n].default for n in STEWARDS_CHOICES}
    _check_stewards_choices(viewer, partner.id, fields.model_dump(), defaults)
    shared_id = await _adoptable(
        session, partner.collaborative_id, fields, links.get("shared_measure_id")
    )
    measure = PerformanceMeasure(
        collaborative_id=partner.collaborative_id,
        partner_id=partner.id,
        shared_measure_id=shared_id,
        **fields.model_dump(),
    )
    resolved = await _resolve_links(session, measure.collaborative_id, links)
    await save(session, measure, duplicates=_DUPLICATE)
    await _write_links(session, measure, resolved)
    return measure


async def update_measure(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    data: Mapping[str, Any],
    links: Mapping[str, Any],
) -> PerformanceMeasure:
    """Change a measure (its owner only); a visibility change is recorded by the database.

    Everything is checked before anything is written: a refused change leaves no trace.
    """
    measure = await fetch_one(
        session, PerformanceMeasure, measure_id, policy.measure_visible(viewer)
    )
    if measure is None or not policy.can_define_measures(viewer, measure.partner_id):
        raise not_found(("id",), "measure")
    changes = validated(MeasureUpdate, data).model_dump(exclude_unset=True)
    _check_stewards_choices(viewer, measure.partner_id, changes, measure.model_dump())
    state = merged(measure, changes, MeasureBase, required=REQUIRED)
    shared_id = links.get("shared_measure_id", measure.shared_measure_id)
    changes["shared_measure_id"] = await _adoptable(
        session, measure.collaborative_id, state, shared_id
    )
    resolved = await _resolve_links(session, measure.collaborative_id, links)
    await update(session, measure, changes, duplicates=_DUPLICATE)
    await _write_links(session, measure, resolved)
    return measure


def _check_stewards_choices(
    viewer: Viewer, partner_id: UUID, asked: Mapping[str, Any], current: Mapping[str, Any]
) -> None:
    """Refuse visibility or consent other than `current` (a new measure's defaults, or what
    it is now) from anyone but the partner's stewards."""
    if policy.can_choose_measure_visibility(viewer, partner_id):
        return
    for name in STEWARDS_CHOICES:
        if name in asked and asked[name] != current[name]:
            raise DomainError.single(
                (camel(name),),
                ErrorCode.FORBIDDEN,
                "only the partner's stewards choose who sees a measure and whether it is "
                "shared in aggregates",
            )


async def _adoptable(
    session: AsyncSession, collaborative_id: UUID, measure: MeasureBase, shared_measure_id: Any
) -> UUID | None:
    """Adopting a shared measure means reporting it the same way: same unit and period."""
    if shared_measure_id is None:
        return None
    shared = await fetch_one(session, SharedMeasure, shared_measure_id)
    if shared is None or shared.collaborative_id != collaborative_id:
        raise not_found(("sharedMeasureId",), "shared measure")
    for name in ("unit", "granularity"):
        if getattr(shared, name) != getattr(measure, name):
            raise DomainError.single(
                ("sharedMeasureId",),
                ErrorCode.INVALID,
                f"the shared measure's {name} is {getattr(shared, name).value}; "
                f"this measure's is {getattr(measure, name).value}",
            )
    return shared.id


CONTRIBUTIONS = (("result_ids", Result, "result_id"), ("indicator_ids", Indicator, "indicator_id"))


async def _resolve_links(
    session: AsyncSession, collaborative_id: UUID, links: Mapping[str, Any]
) -> dict[str, list[UUID]]:
    """Check the dimension and contribution ids that were given; nothing is written."""
    resolved: dict[str, list[UUID]] = {}
    if links.get("dimension_ids") is not None:
        resolved["dimension_id"] = await dimensions.resolve_dimension_ids(
            session=session,
            collaborative_id=collaborative_id,
            ids=links["dimension_ids"],
            field="dimensionIds",
        )
    for field, model, column in CONTRIBUTIONS:
        ids = links.get(field)
        if ids is None:
            continue
        found = await get_visible(session, model, [i for i in ids if i is not None])
        for index, i in enumerate(ids):
            if i is None or i not in found or found[i].collaborative_id != collaborative_id:
                raise not_found(
                    ("contributesTo", field.replace("_ids", "Ids"), str(index)), column[:-3]
                )
        resolved[column] = list(dict.fromkeys(ids))
    return resolved


async def _write_links(
    session: AsyncSession, measure: PerformanceMeasure, resolved: Mapping[str, list[UUID]]
) -> None:
    """Replace the links that were given with the checked ids."""
    where = {"collaborative_id": measure.collaborative_id, "measure_id": measure.id}
    if "dimension_id" in resolved:
        await session.exec(delete(MeasureDimension).filter_by(**where))  # type: ignore[call-overload]
        await save(
            session, *(MeasureDimension(**where, dimension_id=d) for d in resolved["dimension_id"])
        )
    for _, _, column in CONTRIBUTIONS:
        if column not in resolved:
            continue
        await session.exec(  # type: ignore[call-overload]
            delete(MeasureContribution)
            .filter_by(**where)
            .where(col(getattr(MeasureContribution, column)).is_not(None))
        )
        await save(
            session, *(MeasureContribution(**where, **{column: i}) for i in resolved[column])
        )
