"""The demo collaborative "Riverside Thrives": partners of every kind, one account per role.

Deterministic: ids derive from names, so two runs produce the same rows, and running it on
a database that already has the demo is a no-op. Runs as the owner role.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.accounts.models import Account, ApiKey, Membership
from services.accounts.service import hash_api_key
from services.collaboratives.models import Collaborative
from services.partners.models import Partner, PartnerContact, PartnerKind, ProfileVisibility
from services.viewer import Role

SLUG = "riverside"
EMAIL_DOMAIN = "demo.tablero.example"
# A well-known key for local use only: it lets a partner system's calls be tried with curl.
DEMO_API_KEY = "tbk_demo_casa_de_la_familia_local_only"


def demo_id(*parts: str) -> UUID:
    return uuid5(NAMESPACE_URL, "tablero-demo:" + ":".join(parts))


@dataclass(frozen=True)
class DemoPartner:
    key: str
    name: str
    kind: PartnerKind
    description: str
    visibility: ProfileVisibility = ProfileVisibility.PUBLIC


PARTNERS = (
    DemoPartner(
        "backbone",
        "Riverside Together",
        PartnerKind.BACKBONE,
        "Backbone organization: convenes the table and stewards shared data.",
    ),
    DemoPartner(
        "foundation",
        "Riverside Community Foundation",
        PartnerKind.FUNDER,
        "Place-based funder of the collaborative's early-learning and housing work.",
    ),
    DemoPartner(
        "residents",
        "Eastside Residents Council",
        PartnerKind.RESIDENT_GROUP,
        "Residents of the Eastside and Riverbend neighborhoods.",
    ),
    DemoPartner(
        "schools",
        "Riverside Unified School District",
        PartnerKind.SCHOOL,
        "Public school district, 14 elementary schools.",
    ),
    DemoPartner(
        "health",
        "Riverside County Public Health",
        PartnerKind.PUBLIC_AGENCY,
        "County public health department.",
    ),
    DemoPartner(
        "casa",
        "Casa de la Familia",
        PartnerKind.COMMUNITY_ORG,
        "Family resource center: home visiting, parent groups, kindergarten readiness.",
    ),
    DemoPartner(
        "foodbank",
        "Northside Food Bank",
        PartnerKind.COMMUNITY_ORG,
        "Food distribution and SNAP enrollment.",
    ),
    DemoPartner(
        "digital",
        "Digital Bridge",
        PartnerKind.COMMUNITY_ORG,
        "Devices, home internet and digital skills for families.",
    ),
    DemoPartner(
        "housing",
        "Riverside Housing Authority",
        PartnerKind.PUBLIC_AGENCY,
        "Public housing and housing choice vouchers.",
    ),
    DemoPartner(
        "clinic",
        "Riverbend Community Clinic",
        PartnerKind.HEALTH,
        "Federally qualified health center.",
        ProfileVisibility.COLLABORATIVE,
    ),
    DemoPartner(
        "tenants",
        "Tenants United Riverside",
        PartnerKind.RESIDENT_GROUP,
        "Tenant organizing; listed to members only.",
        ProfileVisibility.COLLABORATIVE,
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    partner: str | None


ACCOUNTS = (
    DemoAccount(f"resident@{EMAIL_DOMAIN}", "Rosa Resident", Role.RESIDENT, None),
    DemoAccount(f"staff@{EMAIL_DOMAIN}", "Sam Staff", Role.PARTNER_STAFF, "casa"),
    DemoAccount(f"steward@{EMAIL_DOMAIN}", "Sofia Steward", Role.PARTNER_STEWARD, "casa"),
    DemoAccount(f"backbone@{EMAIL_DOMAIN}", "Ben Backbone", Role.BACKBONE, "backbone"),
    DemoAccount(f"funder@{EMAIL_DOMAIN}", "Fran Funder", Role.FUNDER, "foundation"),
    DemoAccount(f"admin@{EMAIL_DOMAIN}", "Ada Admin", Role.ADMIN, None),
)


async def seed_demo(session: AsyncSession) -> bool:
    """Write the demo collaborative; False (and nothing written) if it is already there."""
    if (await session.exec(select(Collaborative).where(Collaborative.slug == SLUG))).first():
        return False
    collaborative_id = demo_id("collaborative")
    session.add(
        Collaborative(
            id=collaborative_id,
            slug=SLUG,
            name="Riverside Thrives",
            description="Every child and family in Riverside thrives: ready for school, "
            "stably housed, connected and healthy.",
        )
    )
    await session.flush()
    for p in PARTNERS:
        partner_id = demo_id("partner", p.key)
        session.add(
            Partner(
                collaborative_id=collaborative_id,
                id=partner_id,
                name=p.name,
                kind=p.kind,
                description=p.description,
                visibility=p.visibility,
                website=f"https://{p.key}.{EMAIL_DOMAIN}",
            )
        )
    await session.flush()
    for p in PARTNERS:
        session.add(
            PartnerContact(
                collaborative_id=collaborative_id,
                partner_id=demo_id("partner", p.key),
                email=f"hello@{p.key}.{EMAIL_DOMAIN}",
                phone="+1 555 0100",
            )
        )
    for a in ACCOUNTS:
        account_id = demo_id("account", a.email)
        session.add(Account(id=account_id, subject=a.email, email=a.email, display_name=a.name))
        await session.flush()
        session.add(
            Membership(
                collaborative_id=collaborative_id,
                account_id=account_id,
                role=a.role,
                partner_id=demo_id("partner", a.partner) if a.partner else None,
            )
        )
    session.add(
        ApiKey(
            collaborative_id=collaborative_id,
            id=demo_id("api_key", "casa"),
            partner_id=demo_id("partner", "casa"),
            name="Casa de la Familia case-management system (demo)",
            prefix=DEMO_API_KEY[:10],
            key_hash=hash_api_key(DEMO_API_KEY),
        )
    )
    await session.flush()
    return True
