"""The rows compiled reads may read, each as its service reads them: same listing, same
visibility predicate, same order. A relation takes its parent's row source, the viewer and
its bound parameters by role, and returns a Select of the related table's rows,
correlated to the parent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, Table, func, literal, select
from sqlmodel import col

from services import policy
from services.collaboratives.models import Collaborative
from services.measures import service as measures
from services.measures.models import PerformanceMeasure
from services.observations.models import Observation
from services.partners.models import Partner
from services.translations.models import Translation
from services.translations.subjects import visibility_rules
from services.viewer import Viewer

COLLABORATIVES: Table = Collaborative.__table__  # type: ignore[attr-defined]
PARTNERS: Table = Partner.__table__  # type: ignore[attr-defined]
MEASURES: Table = PerformanceMeasure.__table__  # type: ignore[attr-defined]
OBSERVATIONS: Table = Observation.__table__  # type: ignore[attr-defined]
MEASURE_KEYS = ("name", "id")  # visible_in's sort keys, and its connections' cursors


def measures_of_partner(parent: FromClause, viewer: Viewer, binds: Mapping[str, Any]) -> Select:
    """Partner.measures (schema/partners/types.py): a first page."""
    listing = measures.visible_in(
        viewer=viewer, collaborative_id=parent.c.collaborative_id, partner_ids=[parent.c.id]
    )
    return listing.statement.order_by(*listing.keys).limit(binds["size"])


def measures_of_collaborative(
    parent: FromClause, viewer: Viewer, binds: Mapping[str, Any]
) -> Select:
    """Collaborative.measures, optionally of some partners: a first page."""
    listing = measures.visible_in(
        viewer=viewer, collaborative_id=parent.c.id, partner_ids=binds.get("partners", ())
    )
    return listing.statement.order_by(*listing.keys).limit(binds["size"])


def partner_of_measure(parent: FromClause, viewer: Viewer, binds: Mapping[str, Any]) -> Select:
    """Measure.partner, as the partner loader finds it (partners.get_many)."""
    return select(Partner).where(
        col(Partner.id) == parent.c.partner_id, policy.partner_visible(viewer)
    )


def latest_totals(parent: FromClause, viewer: Viewer, binds: Mapping[str, Any]) -> Select:
    """latestObservations, as observations.latest_totals reads them: newest first."""
    return (
        select(Observation)
        .where(
            col(Observation.subject_id) == parent.c.id,
            Observation.breakdown_key == "",
            col(Observation.is_current),
            policy.observation_visible(viewer),
        )
        .order_by(col(Observation.period_start).desc())
        .limit(binds["count"])
    )


def by_name(rows: FromClause) -> tuple[ColumnElement[Any], ...]:
    return (rows.c.name, rows.c.id)


def newest_first(rows: FromClause) -> tuple[ColumnElement[Any], ...]:
    return (rows.c.period_start.desc(),)


def collaborative_by_slug(table: FromClause, viewer: Viewer, key: Any) -> tuple[Any, ...]:
    """Collaboratives are public (services/collaboratives get_by_slug)."""
    return (table.c.slug == key,)


def partner_by_id(table: FromClause, viewer: Viewer, key: Any) -> tuple[Any, ...]:
    return (table.c.id == key, policy.partner_visible(viewer))


def measure_by_id(table: FromClause, viewer: Viewer, key: Any) -> tuple[Any, ...]:
    return (table.c.id == key, policy.measure_visible(viewer))


def translations(source: FromClause, viewer: Viewer, kind: str) -> ColumnElement[Any]:
    """Every translation of the row the viewer may read, as {"field/language": text}
    (null when there are none), as services/translations translations_of reads them."""
    keyed = func.json_object_agg(
        Translation.field + literal("/") + Translation.language, Translation.text
    )
    return (
        select(keyed)
        .where(
            Translation.collaborative_id == source.c.collaborative_id,
            Translation.subject_kind == kind,
            Translation.subject_id == source.c.id,
            policy.translation_visible(visibility_rules(viewer, {kind})),
        )
        .correlate(source)
        .scalar_subquery()
    )


def languages_of(table: FromClause, key: str) -> ColumnElement[Any]:
    """[languages, default language] of the row's collaborative (`key`: the column naming
    it), what choosing the answer's language needs (api/loaders.py language_of)."""
    if table is COLLABORATIVES:
        return func.json_build_array(table.c.languages, table.c.default_language)
    return (
        select(func.json_build_array(COLLABORATIVES.c.languages, COLLABORATIVES.c.default_language))
        .where(COLLABORATIVES.c.id == table.c[key])
        .correlate(table)
        .scalar_subquery()
    )
