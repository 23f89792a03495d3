"""The one place that decides who sees and changes what.

Every rule here has a twin in the row-level-security policies of the migrations: services
filter with these predicates so that answers are right, PostgreSQL enforces the same rules
so that a bug in a resolver leaks nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import ColumnElement, and_, false, or_

from services.indicators.models import Indicator, IndicatorStatus
from services.measures.models import PerformanceMeasure
from services.observations.models import Observation, ObservationStatus
from services.partners.models import Partner, ProfileVisibility
from services.viewer import Viewer
from services.visibility import Visibility


def _pg_uuid_array(ids: Iterable[UUID]) -> str:
    return "{" + ",".join(sorted(str(i) for i in ids)) + "}"


def rls_settings(viewer: Viewer) -> dict[str, str]:
    """The transaction-local settings the RLS policies read (see migrations)."""
    return {
        "account_id": str(viewer.account_id) if viewer.account_id else "",
        "member_of": _pg_uuid_array(viewer.member_of),
        "partner_ids": _pg_uuid_array(viewer.partner_ids),
        "steward_of": _pg_uuid_array(viewer.steward_of),
        "backbone_of": _pg_uuid_array(viewer.backbone_of),
    }


def _in(column: ColumnElement, ids: frozenset[UUID]) -> ColumnElement[bool]:
    return column.in_(ids) if ids else false()


# -- partners -----------------------------------------------------------------------------


def partner_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Public profiles, every profile of a collaborative one belongs to, and one's own."""
    return or_(
        Partner.visibility == ProfileVisibility.PUBLIC,
        _in(Partner.collaborative_id, viewer.member_of),
        _in(Partner.id, viewer.partner_ids),
    )


def can_read_partner_contact(viewer: Viewer, partner: Partner) -> bool:
    """Contact details are for members of the collaborative and the partner itself."""
    return partner.collaborative_id in viewer.member_of or partner.id in viewer.partner_ids


def can_create_partner(viewer: Viewer, collaborative_id: UUID) -> bool:
    """The backbone convenes: it brings partners into the collaborative."""
    return collaborative_id in viewer.backbone_of


def can_update_partner(viewer: Viewer, partner: Partner) -> bool:
    """A partner's stewards, and the backbone that convenes it, keep the profile current."""
    return partner.id in viewer.steward_of or partner.collaborative_id in viewer.backbone_of


def can_change_partner_visibility(viewer: Viewer, partner: Partner) -> bool:
    """Who sees a partner is the partner's own choice, never the backbone's."""
    return partner.id in viewer.steward_of


# -- the common agenda and indicators ------------------------------------------------------


def can_steward_agenda(viewer: Viewer, collaborative_id: UUID) -> bool:
    """Domains, results, dimensions, indicators and shared measures are the backbone's to keep."""
    return collaborative_id in viewer.backbone_of


def indicator_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Adopted public indicators for anyone; every indicator, proposals too, for members."""
    return or_(
        and_(
            Indicator.visibility == ProfileVisibility.PUBLIC,
            Indicator.status != IndicatorStatus.PROPOSED,
        ),
        _in(Indicator.collaborative_id, viewer.member_of),
    )


# -- performance measures and observations -------------------------------------------------


def measure_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Public measures, `collaborative` ones for members, and one's own, private included."""
    return or_(
        PerformanceMeasure.visibility == Visibility.PUBLIC,
        and_(
            PerformanceMeasure.visibility == Visibility.COLLABORATIVE,
            _in(PerformanceMeasure.collaborative_id, viewer.member_of),
        ),
        _in(PerformanceMeasure.partner_id, viewer.partner_ids),
    )


def can_define_measures(viewer: Viewer, partner_id: UUID) -> bool:
    """A partner's staff and stewards define and change its measures, nobody else."""
    return partner_id in viewer.partner_ids


def observation_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Owners see their drafts; others see published values as the measure's owner chose."""
    return or_(
        _in(Observation.partner_id, viewer.partner_ids),
        and_(
            Observation.partner_id.is_(None), _in(Observation.collaborative_id, viewer.backbone_of)
        ),
        and_(
            Observation.status == ObservationStatus.PUBLISHED,
            or_(
                Observation.visibility == Visibility.PUBLIC,
                and_(
                    Observation.visibility == Visibility.COLLABORATIVE,
                    _in(Observation.collaborative_id, viewer.member_of),
                ),
            ),
        ),
    )


def can_read_aggregates(viewer: Viewer, collaborative_id: UUID) -> bool:
    """Members and funders of a collaborative read its partners' suppressed aggregates.

    Twin of the check in tablero_aggregate_cells() (migration 0004).
    """
    return collaborative_id in viewer.member_of or any(
        g.collaborative_id == collaborative_id and g.partner_id is not None for g in viewer.grants
    )


def can_report_on_measure(viewer: Viewer, measure: PerformanceMeasure) -> bool:
    return measure.partner_id in viewer.partner_ids


def can_report_on_indicator(viewer: Viewer, indicator: Indicator) -> bool:
    """Population data for indicators is entered by the backbone that stewards them."""
    return indicator.collaborative_id in viewer.backbone_of
