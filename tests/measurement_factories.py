"""Factories for the measurement core: dimensions, results, indicators, measures."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.agenda.models import Domain, Result
from services.dimensions.models import Dimension, DimensionCategory
from services.indicators.models import Indicator, IndicatorDimension, IndicatorStatus
from services.measures.models import (
    MeasureDimension,
    PerformanceMeasure,
    Quadrant,
    SharedMeasure,
    SharedMeasureStatus,
)
from services.measures.units import Direction, Unit
from services.observations.models import Observation
from services.periods import Granularity
from services.visibility import Visibility


async def make_dimension(
    session: AsyncSession, collaborative: Any, key: str, categories: dict[str, str]
) -> Dimension:
    dimension = Dimension(collaborative_id=collaborative.id, key=key, name=key.replace("_", " "))
    session.add(dimension)
    await session.flush()
    session.add_all(
        DimensionCategory(
            collaborative_id=collaborative.id,
            dimension_id=dimension.id,
            key=k,
            label=label,
            position=i,
        )
        for i, (k, label) in enumerate(categories.items())
    )
    await session.flush()
    return dimension


async def make_result(session: AsyncSession, collaborative: Any) -> Result:
    domain = Domain(collaborative_id=collaborative.id, name=f"Domain of {collaborative.slug}")
    session.add(domain)
    await session.flush()
    result = Result(
        collaborative_id=collaborative.id, domain_id=domain.id, statement="Children thrive"
    )
    session.add(result)
    await session.flush()
    return result


async def make_measure(
    session: AsyncSession,
    partner: Any,
    *,
    dimensions: tuple[Dimension, ...] = (),
    **overrides: Any,
) -> PerformanceMeasure:
    values = {
        "name": "Families served",
        "quadrant": Quadrant.HOW_MUCH,
        "unit": Unit.COUNT,
        "direction": Direction.HIGHER_IS_BETTER,
        "granularity": Granularity.QUARTER,
        "visibility": Visibility.PRIVATE,
        **overrides,
    }
    measure = PerformanceMeasure(
        collaborative_id=partner.collaborative_id, partner_id=partner.id, **values
    )
    session.add(measure)
    await session.flush()
    session.add_all(
        MeasureDimension(
            collaborative_id=partner.collaborative_id, measure_id=measure.id, dimension_id=d.id
        )
        for d in dimensions
    )
    await session.flush()
    return measure


async def make_indicator(
    session: AsyncSession,
    result: Result,
    *,
    dimensions: tuple[Dimension, ...] = (),
    **overrides: Any,
) -> Indicator:
    values = {
        "name": "Children ready for kindergarten",
        "unit": Unit.PERCENT,
        "direction": Direction.HIGHER_IS_BETTER,
        "granularity": Granularity.YEAR,
        "status": IndicatorStatus.RATIFIED,
        **overrides,
    }
    indicator = Indicator(collaborative_id=result.collaborative_id, result_id=result.id, **values)
    session.add(indicator)
    await session.flush()
    session.add_all(
        IndicatorDimension(
            collaborative_id=result.collaborative_id, indicator_id=indicator.id, dimension_id=d.id
        )
        for d in dimensions
    )
    await session.flush()
    return indicator


async def make_shared_measure(
    session: AsyncSession, collaborative: Any, **overrides: Any
) -> SharedMeasure:
    values = {
        "name": "Families completing home visiting",
        "unit": Unit.COUNT,
        "direction": Direction.HIGHER_IS_BETTER,
        "aggregation": "sum",
        "granularity": Granularity.QUARTER,
        "status": SharedMeasureStatus.RATIFIED,  # adopted, as partners report it
        **overrides,
    }
    shared = SharedMeasure(collaborative_id=collaborative.id, **values)
    session.add(shared)
    await session.flush()
    return shared


def quarterly_row(
    subject: Any, start: Any, breakdown: dict[str, str] | None = None, **values: Any
) -> Observation:
    """A published observation of a measure or indicator for one quarter and cell."""
    cell = breakdown or {}
    column = "measure_id" if isinstance(subject, PerformanceMeasure) else "indicator_id"
    return Observation(
        collaborative_id=subject.collaborative_id,
        granularity=Granularity.QUARTER,
        period_start=start,
        breakdown=cell,
        breakdown_key=";".join(f"{k}={v}" for k, v in sorted(cell.items())),
        **{column: subject.id},
        **values,
    )
