"""What observations and targets are about: a partner's measure or a collaborative's indicator."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.crud import fetch_one
from services.dimensions import service as dimensions
from services.errors import not_found
from services.indicators import service as indicators
from services.indicators.models import Indicator
from services.measures import service as measures
from services.measures.models import PerformanceMeasure
from services.observations.validation import Subject
from services.viewer import Viewer


@dataclass(frozen=True, slots=True)
class Reported:
    """A measure or an indicator that the viewer may report on (or, from `readable`, read)."""

    row: PerformanceMeasure | Indicator

    @property
    def is_measure(self) -> bool:
        return isinstance(self.row, PerformanceMeasure)

    @property
    def partner_id(self) -> UUID | None:
        return self.row.partner_id if isinstance(self.row, PerformanceMeasure) else None

    def subject_columns(self) -> dict[str, UUID | None]:
        return {
            "measure_id": self.row.id if self.is_measure else None,
            "indicator_id": None if self.is_measure else self.row.id,
        }


async def reportable(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    indicator_id: UUID | None,
    field: str = "subjectId",
) -> Reported:
    """The subject, if the viewer may report on it; the same error whether hidden or absent."""
    if measure_id is not None:
        measure = await fetch_one(
            session, PerformanceMeasure, measure_id, policy.measure_visible(viewer)
        )
        if measure is not None and policy.can_report_on_measure(viewer, measure):
            return Reported(measure)
    elif indicator_id is not None:
        indicator = await fetch_one(
            session, Indicator, indicator_id, policy.indicator_visible(viewer)
        )
        if indicator is not None and policy.can_report_on_indicator(viewer, indicator):
            return Reported(indicator)
    raise not_found((field,), "measure or indicator")


async def readable(
    *,
    session: AsyncSession,
    viewer: Viewer,
    measure_id: UUID | None,
    indicator_id: UUID | None,
    field: str = "subjectId",
) -> Reported:
    """The subject, if the viewer may read it; the same error whether hidden or absent."""
    row: PerformanceMeasure | Indicator | None = None
    if measure_id is not None:
        row = await fetch_one(
            session, PerformanceMeasure, measure_id, policy.measure_visible(viewer)
        )
    elif indicator_id is not None:
        row = await fetch_one(session, Indicator, indicator_id, policy.indicator_visible(viewer))
    if row is None:
        raise not_found((field,), "measure or indicator")
    return Reported(row)


async def rules_for(*, session: AsyncSession, subject: Reported) -> Subject:
    """The unit, granularity and vocabulary a subject's observations must follow."""
    if subject.is_measure:
        linked = measures.dimension_ids_query(subject.row.id)
    else:
        linked = indicators.dimension_ids_query(subject.row.id)
    vocabulary = await dimensions.vocabulary(session=session, dimension_ids=linked)
    return Subject(
        unit=subject.row.unit, granularity=subject.row.granularity, vocabulary=vocabulary
    )
