"""Root query fields of the analytics area."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.analytics.types import Aggregate, Disparities, DisparityReference
from schema.relay import from_global_id
from services.analytics import aggregates, equity
from services.analytics.disparity import Reference

Of = Annotated[
    strawberry.ID, strawberry.argument(description="A SharedMeasure's or an Indicator's id.")
]


def subject_ids(of: str) -> tuple[UUID | None, UUID | None]:
    """(shared measure id, indicator id) named by a global id; neither for anything else."""
    decoded = from_global_id(of)
    if decoded is None:
        return None, None
    type_name, raw = decoded
    return (
        raw if type_name == "SharedMeasure" else None,
        raw if type_name == "Indicator" else None,
    )


async def resolve_aggregate(
    info: Info[Context, None],
    of: Of,
    from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    to: date | None = None,
    by: Annotated[
        list[str] | None,
        strawberry.argument(description="Dimension keys: [] (default) for the totals."),
    ] = None,
    as_of: Annotated[
        datetime | None,
        strawberry.argument(
            description="Answer from the releases published by then (default: now): an "
            "earlier release of a period is still there to read."
        ),
    ] = None,
) -> Aggregate | None:
    ctx = info.context
    shared_measure_id, indicator_id = subject_ids(of)
    result = await aggregates.aggregate(
        session=ctx.session,
        viewer=ctx.viewer,
        shared_measure_id=shared_measure_id,
        indicator_id=indicator_id,
        start=from_,
        end=to,
        by=by or [],
        as_of=as_of,
    )
    labels = await ctx.loaders.labels.load(result.subject.collaborative_id)
    return Aggregate.of(result, labels)


async def resolve_disparities(
    info: Info[Context, None],
    of: Of,
    by: Annotated[str, strawberry.argument(description="The dimension's key.")],
    period: Annotated[
        date | None, strawberry.argument(description="Default: the latest with a shown group.")
    ] = None,
    reference: DisparityReference = Reference.BEST,  # type: ignore[valid-type]
    category: Annotated[
        str | None, strawberry.argument(description="The reference group, with CATEGORY.")
    ] = None,
) -> Disparities | None:
    ctx = info.context
    shared_measure_id, indicator_id = subject_ids(of)
    view = await equity.equity_view(
        session=ctx.session,
        viewer=ctx.viewer,
        shared_measure_id=shared_measure_id,
        indicator_id=indicator_id,
        by=by,
        period=period,
        reference=reference,
        category=category,
    )
    labels = await ctx.loaders.labels.load(view.subject.collaborative_id)
    return Disparities.of(view, labels)
