"""The one place that decides who sees and changes what.

Every rule here has a twin in the row-level-security policies of the migrations: services
filter with these predicates so that answers are right, PostgreSQL enforces the same rules
so that a bug in a resolver leaks nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import ColumnElement, false, or_

from services.partners.models import Partner, ProfileVisibility
from services.viewer import Viewer


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
