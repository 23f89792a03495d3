"""Who is asking: a person's memberships, a partner system's API key, or nobody.

A Viewer is built once per request by the API layer from authenticated facts only and is
immutable; services/policy.py turns it into predicates and row-level-security settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    RESIDENT = "resident"
    PARTNER_STAFF = "partner_staff"
    PARTNER_STEWARD = "partner_steward"
    BACKBONE = "backbone"
    FUNDER = "funder"
    ADMIN = "admin"


# Members see `collaborative` rows. Funders, as funders, do not; admins see no private data.
MEMBER_ROLES = frozenset({Role.RESIDENT, Role.PARTNER_STAFF, Role.PARTNER_STEWARD, Role.BACKBONE})
# Roles held on behalf of one partner: the person acts for (and owns the rows of) it.
PARTNER_ROLES = frozenset({Role.PARTNER_STAFF, Role.PARTNER_STEWARD, Role.BACKBONE, Role.FUNDER})


class Scope(StrEnum):
    """What a partner system's API key may do, beyond the standing of its partner's staff.

    People are bound by their roles alone; a key holds only the scopes it was issued with.
    No scope lets a key choose who sees a measure, consent to aggregates, or change owners
    and memberships: those stay with the partner's stewards.
    """

    READ = "read"  # queries, and the CSV export
    OBSERVATIONS_WRITE = "observations:write"  # submit, correct and publish observations
    MEASURES_WRITE = "measures:write"  # define and edit measures, their targets and texts
    ACTIONS_WRITE = "actions:write"  # create, edit and move the partner's action items


# What a key holds unless it was issued with others: reading and reporting.
DEFAULT_KEY_SCOPES = frozenset({Scope.READ, Scope.OBSERVATIONS_WRITE})


@dataclass(frozen=True, slots=True)
class Grant:
    """One membership: a role in a collaborative, on behalf of a partner for partner roles."""

    collaborative_id: UUID
    role: Role
    partner_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """What the identity provider vouched for in a verified token: its subject, and its
    e-mail address only when the provider says it verified it (`email_verified`)."""

    subject: str
    email: str | None = None  # normalized (services/invitations/emails.py)
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Viewer:
    account_id: UUID | None = None
    grants: tuple[Grant, ...] = ()
    api_key_id: UUID | None = None
    scopes: frozenset[Scope] | None = None  # an API key's; None for people and anonymous
    # An instance admin creates collaboratives and names their first backbone stewards; the
    # flag reads nothing (row-level security gives it no row to read).
    instance_admin: bool = False
    # A person signed in with the identity provider: set for every bearer token, and alone
    # (no account) for a newcomer, who may only redeem an invitation.
    identity: Identity | None = None

    def may(self, scope: Scope) -> bool:
        """Whether the viewer's credential allows `scope` (people: always; keys: if held)."""
        return self.scopes is None or scope in self.scopes

    @property
    def is_anonymous(self) -> bool:
        return self.account_id is None and self.api_key_id is None

    @property
    def is_newcomer(self) -> bool:
        """Signed in, but without an account yet: only an invitation brings one in."""
        return self.identity is not None and self.account_id is None

    @property
    def in_person(self) -> bool:
        """A person with an account (not a partner system's key, nor a newcomer)."""
        return self.account_id is not None and self.api_key_id is None

    @property
    def member_of(self) -> frozenset[UUID]:
        """Collaboratives whose `collaborative`-visibility rows this viewer reads."""
        return frozenset(g.collaborative_id for g in self.grants if g.role in MEMBER_ROLES)

    @property
    def partner_ids(self) -> frozenset[UUID]:
        """Partners this viewer acts for: their private rows are the viewer's own."""
        return frozenset(
            g.partner_id for g in self.grants if g.role in PARTNER_ROLES and g.partner_id
        )

    @property
    def steward_of(self) -> frozenset[UUID]:
        """Partners whose measures and people this viewer manages."""
        return frozenset(
            g.partner_id for g in self.grants if g.role is Role.PARTNER_STEWARD and g.partner_id
        )

    @property
    def backbone_of(self) -> frozenset[UUID]:
        """Collaboratives this viewer convenes as backbone staff."""
        return frozenset(g.collaborative_id for g in self.grants if g.role is Role.BACKBONE)

    def roles_in(self, collaborative_id: UUID) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants if g.collaborative_id == collaborative_id)


ANONYMOUS = Viewer()
