"""The demo collaborative: one account per role, several partners, visibilities that matter."""

from __future__ import annotations

import pytest
from sqlmodel import select

from api.auth import issue_token
from api.settings import Settings
from seeds.demo import ACCOUNTS, SLUG, seed_demo
from services.accounts.models import Membership
from services.partners.models import Partner, ProfileVisibility
from services.viewer import Role
from tests.factories import graphql

PARTNERS = """
query($slug: String!) { collaborative(slug: $slug) { partners(first: 50) {
  totalCount nodes { name contact { email } } } } }
"""


async def test_the_demo_has_one_account_per_role_and_several_partners(session) -> None:
    # when
    assert await seed_demo(session) is True
    assert await seed_demo(session) is False  # a second run writes nothing
    # then
    roles = {m.role for m in (await session.exec(select(Membership))).all()}
    assert roles >= {
        Role.RESIDENT,
        Role.PARTNER_STAFF,
        Role.PARTNER_STEWARD,
        Role.BACKBONE,
        Role.FUNDER,
    }
    partners = (await session.exec(select(Partner))).all()
    assert len(partners) >= 6
    assert {p.visibility for p in partners} == set(ProfileVisibility)


ALL = "all"


@pytest.mark.parametrize(
    ("email", "sees_members_only_partners", "contacts_seen"),
    [
        ("resident@demo.tablero.example", True, ALL),
        ("staff@demo.tablero.example", True, ALL),
        ("steward@demo.tablero.example", True, ALL),
        ("backbone@demo.tablero.example", True, ALL),
        # funders see public profiles, and the contact details of their own organization only
        ("funder@demo.tablero.example", False, {"Riverside Community Foundation"}),
        ("admin@demo.tablero.example", False, set()),
        (None, False, set()),
    ],
)
async def test_each_demo_viewer_sees_what_their_role_allows(
    client,
    session,
    settings: Settings,
    email: str | None,
    sees_members_only_partners: bool,
    contacts_seen: str | set[str],
) -> None:
    # given
    await seed_demo(session)
    account = next((a for a in ACCOUNTS if a.email == email), None)
    headers = {"Authorization": f"Bearer {issue_token(settings, account.email)}"} if account else {}
    # when
    body = await graphql(client, PARTNERS, {"slug": SLUG}, headers)
    # then
    nodes = body["data"]["collaborative"]["partners"]["nodes"]
    names = {n["name"] for n in nodes}
    assert ("Tenants United Riverside" in names) is sees_members_only_partners
    assert "Casa de la Familia" in names
    with_contact = {n["name"] for n in nodes if n["contact"] is not None}
    assert with_contact == (names if contacts_seen == ALL else contacts_seen)
