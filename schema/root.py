"""The Query and Mutation roots, and the schema with its extensions."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext, Info

from api.context import Context
from api.replica import ReplicaReads
from schema.accounts import invitations as invitation_mutations
from schema.accounts import keys as key_mutations
from schema.accounts import members as member_mutations
from schema.accounts.types import ApiKey, Invitation, Member
from schema.actions import mutations as action_mutations
from schema.actions.queries import resolve_accountability
from schema.actions.types import Accountability, ActionItem
from schema.agenda import mutations as agenda_mutations
from schema.analytics.queries import resolve_aggregate, resolve_disparities
from schema.analytics.types import Aggregate, Disparities
from schema.collaboratives import founding as founding_mutations
from schema.collaboratives import mutations as collaborative_mutations
from schema.collaboratives.types import Collaborative
from schema.dashboards import mutations as dashboard_mutations
from schema.dashboards.types import Dashboard
from schema.dimensions import mutations as dimension_mutations
from schema.error_codes import GraphQLErrorCode
from schema.execution import PlainFieldsExecutionContext
from schema.governance import mutations as governance_mutations
from schema.governance import rules as governance_rules
from schema.imports import mutations as import_mutations
from schema.imports.queries import resolve_import_progress
from schema.imports.types import ImportProgress
from schema.indicators import mutations as indicator_mutations
from schema.input_objects import build_quickly
from schema.limits.extension import PreparedDocuments, QueryLimits, RequestLimits
from schema.measures import mutations as measure_mutations
from schema.observations import mutations as observation_mutations
from schema.observations.types import Observation
from schema.operation_rules import MutationsNeedAViewer
from schema.partners import mutations as partner_mutations
from schema.partners.types import Partner
from schema.relay import MAX_NODES, Node, resolve_nodes
from schema.releases import mutations as release_mutations
from schema.releases.types import Release
from schema.scopes import RequireReadScope
from schema.stories import mutations as story_mutations
from schema.telemetry import OperationTelemetry
from schema.text_guard import RefuseUnstorableText
from schema.translations import mutations as translation_mutations
from schema.translations.types import choose_language
from schema.viewer import Viewer, resolve_viewer
from services.collaboratives import service as collaboratives
from services.dashboards import service as dashboards
from services.errors import DomainError, ErrorCode
from services.faults import is_unavailable

logger = logging.getLogger("tablero.graphql")


# One language per request, from Accept-Language, keeps an object's texts the same for every
# query a client cache holds; the argument stays for scripts and server-rendered pages.
LanguageArgument = Annotated[
    str | None,
    strawberry.argument(
        description="The language of texts for this whole request, instead of Accept-Language.",
        deprecation_reason="Send Accept-Language: a client cache then holds one language "
        "(docs/frontend.md, Languages).",
    ),
]


@strawberry.type
class Query:
    viewer: Viewer = strawberry.field(resolver=resolve_viewer)

    @strawberry.field(
        description="Any object by its global id; null when unknown or not visible. Texts "
        "answer in the request's Accept-Language (else the collaborative's default)."
    )
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        return (await resolve_nodes(info, [id]))[0]

    @strawberry.field(description=f"Objects by global id, in order (at most {MAX_NODES}).")
    async def nodes(
        self, info: Info[Context, None], ids: list[strawberry.ID]
    ) -> list[Node | None] | None:
        if len(ids) > MAX_NODES:
            raise DomainError.single(("ids",), ErrorCode.OUT_OF_RANGE, f"at most {MAX_NODES} ids")
        return await resolve_nodes(info, ids)

    aggregate: Aggregate | None = strawberry.field(
        resolver=resolve_aggregate,
        description="What all partners achieve together on a shared measure (members and "
        "funders of its collaborative), or an indicator by its cells; suppressed cells say why.",
    )

    disparities: Disparities | None = strawberry.field(
        resolver=resolve_disparities,
        description="Gaps between the groups of a dimension for a shared measure or an "
        "indicator at one period, on the same suppressed cells as `aggregate`.",
    )

    accountability: Accountability | None = strawberry.field(
        resolver=resolve_accountability,
        description="Per partner, open, overdue and done action items and reporting "
        "completeness, as of a day (today by default). Null for an unknown collaborative.",
    )

    import_progress: ImportProgress | None = strawberry.field(
        resolver=resolve_import_progress,
        description="How far the import of a file (by its SHA-256) into a measure or an "
        "indicator has got, for whoever may import into it, while its upload runs and for 15 "
        "minutes after. Kept by the server process that runs the import.",
    )

    @strawberry.field(
        description="A collaborative by its slug. The Accept-Language header chooses the "
        "language of names and labels, falling back to its default language."
    )
    async def collaborative(
        self, info: Info[Context, None], slug: str, language: LanguageArgument = None
    ) -> Collaborative | None:
        choose_language(info, language)
        found = await collaboratives.get_by_slug(session=info.context.session, slug=slug)
        return Collaborative.from_model(found) if found else None

    @strawberry.field(
        description="A saved dashboard by its collaborative's slug and its own: public ones for "
        "anyone, members-only ones for members; null alike for unknown and hidden. "
        "Accept-Language chooses the language of its titles and of everything in it."
    )
    async def dashboard(
        self,
        info: Info[Context, None],
        collaborative_slug: str,
        slug: str,
        language: LanguageArgument = None,
    ) -> Dashboard | None:
        choose_language(info, language)
        ctx = info.context
        found = await dashboards.by_slug(
            session=ctx.session, viewer=ctx.viewer, collaborative_slug=collaborative_slug, slug=slug
        )
        return Dashboard.from_model(found) if found else None


@strawberry.type
class Mutation:
    create_collaborative = strawberry.mutation(
        resolver=founding_mutations.create_collaborative,
        description="An instance admin founds a collaborative, with its backbone organization, "
        "and invites its first backbone stewards.",
    )
    update_collaborative = strawberry.mutation(
        resolver=collaborative_mutations.update_collaborative,
        description="The backbone keeps the table's name, description, languages, default "
        "language, time zone and reporting deadline, and strengthens its suppression rules "
        "(weakening them takes a ratified proposeRuleChange).",
    )
    create_invitation = strawberry.mutation(
        resolver=invitation_mutations.create_invitation,
        description="Invite someone to a role within the viewer's reach: a partner's stewards "
        "its staff and stewards; the backbone residents, funders' people, its own staff and a "
        "partner's first steward. Returns the link to deliver (its code, once).",
    )
    resend_invitation = strawberry.mutation(
        resolver=invitation_mutations.resend_invitation,
        description="A new code and expiry for an invitation not yet redeemed; the old code "
        "stops working.",
    )
    revoke_invitation = strawberry.mutation(
        resolver=invitation_mutations.revoke_invitation,
        description="Withdraw an invitation not yet redeemed.",
    )
    redeem_invitation = strawberry.mutation(
        resolver=invitation_mutations.redeem_invitation,
        description="Accept an invitation, signed in with the identity provider: creates your "
        "account (or links it, by your subject) and grants the role. Single use.",
    )
    change_member_role = strawberry.mutation(
        resolver=member_mutations.change_member_role,
        description="A partner's stewards make its staff stewards, or stewards staff (never "
        "leaving it without a steward).",
    )
    remove_member = strawberry.mutation(
        resolver=member_mutations.remove_member,
        description="Take a role away (whoever keeps it), or give up one's own; the last "
        "steward of a partner and the last of the backbone stay. Effective on the next request.",
    )
    create_api_key = strawberry.mutation(
        resolver=key_mutations.create_api_key,
        description="A partner's steward issues a key for one of its systems; the secret is "
        "shown once.",
    )
    rotate_api_key = strawberry.mutation(
        resolver=key_mutations.rotate_api_key,
        description="A new key in place of an old one, which keeps working for a grace period.",
    )
    revoke_api_key = strawberry.mutation(
        resolver=key_mutations.revoke_api_key,
        description="Stop a key at once.",
    )
    create_partner = strawberry.mutation(
        resolver=partner_mutations.create_partner,
        description="Bring a partner into a collaborative (backbone staff).",
    )
    update_partner = strawberry.mutation(
        resolver=partner_mutations.update_partner,
        description="Change a partner's profile (its stewards; the backbone except visibility).",
    )
    create_domain = strawberry.mutation(resolver=agenda_mutations.create_domain)
    update_domain = strawberry.mutation(resolver=agenda_mutations.update_domain)
    create_result = strawberry.mutation(resolver=agenda_mutations.create_result)
    update_result = strawberry.mutation(resolver=agenda_mutations.update_result)
    create_dimension = strawberry.mutation(resolver=dimension_mutations.create_dimension)
    update_dimension = strawberry.mutation(resolver=dimension_mutations.update_dimension)
    create_indicator = strawberry.mutation(
        resolver=indicator_mutations.create_indicator,
        description="Propose an indicator for a result (backbone).",
    )
    update_indicator = strawberry.mutation(resolver=indicator_mutations.update_indicator)
    create_shared_measure = strawberry.mutation(resolver=measure_mutations.create_shared_measure)
    update_shared_measure = strawberry.mutation(resolver=measure_mutations.update_shared_measure)
    create_measure = strawberry.mutation(
        resolver=measure_mutations.create_measure,
        description="A partner defines a performance measure of its own work.",
    )
    update_measure = strawberry.mutation(
        resolver=measure_mutations.update_measure,
        description="Change a measure (its owner only); visibility changes are recorded.",
    )
    submit_observations = strawberry.mutation(
        resolver=observation_mutations.submit_observations,
        description="Record a batch for one measure or indicator: all or nothing, idempotent "
        "by client key.",
    )
    correct_observation = strawberry.mutation(
        resolver=observation_mutations.correct_observation,
        description="A new revision of an observation, with the reason; history is kept.",
    )
    publish_observations = strawberry.mutation(
        resolver=observation_mutations.publish_observations,
        description="Make drafts visible as their measure allows.",
    )
    set_target = strawberry.mutation(resolver=observation_mutations.set_target)
    import_observations = strawberry.mutation(
        resolver=import_mutations.import_observations,
        description="Import a CSV or .xlsx file of observations into a measure or an "
        "indicator: every row checked as submitObservations does, every problem listed by row "
        "and column, all or nothing, idempotent by the file's hash.",
    )
    propose_indicator = strawberry.mutation(
        resolver=governance_mutations.propose_indicator,
        description="Any member proposes a new indicator, with a rationale.",
    )
    propose_shared_measure = strawberry.mutation(
        resolver=governance_mutations.propose_shared_measure,
        description="Any member proposes a new shared measure, with a rationale.",
    )
    propose_indicator_change = strawberry.mutation(
        resolver=governance_mutations.propose_indicator_change,
        description="Any member proposes a change to an indicator; a ratified change of its "
        "definition makes a new version.",
    )
    propose_shared_measure_change = strawberry.mutation(
        resolver=governance_mutations.propose_shared_measure_change,
        description="Any member proposes a change to a shared measure.",
    )
    propose_rule_change = strawberry.mutation(
        resolver=governance_rules.propose_rule_change,
        description="Any member proposes a new quorum or group threshold; it applies only if "
        "ratified under the current rule.",
    )
    comment_on_proposal = strawberry.mutation(resolver=governance_mutations.comment_on_proposal)
    cast_vote = strawberry.mutation(
        resolver=governance_mutations.cast_vote,
        description="Vote yes, no or abstain; one vote per member, changeable until closing.",
    )
    close_proposal = strawberry.mutation(
        resolver=governance_mutations.close_proposal,
        description="Count the votes by quorum and dual majority and apply a ratified "
        "proposal (backbone staff, as facilitators).",
    )
    withdraw_proposal = strawberry.mutation(
        resolver=governance_mutations.withdraw_proposal,
        description="The proposer takes an open proposal back.",
    )
    create_action_item = strawberry.mutation(
        resolver=action_mutations.create_action_item,
        description="A commitment for a partner (its own people, or the backbone).",
    )
    update_action_item = strawberry.mutation(resolver=action_mutations.update_action_item)
    update_action_item_status = strawberry.mutation(
        resolver=action_mutations.update_action_item_status,
        description="Move an item to another status with a note; the history is kept.",
    )
    add_story = strawberry.mutation(
        resolver=story_mutations.add_story,
        description="A member tells a story on a measure or an indicator it can see.",
    )
    save_dashboard = strawberry.mutation(
        resolver=dashboard_mutations.save_dashboard,
        description="Create or replace (its creator or the backbone) a dashboard by its slug.",
    )
    release_period = strawberry.mutation(
        resolver=release_mutations.release_period,
        description="The backbone releases a closed period's aggregates, or revises a "
        "release: every cell decided once, with earlier releases of the period known.",
    )
    set_translations = strawberry.mutation(
        resolver=translation_mutations.set_translations,
        description="Set one field's texts in the collaborative's other languages (whoever may "
        "edit the object); empty text removes one. All or nothing.",
    )


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask errors raised by bugs; keep syntax, validation and domain errors readable."""
    original = error.original_error
    return original is not None and not isinstance(original, DomainError | GraphQLError)


DOMAIN_CODES = {
    ErrorCode.NOT_FOUND: GraphQLErrorCode.NOT_FOUND,
    ErrorCode.FORBIDDEN: GraphQLErrorCode.FORBIDDEN,
}


class CodedErrors(MaskErrors):
    """Every error leaves with a code. A bug answers INTERNAL ("Unexpected error."), a
    database that cannot serve just now UNAVAILABLE (the API makes it a 503 to retry); a
    field's refused argument says why, and a variable that does not fit its type is
    BAD_USER_INPUT. Parse, validation and limit errors are coded where they are made."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if (error.extensions or {}).get("code"):
                continue
            original = error.original_error
            if isinstance(original, DomainError) and original.problems:
                code = DOMAIN_CODES.get(original.problems[0].code, GraphQLErrorCode.BAD_USER_INPUT)
            elif error.path is None:  # a variable that does not fit its type
                code = GraphQLErrorCode.BAD_USER_INPUT
            else:  # a value the schema cannot answer with: ours to fix
                code = GraphQLErrorCode.INTERNAL
            error.extensions = {**(error.extensions or {}), "code": code.value}
        return processed

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        if error.original_error is not None and is_unavailable(error.original_error):
            masked.message = "the database cannot serve right now: retry in a few seconds"
            masked.extensions = {"code": GraphQLErrorCode.UNAVAILABLE.value}
        else:
            masked.extensions = {"code": GraphQLErrorCode.INTERNAL.value}
        return masked


class TableroSchema(strawberry.Schema):
    hide_suggestions = False

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", "-")
        for error in errors:
            if _is_unexpected(error) and not is_unavailable(error.original_error):  # type: ignore[arg-type]
                logger.error("request %s failed", request_id, exc_info=error.original_error)

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        # Variables' coercion errors suggest enum values too: hidden with the validation's.
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**kwargs, "hide_suggestions": self.hide_suggestions}


def build_schema(limits: QueryLimits | None = None) -> strawberry.Schema:
    """The schema, checking every request against `limits` (defaults: the settings')."""
    limits = limits or QueryLimits()
    documents = PreparedDocuments(limits)
    schema = TableroSchema(
        query=Query,
        mutation=Mutation,
        types=[
            Partner,
            Collaborative,
            Observation,
            ActionItem,
            Release,
            Invitation,
            Member,
            ApiKey,
        ],
        execution_context_class=PlainFieldsExecutionContext,
        extensions=[
            lambda: RequestLimits(documents),
            RequireReadScope,
            MutationsNeedAViewer,
            RefuseUnstorableText,
            CodedErrors,
            OperationTelemetry,
            ReplicaReads,
        ],
    )
    schema.hide_suggestions = not limits.suggestions
    build_quickly(schema._schema)  # inputs built from plans made once (schema/input_objects.py)
    return schema
