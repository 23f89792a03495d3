"""`viewer`: who am I, through each kind of credential."""

from __future__ import annotations

from api.settings import Settings
from services.partners.models import PartnerKind
from services.viewer import Role
from tests.factories import (
    bearer,
    graphql,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)

VIEWER = """
{ viewer { isAnonymous isApiKey account { email displayName }
  memberships { role collaborative { slug } partner { name } } } }
"""


async def test_a_request_without_credentials_is_anonymous(client) -> None:
    # when
    body = await graphql(client, VIEWER)
    # then
    assert body["data"]["viewer"] == {
        "isAnonymous": True,
        "isApiKey": False,
        "account": None,
        "memberships": [],
    }


async def test_a_person_sees_their_account_and_memberships(
    client, session, settings: Settings
) -> None:
    # given
    collaborative = await make_collaborative(session, slug="eastside")
    partner = await make_partner(
        session, collaborative, name="Casa", kind=PartnerKind.COMMUNITY_ORG
    )
    account = await make_member(session, collaborative, Role.PARTNER_STEWARD, partner)
    await make_member(session, collaborative, Role.RESIDENT, account=account)
    # when
    body = await graphql(client, VIEWER, headers=bearer(settings, account))
    # then
    viewer = body["data"]["viewer"]
    assert viewer["isAnonymous"] is False
    assert viewer["account"]["email"] == account.email
    assert sorted(viewer["memberships"], key=lambda m: m["role"]) == [
        {
            "role": "PARTNER_STEWARD",
            "collaborative": {"slug": "eastside"},
            "partner": {"name": "Casa"},
        },
        {"role": "RESIDENT", "collaborative": {"slug": "eastside"}, "partner": None},
    ]


async def test_an_api_key_acts_as_staff_of_its_partner(client, session) -> None:
    # given
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative, name="Food Bank")
    key = await make_api_key(session, partner)
    # when
    body = await graphql(client, VIEWER, headers={"X-Api-Key": key})
    # then
    viewer = body["data"]["viewer"]
    assert viewer["isApiKey"] is True
    assert viewer["account"] is None
    assert viewer["memberships"] == [
        {
            "role": "PARTNER_STAFF",
            "collaborative": {"slug": collaborative.slug},
            "partner": {"name": "Food Bank"},
        }
    ]
