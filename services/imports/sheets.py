"""A measure's or an indicator's template and export, before they are written as files.

Both are for whoever may read the subject; an export holds its current observations as the
viewer sees them (drafts for their owner only), in the template's columns and in the order
of periods and cells, so that exporting twice gives the same file and it imports back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import policy
from services.dimensions import service as dimensions
from services.imports import layout as cols
from services.imports.layout import Layout, layout_of
from services.imports.rows import LABELS
from services.indicators import service as indicators
from services.measures import service as measures
from services.measures.units import Unit
from services.observations.models import Observation
from services.observations.subjects import Reported, readable, rules_for
from services.periods import Granularity, label
from services.viewer import Viewer


@dataclass(frozen=True)
class Spreadsheet:
    """What a template or an export holds, before it is written as CSV or .xlsx."""

    name: str  # the subject's, for the file name
    columns: tuple[str, ...]
    rows: list[list[Any]]  # typed cells: text, numbers (never None: blank is "")
    guide: list[list[str]]  # the template's "how to fill" sheet


async def subject_layout(
    *, session: AsyncSession, viewer: Viewer, measure_id: UUID | None, indicator_id: UUID | None
) -> tuple[Reported, Layout]:
    """A subject the viewer may read, and its file's layout."""
    subject = await readable(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    return subject, layout_of(await rules_for(session=session, subject=subject))


async def template(
    *, session: AsyncSession, viewer: Viewer, measure_id: UUID | None, indicator_id: UUID | None
) -> Spreadsheet:
    """The columns a subject's file expects, and a guide to filling them in."""
    subject, layout = await subject_layout(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    guide = await _guide(session, subject, layout)
    return Spreadsheet(subject.row.name, layout.columns, [], guide)


async def export(
    *, session: AsyncSession, viewer: Viewer, measure_id: UUID | None, indicator_id: UUID | None
) -> Spreadsheet:
    """The subject's current observations the viewer may read, in its file's columns."""
    subject, layout = await subject_layout(
        session=session, viewer=viewer, measure_id=measure_id, indicator_id=indicator_id
    )
    statement = (
        select(*EXPORTED)
        .where(
            Observation.collaborative_id == subject.row.collaborative_id,
            Observation.subject_id == subject.row.id,
            col(Observation.is_current),
            policy.observation_visible(viewer),
        )
        .order_by(col(Observation.period_start), col(Observation.breakdown_key))
    )
    found = (await session.exec(statement)).all()
    columns = list(layout.columns)
    if not layout.ratio and any(o.numerator is not None for o in found):
        at = columns.index(cols.VALUE) + 1
        columns[at:at] = [cols.NUMERATOR, cols.DENOMINATOR]
    cells = [_cell_of(column, layout, subject.row.granularity) for column in columns]
    rows = [[cell(o) for cell in cells] for o in found]
    return Spreadsheet(subject.row.name, tuple(columns), rows, [])


EXPORTED = (
    Observation.period_start,
    Observation.breakdown,
    Observation.value,
    Observation.numerator,
    Observation.denominator,
    Observation.n,
    Observation.suppressed_at_source,
    Observation.note,
)


def _cell_of(column: str, layout: Layout, granularity: Granularity) -> Callable[[Any], Any]:
    """How a column's cell is read from an observation (decided once per column, not cell)."""
    dimension = layout.dimension_of(column)
    if column == cols.PERIOD:
        return lambda o: label(granularity, o.period_start)
    if dimension is not None:
        return lambda o: o.breakdown.get(dimension, "")
    name = column

    def value(o: Any) -> Any:
        found = getattr(o, name)
        return "" if found is None else found

    return value


async def _guide(session: AsyncSession, subject: Reported, layout: Layout) -> list[list[str]]:
    """The template's second sheet: what each column takes, and each dimension's categories."""
    row = subject.row
    if subject.is_measure:
        dims = await measures.dimension_ids_of(session=session, measure_ids=[row.id])
    else:
        dims = await indicators.dimension_ids_of(session=session, indicator_ids=[row.id])
    found = await dimensions.get_many(session=session, ids=dims[row.id])
    categories = await dimensions.categories_of(session=session, dimension_ids=list(found))
    unit = row.unit.value.replace("_", " ")
    example = LABELS[row.granularity][1]
    granularity = row.granularity.value.replace("_", " ")
    value = f"the value, in {unit}; blank if numerator and denominator give it"
    if row.unit is Unit.PERCENT:
        value += "; type 45 for 45 %, not 45% (a cell formatted as a percent holds 0.45)"
    guide = [
        [cols.PERIOD, f"the {granularity}: its label (such as {example}) or its first day"],
        [cols.VALUE, value],
    ]
    if layout.ratio:
        guide += [
            [cols.NUMERATOR, "for a rate: how many met the definition"],
            [cols.DENOMINATOR, "for a rate: how many could have"],
        ]
    guide += [
        [cols.N, "how many people the value counts (for small-number protection)"],
        [cols.SUPPRESSED, "how the source withheld a small value (<5, <=10, *): no value then"],
        [cols.NOTE, "anything a reader should know about this value"],
    ]
    for dimension in sorted(found.values(), key=lambda d: d.key):
        keys = ", ".join(f"{c.key} ({c.label})" for c in categories[dimension.id])
        guide.append([layout.column_of(dimension.key), f"{dimension.name}, blank for all: {keys}"])
    return guide
