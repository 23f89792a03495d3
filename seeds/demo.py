"""The demo collaborative "Riverside Thrives": partners of every kind, one account per role,
a common agenda (domains and results) and the dimensions its data is disaggregated by.

Indicators, measures and three years of observations are in `seeds.demo_measures`.
Deterministic: ids derive from names, so two runs produce the same rows, and running it on
a database that already has the demo is a no-op. Runs as the owner role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo_calendar import seeding_on, today_where_the_table_meets
from services.accounts.models import Account, ApiKey, Membership
from services.accounts.service import hash_api_key
from services.agenda.models import Domain, Result
from services.collaboratives.models import Collaborative
from services.dimensions.models import Dimension, DimensionCategory
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


# The common agenda: domain key, name, description, and its results (key, statement).
DOMAINS = (
    ("education", "Education", "From birth through third grade.", (
        ("ready", "All children in Riverside enter kindergarten ready to learn"),
        ("reading", "All children in Riverside read at grade level by the end of third grade"),
    )),
    ("housing", "Housing", "Stable, affordable homes.", (
        ("housed", "All Riverside families have safe, stable and affordable homes"),
    )),
    ("digital", "Digital inclusion", "Devices, home internet and the skills to use them.", (
        ("connected", "All Riverside households are connected to affordable home internet"),
    )),
    ("health", "Health", "Health care, nutrition and well-being.", (
        ("healthy", "All children in Riverside are healthy and get the care they need"),
        ("fed", "No one in Riverside goes hungry"),
    )),
)  # fmt: skip

# Dimension key, name, categories (key, label[, the broader category it rolls up to]).
DIMENSIONS = (
    ("race_ethnicity", "Race and ethnicity", (
        ("latino", "Latino/a"),
        ("black", "Black or African American"),
        ("asian", "Asian or Asian American"),
        ("white", "White"),
        ("native", "Native American or Alaska Native"),
        ("multiracial", "Multiracial"),
    )),
    # The community's detailed categories; each rolls up to the standard scheme above.
    ("race_ethnicity_detailed", "Race and ethnicity (detailed)", (
        ("mexican", "Mexican", "latino"),
        ("salvadoran", "Salvadoran", "latino"),
        ("guatemalan", "Guatemalan", "latino"),
        ("somali", "Somali", "black"),
        ("african_american", "African American", "black"),
        ("vietnamese", "Vietnamese", "asian"),
        ("hmong", "Hmong", "asian"),
    )),
    ("income", "Household income", (
        ("low", "Low (under 200% of the poverty line)"),
        ("moderate", "Moderate (200-400% of the poverty line)"),
        ("high", "Higher (over 400% of the poverty line)"),
    )),
    ("neighborhood", "Neighborhood", (
        ("eastside", "Eastside"),
        ("northside", "Northside"),
        ("riverbend", "Riverbend"),
        ("downtown", "Downtown"),
    )),
    ("language", "Home language", (
        ("english", "English"),
        ("spanish", "Spanish"),
        ("other", "Another language"),
    )),
)  # fmt: skip
RACE, INCOME, PLACE, LANGUAGE = "race_ethnicity", "income", "neighborhood", "language"
ROLLED_UP_FROM = {"race_ethnicity_detailed": "race_ethnicity"}
CATEGORIES = {key: tuple(c[0] for c in categories) for key, _, categories in DIMENSIONS}


def agenda_rows(
    collaborative_id: UUID,
) -> tuple[list[Domain | Dimension], list[Result | DimensionCategory]]:
    """Domains and dimensions, then what refers to them: results, then categories in order
    (a detailed category after the broad one it rolls up to)."""
    first: list[Domain | Dimension] = []
    second: list[Result | DimensionCategory] = []
    for key, name, description, results in DOMAINS:
        first.append(
            Domain(
                collaborative_id=collaborative_id,
                id=demo_id("domain", key),
                name=name,
                description=description,
            )
        )
        second += [
            Result(
                collaborative_id=collaborative_id,
                id=demo_id("result", result),
                domain_id=demo_id("domain", key),
                statement=statement,
            )
            for result, statement in results
        ]
    for key, name, categories in DIMENSIONS:
        first.append(
            Dimension(
                collaborative_id=collaborative_id, id=demo_id("dimension", key), name=name, key=key
            )
        )
        broader = ROLLED_UP_FROM.get(key)
        second += [
            DimensionCategory(
                collaborative_id=collaborative_id,
                id=demo_id("category", key, category[0]),
                dimension_id=demo_id("dimension", key),
                key=category[0],
                label=category[1],
                position=position,
                rolls_up_to_id=demo_id("category", broader, category[2]) if broader else None,
            )
            for position, category in enumerate(categories)
        ]
    return first, second


async def seed_demo(session: AsyncSession, *, today: date | None = None) -> bool:
    """Write the demo collaborative, its history ending at the latest quarter closed on
    `today` (where the table meets, by default); False (and nothing written) if it is
    already there."""
    if (await session.exec(select(Collaborative).where(Collaborative.slug == SLUG))).first():
        return False
    with seeding_on(today or today_where_the_table_meets()):
        await _seed(session)
    return True


async def _seed(session: AsyncSession) -> None:
    from seeds.demo_releases import RELEASE_AFTER_DAYS

    collaborative_id = demo_id("collaborative")
    session.add(
        Collaborative(
            id=collaborative_id,
            slug=SLUG,
            name="Riverside Thrives",
            description="Every child and family in Riverside thrives: ready for school, "
            "stably housed, connected and healthy.",
            time_zone="America/Los_Angeles",
            release_after_days=RELEASE_AFTER_DAYS,
        )
    )
    await session.flush()
    first, second = agenda_rows(collaborative_id)
    session.add_all(
        [
            Partner(
                collaborative_id=collaborative_id,
                id=demo_id("partner", p.key),
                name=p.name,
                kind=p.kind,
                description=p.description,
                visibility=p.visibility,
                website=f"https://{p.key}.{EMAIL_DOMAIN}",
            )
            for p in PARTNERS
        ]
        + [
            Account(
                id=demo_id("account", a.email),
                subject=a.email,
                email=a.email,
                display_name=a.name,
                instance_admin=a.role is Role.ADMIN,  # founds collaboratives; reads no data
            )
            for a in ACCOUNTS
        ]
        + first
    )
    await session.flush()
    session.add_all(
        [
            PartnerContact(
                collaborative_id=collaborative_id,
                partner_id=demo_id("partner", p.key),
                email=f"hello@{p.key}.{EMAIL_DOMAIN}",
                phone="+1 555 0100",
            )
            for p in PARTNERS
        ]
        + [
            Membership(
                collaborative_id=collaborative_id,
                account_id=demo_id("account", a.email),
                role=a.role,
                partner_id=demo_id("partner", a.partner) if a.partner else None,
            )
            for a in ACCOUNTS
        ]
        + second
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
    # Imported here: the measures build on the ids and vocabulary defined in this module.
    from seeds.demo_actions import seed_actions
    from seeds.demo_dashboards import seed_dashboards
    from seeds.demo_governance import seed_governance
    from seeds.demo_measures import seed_measurement
    from seeds.demo_releases import seed_releases
    from seeds.demo_stories import seed_stories
    from seeds.demo_translations import seed_translations

    await seed_measurement(session, collaborative_id)
    await seed_releases(session, collaborative_id)
    await seed_governance(session, collaborative_id)
    await seed_actions(session, collaborative_id)
    await seed_stories(session, collaborative_id)
    await seed_dashboards(session, collaborative_id)
    await seed_translations(session, collaborative_id)
