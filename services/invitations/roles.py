"""What an invitation makes of its invitee, and which partners each role fits. Pure.

A role is never wider than its partner allows: a funder's people are funders (they read as
the public does, never as members), the backbone's people are backbone staff, and staff and
stewards belong to the other partners. Residents belong to no partner.
"""

from __future__ import annotations

from services.invitations.models import InvitationRole
from services.partners.models import PartnerKind
from services.viewer import Role

MEMBERSHIPS: dict[InvitationRole, tuple[Role, ...]] = {
    InvitationRole.RESIDENT: (Role.RESIDENT,),
    InvitationRole.PARTNER_STAFF: (Role.PARTNER_STAFF,),
    InvitationRole.PARTNER_STEWARD: (Role.PARTNER_STEWARD,),
    InvitationRole.FUNDER: (Role.FUNDER,),
    InvitationRole.BACKBONE: (Role.BACKBONE,),
    InvitationRole.BACKBONE_STEWARD: (Role.BACKBONE, Role.PARTNER_STEWARD),
}

BACKBONE_ROLES = frozenset({InvitationRole.BACKBONE, InvitationRole.BACKBONE_STEWARD})
PARTNER_ROLES = frozenset({InvitationRole.PARTNER_STAFF, InvitationRole.PARTNER_STEWARD})


def memberships_of(role: InvitationRole) -> tuple[Role, ...]:
    """The memberships (in the invitation's partner) that redeeming grants."""
    return MEMBERSHIPS[role]


def fits(role: InvitationRole, kind: PartnerKind | None) -> bool:
    """Whether `role` may be held for a partner of `kind` (None: no partner)."""
    if role is InvitationRole.RESIDENT:
        return kind is None
    if role is InvitationRole.FUNDER:
        return kind is PartnerKind.FUNDER
    if role in BACKBONE_ROLES:
        return kind is PartnerKind.BACKBONE
    return kind is not None and kind not in (PartnerKind.FUNDER, PartnerKind.BACKBONE)


def fitting_partners(role: InvitationRole) -> str:
    """In words, for an error message: the partners `role` fits."""
    if role is InvitationRole.RESIDENT:
        return "residents belong to no partner: leave partnerId out"
    if role is InvitationRole.FUNDER:
        return "a funder's people are invited to a partner of kind FUNDER"
    if role in BACKBONE_ROLES:
        return "backbone staff are invited to the partner of kind BACKBONE"
    return "staff and stewards belong to a partner that is neither a funder nor the backbone"
