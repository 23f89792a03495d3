"""How big each list of objects can be, and which fields cost more than the objects they return.

Every field that returns a list of objects has a rule here (a test holds the schema to it):
lists that grow with time are capped by an argument that the resolver enforces, lists that
grow with the collaborative's own configuration (its dimensions, partners, panels) are
estimated by a size a large collaborative reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

from schema.observations.fields import MAX_LATEST, MAX_OBSERVATIONS
from schema.observations.types import MAX_REVISIONS
from schema.relay import MAX_NODES


@dataclass(frozen=True, slots=True)
class Fixed:
    """A list whose size the client does not choose: its estimated size."""

    size: int


@dataclass(frozen=True, slots=True)
class ByArgument:
    """A list as long as an argument says (its length, for a list argument), capped."""

    name: str
    cap: int
    length: bool = False


@dataclass(frozen=True, slots=True)
class PageOfParent:
    """A connection's `edges` or `nodes`: as many as its `first` or `last` asks for."""


ListSize = Fixed | ByArgument | PageOfParent

PAGE = PageOfParent()

# By field name, whatever type holds it.
ANY_TYPE: dict[str, ListSize] = {
    "edges": PAGE,
    "nodes": PAGE,
    "userErrors": Fixed(1),
    "translations": Fixed(4),
    "missingTranslations": Fixed(4),
    "breakdown": Fixed(2),
    "points": Fixed(20),
    "observations": ByArgument("first", MAX_OBSERVATIONS),
    "latestObservations": ByArgument("count", MAX_LATEST),
    "stories": ByArgument("count", MAX_LATEST),
    "revisions": ByArgument("count", MAX_REVISIONS),
    "targets": Fixed(5),
    "dimensions": Fixed(4),
}

# By "Type.field", where a name means different things on different types.
BY_COORDINATE: dict[str, ListSize] = {
    "Query.nodes": ByArgument("ids", MAX_NODES, length=True),
    "ObservationsPayload.observations": Fixed(100),
    "SubmitObservationsPayload.observations": Fixed(100),
    "Accountability.partners": Fixed(30),
    "ReportingCompleteness.measures": Fixed(10),
    "ActionItem.history": Fixed(5),
    "Aggregate.cells": Fixed(100),
    "Aggregate.releases": Fixed(12),  # one per period answered
    "Collaborative.domains": Fixed(8),
    "Domain.results": Fixed(5),
    "Result.indicators": Fixed(5),
    "Contributions.results": Fixed(5),
    "Contributions.indicators": Fixed(5),
    "Dashboard.panels": Fixed(12),
    "Dimension.categories": Fixed(8),
    "Disparities.groups": Fixed(10),
    "Indicator.versions": Fixed(5),
    "Measure.visibilityChanges": Fixed(5),
    "Proposal.votes": Fixed(30),
    "Proposal.comments": Fixed(20),
    "Viewer.memberships": Fixed(5),
    "RedeemInvitationPayload.roles": Fixed(2),
    "CreateCollaborativePayload.invitations": Fixed(10),  # founding.MAX_STEWARDS
}

# Work beyond the objects a field returns, counted once per time the field is resolved.
MUTATION_WEIGHT = 10  # every mutation writes, and its checks read
INTROSPECTION_WEIGHT = 100  # `__schema` and `__type`, not descended into
EXTRA_WEIGHT: dict[str, int] = {
    "Query.aggregate": 20,  # a read of a release's stored cells (an indicator's are decided)
    "Query.disparities": 20,  # the same cells, and the gaps between their groups
    "releasePeriod": 500,  # decides every cell of every shared measure for the period
    "Query.accountability": 50,  # every partner's items and reporting
    "series": 5,  # a curve with its least-squares forecast
    "totalCount": 1,  # one more count query
}


def list_size(type_name: str, field_name: str) -> ListSize | None:
    """The rule for a list field, or None when there is none (a test forbids that)."""
    return BY_COORDINATE.get(f"{type_name}.{field_name}") or ANY_TYPE.get(field_name)


def extra_weight(type_name: str, field_name: str) -> int:
    if type_name == "Mutation":
        return MUTATION_WEIGHT
    return EXTRA_WEIGHT.get(f"{type_name}.{field_name}") or EXTRA_WEIGHT.get(field_name, 0)
