"""The one place that decides who sees and changes what.

Every rule here has a twin in the row-level-security policies of the migrations: services
filter with these predicates so that answers are right, PostgreSQL enforces the same rules
so that a bug in a resolver leaks nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlmodel import col

from services.accounts.models import ApiKey, Membership
from services.actions.models import ActionItem
from services.audit.models import AuditEvent
from services.dashboards.models import Dashboard, DashboardPanel
from services.governance.models import Proposal, VoterGroup
from services.indicators.models import Indicator, IndicatorStatus
from services.invitations.models import Invitation, InvitationRole, IssuedAs
from services.measures.models import PerformanceMeasure, SharedMeasure, SharedMeasureStatus
from services.observations.models import Observation, ObservationStatus
from services.partners.models import Partner, ProfileVisibility
from services.releases.models import Release, ReportingPeriod
from services.stories.models import Story
from services.translations.models import Translation
from services.viewer import Role, Scope, Viewer
from services.visibility import Visibility


def _pg_uuid_array(ids: Iterable[UUID]) -> str:
    return "{" + ",".join(sorted(str(i) for i in ids)) + "}"


def rls_settings(viewer: Viewer) -> dict[str, str]:
    """The transaction-local settings the RLS policies read (see migrations)."""
    return {
        "account_id": str(viewer.account_id) if viewer.account_id else "",
        "api_key_id": str(viewer.api_key_id) if viewer.api_key_id else "",
        "member_of": _pg_uuid_array(viewer.member_of),
        "partner_ids": _pg_uuid_array(viewer.partner_ids),
        "steward_of": _pg_uuid_array(viewer.steward_of),
        "backbone_of": _pg_uuid_array(viewer.backbone_of),
        "instance_admin": "true" if viewer.instance_admin else "",
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


def shared_measure_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Adopted shared measures for anyone; proposals among members, as for indicators.

    Twin of the api_read policy on shared_measure (migration 0012).
    """
    return or_(
        SharedMeasure.status != SharedMeasureStatus.PROPOSED,
        _in(SharedMeasure.collaborative_id, viewer.member_of),
    )


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
    return partner_id in viewer.partner_ids and viewer.may(Scope.MEASURES_WRITE)


def can_choose_measure_visibility(viewer: Viewer, partner_id: UUID) -> bool:
    """Who sees a measure, and whether it counts in aggregates, are its stewards' decisions:
    not its staff's, and never an API key's.

    Twin of tablero_guard_measure_choices() (migration 0014).
    """
    return partner_id in viewer.steward_of


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

    Twin of tablero_aggregate_readers_of() (migration 0013), the release tables' read rule.
    """
    return collaborative_id in viewer.member_of or any(
        g.collaborative_id == collaborative_id and g.partner_id is not None for g in viewer.grants
    )


def aggregate_readers(viewer: Viewer) -> frozenset[UUID]:
    """Collaboratives whose aggregates and releases the viewer reads (can_read_aggregates)."""
    return viewer.member_of | frozenset(
        g.collaborative_id for g in viewer.grants if g.partner_id is not None
    )


def release_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Releases are read by whoever reads the collaborative's aggregates (policy 0013)."""
    return _in(Release.collaborative_id, aggregate_readers(viewer))  # type: ignore[arg-type]


def reporting_period_visible(viewer: Viewer) -> ColumnElement[bool]:
    return _in(ReportingPeriod.collaborative_id, aggregate_readers(viewer))  # type: ignore[arg-type]


def can_release(viewer: Viewer, collaborative_id: UUID) -> bool:
    """The backbone's people release closed periods, not a system's key (twin of
    tablero_release_period, 0013)."""
    return collaborative_id in viewer.backbone_of and viewer.api_key_id is None


def can_report_on_measure(viewer: Viewer, measure: PerformanceMeasure) -> bool:
    return measure.partner_id in viewer.partner_ids and viewer.may(Scope.OBSERVATIONS_WRITE)


def can_report_on_indicator(viewer: Viewer, indicator: Indicator) -> bool:
    """Population data for indicators is entered by the backbone that stewards them."""
    return indicator.collaborative_id in viewer.backbone_of and viewer.may(Scope.OBSERVATIONS_WRITE)


def can_publish_observation(viewer: Viewer, observation: Observation) -> bool:
    """Whoever reports on a measure or an indicator publishes its drafts."""
    owner = (
        observation.partner_id in viewer.partner_ids
        if observation.partner_id is not None
        else observation.collaborative_id in viewer.backbone_of
    )
    return owner and viewer.may(Scope.OBSERVATIONS_WRITE)


# -- the audit trail --------------------------------------------------------------------


def audit_visible(viewer: Viewer) -> ColumnElement[bool]:
    """One's own changes; a partner's people its rows; the backbone what is not private, and
    about a measure only while that measure is not private.

    Twin of the api_read policy on audit_event (migration 0015).
    """
    own = AuditEvent.account_id == viewer.account_id if viewer.account_id else false()
    measure_shown = or_(
        AuditEvent.measure_id.is_(None),  # type: ignore[union-attr]
        exists().where(
            PerformanceMeasure.collaborative_id == AuditEvent.collaborative_id,
            PerformanceMeasure.id == AuditEvent.measure_id,
            PerformanceMeasure.visibility != Visibility.PRIVATE,
        ),
    )
    return or_(
        own,
        _in(AuditEvent.partner_id, viewer.partner_ids),
        and_(
            _in(AuditEvent.collaborative_id, viewer.backbone_of),
            AuditEvent.visibility.is_distinct_from(Visibility.PRIVATE.value),  # type: ignore[union-attr]
            measure_shown,
        ),
    )


# -- translations --------------------------------------------------------------------------


def translation_visible(
    subjects: Iterable[tuple[str, Any, ColumnElement[bool] | None]],
) -> ColumnElement[bool]:
    """A translation is readable exactly when its subject is: (kind, table, predicate) per
    kind, the predicate being the subject's own rule (None: anyone reads that table)."""
    return or_(
        false(),
        *(
            and_(
                Translation.subject_kind == kind,
                exists(
                    select(1).where(
                        model.collaborative_id == Translation.collaborative_id,
                        model.id == Translation.subject_id,
                        true() if visible is None else visible,
                    )
                ),
            )
            for kind, model, visible in subjects
        ),
    )


# -- governance: proposals, comments, votes ------------------------------------------------


def proposal_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Proposals, their comments, votes and tallies are for members (funders are not)."""
    return _in(Proposal.collaborative_id, viewer.member_of)


def member_in_person(viewer: Viewer, collaborative_id: UUID) -> bool:
    """A person who is a member: not a funder as such, an admin, or a partner system's key,
    which has nobody to name as author or voter."""
    return viewer.account_id is not None and collaborative_id in viewer.member_of


def can_take_part(viewer: Viewer, collaborative_id: UUID) -> bool:
    """Members propose, comment and vote."""
    return member_in_person(viewer, collaborative_id)


def can_close_proposal(viewer: Viewer, proposal: Proposal) -> bool:
    """The backbone facilitates: it closes a vote and applies its outcome."""
    return proposal.collaborative_id in viewer.backbone_of


ORGANIZATION_ROLES = frozenset({Role.PARTNER_STAFF, Role.PARTNER_STEWARD, Role.BACKBONE})


def voter_groups(viewer: Viewer, collaborative_id: UUID) -> frozenset[VoterGroup]:
    """The groups the viewer may vote in: residents, and people acting for an organization.

    Twin of the membership check on proposal_vote's policies (migration 0005).
    """
    roles = viewer.roles_in(collaborative_id)
    groups = set()
    if Role.RESIDENT in roles:
        groups.add(VoterGroup.RESIDENT)
    if roles & ORGANIZATION_ROLES:
        groups.add(VoterGroup.ORGANIZATION)
    return frozenset(groups)


# -- action items and accountability ---------------------------------------------------------


def action_item_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Every member sees every commitment; a funder (not a member) sees its own partner's.

    Twin of the `api_read` policy on action_item (migration 0006).
    """
    return or_(
        _in(ActionItem.collaborative_id, viewer.member_of),
        _in(ActionItem.partner_id, viewer.partner_ids),
    )


def accountable_partner(viewer: Viewer) -> ColumnElement[bool]:
    """Partners whose follow-through the viewer sees: all for members, one's own otherwise."""
    return or_(_in(Partner.collaborative_id, viewer.member_of), _in(Partner.id, viewer.partner_ids))


def can_manage_action_items(viewer: Viewer, collaborative_id: UUID, partner_id: UUID) -> bool:
    """The owner partner's people and the backbone create, edit and move a partner's items.

    Twin of `api_create`/`api_update` on action_item and `api_create` on its history.
    """
    mine = partner_id in viewer.partner_ids or collaborative_id in viewer.backbone_of
    return mine and viewer.may(Scope.ACTIONS_WRITE)


def subject_visible(viewer: Viewer, about: Any) -> ColumnElement[bool]:
    """The measure or indicator a row of `about` (a story, a panel) is about, if visible."""
    return or_(
        exists().where(
            PerformanceMeasure.collaborative_id == about.collaborative_id,
            PerformanceMeasure.id == about.measure_id,
            measure_visible(viewer),
        ),
        exists().where(
            Indicator.collaborative_id == about.collaborative_id,
            Indicator.id == about.indicator_id,
            indicator_visible(viewer),
        ),
    )


# -- stories -------------------------------------------------------------------------------


def story_visible(viewer: Viewer) -> ColumnElement[bool]:
    """A story as its author chose, and only where its measure or indicator is visible too.

    `private` is the author's partner's (or, written for no partner, the author's alone).
    """
    own = or_(
        Story.visibility == Visibility.PUBLIC,
        and_(
            Story.visibility == Visibility.COLLABORATIVE,
            _in(Story.collaborative_id, viewer.member_of),
        ),
        _in(Story.partner_id, viewer.partner_ids),
        Story.author_account_id == viewer.account_id if viewer.account_id else false(),
    )
    subject = subject_visible(viewer, Story)
    return and_(own, subject)


def can_tell_stories(viewer: Viewer, collaborative_id: UUID) -> bool:
    """Members tell stories (residents' community voice included)."""
    return member_in_person(viewer, collaborative_id)


def subject_reach(subject: PerformanceMeasure | Indicator) -> Visibility:
    """The widest visibility a story on `subject` may have: never wider than the subject's.

    Twin of WITHIN_REACH in the `api_create` policy on story (migration 0007).
    """
    if isinstance(subject, PerformanceMeasure):
        return subject.visibility
    public = (
        subject.visibility == ProfileVisibility.PUBLIC
        and subject.status != IndicatorStatus.PROPOSED
    )
    return Visibility.PUBLIC if public else Visibility.COLLABORATIVE


# -- dashboards ----------------------------------------------------------------------------


def dashboard_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Public dashboards for anyone; members-only ones for the collaborative's members."""
    return or_(
        Dashboard.visibility == ProfileVisibility.PUBLIC,
        _in(Dashboard.collaborative_id, viewer.member_of),
    )


def dashboard_kept(viewer: Viewer) -> ColumnElement[bool]:
    """Dashboards the viewer keeps: SQL twin of can_replace_dashboard."""
    mine = Dashboard.created_by == viewer.account_id if viewer.account_id else false()
    return and_(
        _in(Dashboard.collaborative_id, viewer.member_of),
        or_(mine, _in(Dashboard.collaborative_id, viewer.backbone_of)),
    )


def dashboard_panel_visible(viewer: Viewer) -> ColumnElement[bool]:
    """A panel is seen with its dashboard, and only where its subject is seen too.

    Its title, breakdown cell, period range and title translations describe the subject, so
    a public dashboard never shows them past the subject's owner's choice (as with stories).
    The dashboard's keepers see every slot of the layout they replace, never the subject.
    Twin of the `api_read` policy on dashboard_panel (migration 0007).
    """

    def dashboard(rule: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists(
            select(1).where(
                Dashboard.collaborative_id == DashboardPanel.collaborative_id,
                Dashboard.id == DashboardPanel.dashboard_id,
                rule,
            )
        )

    subject = subject_visible(viewer, DashboardPanel)
    return and_(
        dashboard(dashboard_visible(viewer)), or_(dashboard(dashboard_kept(viewer)), subject)
    )


def can_save_dashboards(viewer: Viewer, collaborative_id: UUID) -> bool:
    """Any member, residents included, arranges a dashboard for the community."""
    return member_in_person(viewer, collaborative_id)


def can_replace_dashboard(viewer: Viewer, dashboard: Dashboard) -> bool:
    """Its creator keeps a dashboard; the backbone, which stewards dashboards, may too."""
    return dashboard.collaborative_id in viewer.member_of and (
        dashboard.created_by == viewer.account_id
        or dashboard.collaborative_id in viewer.backbone_of
    )


def can_translate(viewer: Viewer, kind: str, subject: Any) -> bool:
    """Whoever may edit a subject keeps its translations: a measure's own partner, and the
    backbone for the common agenda, indicators, dimensions and shared measures."""
    if kind == "performance_measure":
        return can_define_measures(viewer, subject.partner_id)
    if kind == "dashboard":
        return can_replace_dashboard(viewer, subject)
    if kind == "dashboard_panel":
        return False  # its titles come with each saveDashboard, as panels are replaced
    return can_steward_agenda(viewer, subject.collaborative_id)


# -- people: collaboratives, invitations, memberships and API keys ---------------------------
#
# Nobody grants a role wider than their own: a partner's stewards bring in its staff and
# stewards; the backbone residents, funders' people, its own staff and a partner's first
# steward; an instance admin a new collaborative's first backbone stewards. Only people, never
# a partner system's key. Twins: tablero_may_issue, tablero_manages_membership (0051).

STEWARDED_ROLES = frozenset({Role.PARTNER_STAFF, Role.PARTNER_STEWARD})
CONVENED_ROLES = frozenset({Role.RESIDENT, Role.FUNDER, Role.BACKBONE})


def can_create_collaborative(viewer: Viewer) -> bool:
    """Instance admins (and operators at the command line) found collaboratives."""
    return viewer.instance_admin and viewer.api_key_id is None


def invitation_standing(
    viewer: Viewer,
    collaborative_id: UUID,
    role: InvitationRole,
    partner_id: UUID | None,
    *,
    partner_has_steward: bool,
    backbone_is_empty: bool,
) -> IssuedAs | None:
    """The standing under which the viewer may invite someone to `role`, or None."""
    if viewer.api_key_id is not None:
        return None
    stewards = partner_id is not None and partner_id in viewer.steward_of
    convenes = collaborative_id in viewer.backbone_of
    if viewer.account_id is not None:
        if role in (InvitationRole.PARTNER_STAFF, InvitationRole.PARTNER_STEWARD) and stewards:
            return IssuedAs.STEWARD
        if role is InvitationRole.BACKBONE_STEWARD and stewards and convenes:
            return IssuedAs.STEWARD
        first_steward = role is InvitationRole.PARTNER_STEWARD and not partner_has_steward
        convened = role in (InvitationRole.RESIDENT, InvitationRole.FUNDER, InvitationRole.BACKBONE)
        if convenes and (convened or first_steward):
            return IssuedAs.BACKBONE
    if role is InvitationRole.BACKBONE_STEWARD and viewer.instance_admin and backbone_is_empty:
        return IssuedAs.ADMIN if viewer.account_id is not None else IssuedAs.OPERATOR
    return None


def invitation_visible(viewer: Viewer) -> ColumnElement[bool]:
    """One's own invitations; a partner's stewards all of its; the backbone those it issued.

    Twin of the api_read policy on invitation (migration 0051).
    """
    if not viewer.in_person:
        return false()
    return or_(
        Invitation.invited_by == viewer.account_id,
        _in(Invitation.partner_id, viewer.steward_of),  # type: ignore[arg-type]
        and_(
            _in(Invitation.collaborative_id, viewer.backbone_of),  # type: ignore[arg-type]
            Invitation.issued_as == IssuedAs.BACKBONE,
        ),
    )


def can_manage_membership(viewer: Viewer, membership: Membership) -> bool:
    """Stewards keep their partner's staff and stewards; the backbone residents, funders'
    people and its own staff. Nobody changes an admin's membership through the API."""
    if not viewer.in_person:
        return False
    if membership.role in STEWARDED_ROLES:
        return membership.partner_id in viewer.steward_of
    if membership.role in CONVENED_ROLES:
        return membership.collaborative_id in viewer.backbone_of
    return False


def can_leave(viewer: Viewer, membership: Membership) -> bool:
    """Anyone may give up a membership of their own (the last steward aside)."""
    return viewer.in_person and membership.account_id == viewer.account_id


def membership_managed(viewer: Viewer) -> ColumnElement[bool]:
    """Memberships the viewer keeps, and its own: SQL twin of can_manage_membership."""
    if not viewer.in_person:
        return false()
    return or_(
        Membership.account_id == viewer.account_id,
        and_(
            col(Membership.role).in_(STEWARDED_ROLES),
            _in(Membership.partner_id, viewer.steward_of),  # type: ignore[arg-type]
        ),
        and_(
            col(Membership.role).in_(CONVENED_ROLES),
            _in(Membership.collaborative_id, viewer.backbone_of),  # type: ignore[arg-type]
        ),
    )


def can_manage_api_keys(viewer: Viewer, partner_id: UUID) -> bool:
    """A partner's stewards, in person, issue, rotate and revoke its systems' keys."""
    return viewer.in_person and partner_id in viewer.steward_of


def api_key_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Twin of the api_read policy on api_key (migration 0050): its partner's stewards."""
    if not viewer.in_person:
        return false()
    return _in(ApiKey.partner_id, viewer.steward_of)  # type: ignore[arg-type]
