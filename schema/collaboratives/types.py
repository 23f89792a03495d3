"""The Collaborative type and its connections."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.accounts.types import Invitation, InvitationStatusEnum, Member
from schema.actions.queries import action_items_of
from schema.actions.types import ActionItem, ActionItemStatusEnum
from schema.agenda.types import Domain, Result
from schema.audit.types import AuditEvent
from schema.dashboards.types import Dashboard
from schema.dimensions.types import Dimension
from schema.enums import (
    GranularityEnum,
    IndicatorStatusEnum,
    QuadrantEnum,
    RoleEnum,
    SharedMeasureStatusEnum,
    VisibilityEnum,
)
from schema.governance.types import Proposal, ProposalStatusEnum, RatificationRule
from schema.indicators.types import Indicator
from schema.measures.types import Measure, SharedMeasure
from schema.partners.types import Partner, PartnerKindEnum
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    connection_of,
    fetches_nodes,
    from_global_id,
    raw_ids,
    to_global_id,
)
from schema.releases.types import Release, ReportingPeriod
from services.accounts import memberships
from services.agenda import service as agenda
from services.audit import service as audit
from services.collaboratives import service as collaboratives
from services.collaboratives.models import Collaborative as CollaborativeModel
from services.dashboards import service as dashboards
from services.dimensions import service as dimensions
from services.governance import reading as governance
from services.governance.tally import Rule
from services.indicators import service as indicators
from services.invitations import service as invitation_service
from services.measures import service as measures
from services.measures import shared as shared_measures
from services.pagination import PageRequest
from services.partners import service as partners
from services.releases import service as releases


@strawberry.type(description="Thresholds that keep published aggregates from exposing anyone.")
class Suppression:
    min_partners: int
    min_cell: int
    max_dominance_share: float


@strawberry.type(description="A place-based partnership: the tenant of everything else.")
class Collaborative(Node):
    slug: str
    name: str
    description: str
    languages: list[str]
    default_language: str
    time_zone: str = strawberry.field(
        description="Where the table meets (IANA name): what today and on time mean for its "
        "action items."
    )
    suppression: Suppression
    ratification_rule: RatificationRule
    release_after_days: int | None = strawberry.field(
        description="Days partners have to report after a period ends; the period is then "
        "released on its own. Null: the backbone releases periods by hand."
    )
    raw_id: strawberry.Private[UUID]

    @classmethod
    def from_model(cls, model: CollaborativeModel) -> Collaborative:
        return cls(
            id=to_global_id("Collaborative", model.id),
            raw_id=model.id,
            slug=model.slug,
            name=model.name,
            description=model.description,
            languages=list(model.languages),
            default_language=model.default_language,
            time_zone=model.time_zone,
            suppression=Suppression(
                min_partners=model.min_partners,
                min_cell=model.min_cell,
                max_dominance_share=model.max_dominance_share,
            ),
            ratification_rule=RatificationRule.of(Rule.of(model)),
            release_after_days=model.release_after_days,
        )

    @strawberry.field(description="The language of this answer's names and labels.")
    async def language(self, info: Info[Context, None]) -> str:
        return (await info.context.loaders.language_of(self.raw_id))[0] or self.default_language

    @strawberry.field(description="The partners the viewer may see, by name.")
    async def partners(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        kinds: list[PartnerKindEnum] | None = None,  # type: ignore[valid-type]
    ) -> Connection[Partner] | None:
        listing = partners.visible_in(
            viewer=info.context.viewer, collaborative_id=self.raw_id, kinds=kinds
        )
        return await connection_of(
            info, listing, Partner.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(
        description="Every change the viewer may read, newest first: a partner's people see "
        "its rows, the backbone what is not private to a partner, everyone their own changes."
    )
    async def audit_trail(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        subject_id: strawberry.ID | None = None,
    ) -> Connection[AuditEvent] | None:
        row_ids = None
        if subject_id is not None:
            decoded = from_global_id(subject_id)
            row_ids = [decoded[1]] if decoded else []
        listing = audit.trail(
            viewer=info.context.viewer, collaborative_id=self.raw_id, row_ids=row_ids
        )
        return await connection_of(
            info, listing, AuditEvent.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(
        description="The people whose roles the viewer keeps (a partner's stewards its staff "
        "and stewards; the backbone residents, funders' people and its own staff), and the "
        "viewer's own roles, oldest first."
    )
    async def members(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        partner_ids: list[strawberry.ID] | None = None,
        roles: list[RoleEnum] | None = None,  # type: ignore[valid-type]
    ) -> Connection[Member] | None:
        listing = memberships.members_in(
            viewer=info.context.viewer,
            collaborative_id=self.raw_id,
            partner_ids=raw_ids(partner_ids, "Partner") if partner_ids is not None else None,
            roles=roles,
        )
        return await connection_of(
            info, listing, Member.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(
        description="The invitations the viewer keeps (its own, its partner's as steward, the "
        "backbone's as backbone), newest first. Never their codes."
    )
    async def invitations(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        statuses: list[InvitationStatusEnum] | None = None,  # type: ignore[valid-type]
        partner_ids: list[strawberry.ID] | None = None,
    ) -> Connection[Invitation] | None:
        listing = invitation_service.invitations_in(
            viewer=info.context.viewer,
            collaborative_id=self.raw_id,
            statuses=statuses or (),
            partner_ids=raw_ids(partner_ids, "Partner") if partner_ids is not None else None,
        )
        return await connection_of(
            info, listing, Invitation.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="The themes of the common agenda.")
    async def domains(self, info: Info[Context, None]) -> list[Domain]:
        rows = await agenda.list_domains(session=info.context.session, collaborative_id=self.raw_id)
        return [Domain.from_model(d) for d in rows]

    @strawberry.field(description="The population results the collaborative works for.")
    async def results(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        domain_ids: list[strawberry.ID] | None = None,
    ) -> Connection[Result] | None:
        listing = agenda.results_in(
            collaborative_id=self.raw_id, domain_ids=raw_ids(domain_ids, "Domain")
        )
        return await connection_of(
            info, listing, Result.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="The disaggregation vocabulary, by key.")
    async def dimensions(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Dimension] | None:
        listing = dimensions.dimensions_in(collaborative_id=self.raw_id)
        return await connection_of(
            info, listing, Dimension.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="Measure definitions partners report alike, by name.")
    async def shared_measures(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        statuses: list[SharedMeasureStatusEnum] | None = None,  # type: ignore[valid-type]
    ) -> Connection[SharedMeasure] | None:
        listing = shared_measures.shared_measures_in(
            viewer=info.context.viewer, collaborative_id=self.raw_id, statuses=statuses or ()
        )
        return await connection_of(
            info, listing, SharedMeasure.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="Indicators the viewer may see, by name.")
    async def indicators(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        result_ids: list[strawberry.ID] | None = None,
        statuses: list[IndicatorStatusEnum] | None = None,  # type: ignore[valid-type]
        text: str | None = None,
    ) -> Connection[Indicator] | None:
        listing = indicators.visible_in(
            viewer=info.context.viewer,
            collaborative_id=self.raw_id,
            result_ids=raw_ids(result_ids, "Result"),
            statuses=statuses or (),
            text=text,
        )
        return await connection_of(
            info, listing, Indicator.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="Partners' performance measures the viewer may see, by name.")
    async def measures(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        partner_ids: list[strawberry.ID] | None = None,
        quadrants: list[QuadrantEnum] | None = None,  # type: ignore[valid-type]
        result_ids: list[strawberry.ID] | None = None,
        visibilities: list[VisibilityEnum] | None = None,  # type: ignore[valid-type]
        text: str | None = None,
    ) -> Connection[Measure] | None:
        listing = measures.visible_in(
            viewer=info.context.viewer,
            collaborative_id=self.raw_id,
            partner_ids=raw_ids(partner_ids, "Partner"),
            quadrants=quadrants or (),
            result_ids=raw_ids(result_ids, "Result"),
            visibilities=visibilities or (),
            text=text,
        )
        return await connection_of(
            info, listing, Measure.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="Proposals and their votes, oldest first (members only).")
    async def proposals(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        statuses: list[ProposalStatusEnum] | None = None,  # type: ignore[valid-type]
    ) -> Connection[Proposal] | None:
        listing = governance.proposals_in(
            viewer=info.context.viewer, collaborative_id=self.raw_id, statuses=statuses or ()
        )
        return await connection_of(
            info, listing, Proposal.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(description="Commitments the viewer may see, soonest due first.")
    async def action_items(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        statuses: list[ActionItemStatusEnum] | None = None,  # type: ignore[valid-type]
        owner_ids: list[strawberry.ID] | None = None,
        overdue: bool | None = None,
    ) -> Connection[ActionItem] | None:
        return await action_items_of(
            info,
            collaborative_id=self.raw_id,
            page=PageRequest(first, after, last, before),
            statuses=statuses,
            partner_ids=raw_ids(owner_ids, "Partner"),
            overdue=overdue,
        )

    @strawberry.field(
        description="Releases of closed periods, newest first (members and funders): what each "
        "published and what changed."
    )
    async def releases(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        granularity: GranularityEnum | None = None,  # type: ignore[valid-type]
        period_start: date | None = None,
    ) -> Connection[Release] | None:
        listing = releases.releases_in(
            viewer=info.context.viewer,
            collaborative_id=self.raw_id,
            granularity=granularity,
            period_start=period_start,
        )
        return await connection_of(
            info, listing, Release.from_model, PageRequest(first, after, last, before)
        )

    @strawberry.field(
        description="Periods partners reported for, newest first, with their reporting "
        "deadline and latest release (members and funders)."
    )
    async def reporting_periods(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        granularity: GranularityEnum | None = None,  # type: ignore[valid-type]
    ) -> Connection[ReportingPeriod] | None:
        listing = releases.reporting_periods_in(
            viewer=info.context.viewer, collaborative_id=self.raw_id, granularity=granularity
        )
        days = self.release_after_days
        return await connection_of(
            info,
            listing,
            lambda m: ReportingPeriod.of(m, days),
            PageRequest(first, after, last, before),
        )

    @strawberry.field(description="Saved dashboards the viewer may read, by slug.")
    async def dashboards(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Dashboard] | None:
        listing = dashboards.dashboards_in(viewer=info.context.viewer, collaborative_id=self.raw_id)
        return await connection_of(
            info, listing, Dashboard.from_model, PageRequest(first, after, last, before)
        )


@fetches_nodes("Collaborative")
async def fetch_collaboratives(info: Info[Context, None], ids: Any) -> dict[UUID, Collaborative]:
    found = await collaboratives.get_many(session=info.context.session, ids=ids)
    return {k: Collaborative.from_model(v) for k, v in found.items()}
