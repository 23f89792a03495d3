"""createCollaborative: instance admins found collaboratives and invite their first backbone
stewards; the flag reads no private data and reaches into no running collaborative."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.visibility import Visibility
from tests.factories import bearer, graphql, make_account, make_api_key
from tests.measurement_factories import make_measure
from tests.people import INVITE, Town, asks_to_sign_in, codes, make_town, redeem, signed_in

CREATE = """mutation($input: CreateCollaborativeInput!) { createCollaborative(input: $input) {
  collaborative { slug name languages defaultLanguage timeZone suppression { minPartners } }
  invitations { code link invitation { email role status partner { name kind } } }
  userErrors { field code message } } }"""
MEASURE = "query($id: ID!) { node(id: $id) { ... on Measure { name } } }"


@pytest.fixture
async def admin(session, settings: Settings) -> dict[str, str]:
    return bearer(settings, await make_account(session, instance_admin=True))


def founding(**overrides) -> dict:
    return {
        "input": {
            "slug": "northside",
            "name": "Northside Forward",
            "backboneName": "Northside Together",
            "stewardEmails": ["Lee@Example.org", "kai@example.org"],
            "languages": ["en", "es"],
            "timeZone": "America/Denver",
            **overrides,
        }
    }


async def test_an_instance_admin_founds_a_collaborative_and_invites_its_backbone(
    client, admin, settings: Settings
) -> None:
    body = await graphql(client, CREATE, founding(), admin)
    created = body["data"]["createCollaborative"]
    assert created["userErrors"] == []
    assert created["collaborative"] == {
        "slug": "northside",
        "name": "Northside Forward",
        "languages": ["en", "es"],
        "defaultLanguage": "en",
        "timeZone": "America/Denver",
        "suppression": {"minPartners": 3},
    }
    invitations = created["invitations"]
    assert [i["invitation"]["email"] for i in invitations] == ["lee@example.org", "kai@example.org"]
    assert {i["invitation"]["role"] for i in invitations} == {"BACKBONE_STEWARD"}
    assert invitations[0]["invitation"]["partner"] == {
        "name": "Northside Together",
        "kind": "BACKBONE",
    }
    # both first stewards may accept, one after the other
    for n, issued in enumerate(invitations):
        redeemed = await redeem(client, issued["code"], signed_in(settings, f"idp|first-{n}"))
        assert redeemed["userErrors"] == []
        assert [r["role"] for r in redeemed["roles"]] == ["BACKBONE", "PARTNER_STEWARD"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"slug": "North Side"}, ["slug"], "INVALID"),
        ({"name": " "}, ["name"], "REQUIRED"),
        ({"stewardEmails": []}, ["stewardEmails"], "REQUIRED"),
        (
            {"stewardEmails": ["a@example.org", "A@example.org"]},
            ["stewardEmails", "1"],
            "DUPLICATE",
        ),
        ({"stewardEmails": ["nope"]}, ["stewardEmails", "0"], "INVALID"),
        ({"languages": ["es"]}, ["languages"], "REQUIRED"),
        ({"timeZone": "Moon/Base"}, ["timeZone"], "INVALID"),
    ],
)
async def test_a_wrong_founding_names_its_field_and_writes_nothing(
    client, admin, connection, overrides, field, code
) -> None:
    body = await graphql(client, CREATE, founding(**overrides), admin)
    created = body["data"]["createCollaborative"]
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [(field, code)]
    found = await connection.execute(
        text("SELECT count(*) FROM collaborative WHERE slug LIKE 'north%'")
    )
    assert found.scalar_one() == 0


async def test_a_taken_slug_is_a_duplicate(client, admin) -> None:
    await graphql(client, CREATE, founding(), admin)
    body = await graphql(client, CREATE, founding(), admin)
    assert [(e["field"], e["code"]) for e in body["data"]["createCollaborative"]["userErrors"]] == [
        (["slug"], "DUPLICATE")
    ]


async def test_nobody_else_founds_a_collaborative(client, session, settings: Settings) -> None:
    town = await make_town(session, settings)
    key = await make_api_key(session, town.partners["a"])
    for headers in (town.as_("backbone"), town.as_("steward_a"), {"X-Api-Key": key}):
        body = await graphql(client, CREATE, founding(), headers)
        assert codes(body["data"]["createCollaborative"]) == ["FORBIDDEN"]
    assert await asks_to_sign_in(client, CREATE, founding())


async def test_an_instance_admin_reaches_into_no_running_collaborative(
    client, admin, session, settings: Settings
) -> None:
    town: Town = await make_town(session, settings)
    private = await make_measure(session, town.partners["a"], visibility=Visibility.PRIVATE)
    members_only = await make_measure(
        session, town.partners["a"], name="Members only", visibility=Visibility.COLLABORATIVE
    )
    for measure in (private, members_only):
        body = await graphql(client, MEASURE, {"id": to_global_id("Measure", measure.id)}, admin)
        assert body["data"]["node"] is None
    # nor invites itself into a backbone that has people
    variables = {
        "input": {
            "collaborativeId": town.id(),
            "email": "me@example.org",
            "role": "BACKBONE_STEWARD",
            "partnerId": town.id("backbone"),
        }
    }
    body = await graphql(client, INVITE, variables, admin)
    assert codes(body["data"]["createInvitation"]) == ["FORBIDDEN"]


async def test_below_the_api_only_an_instance_admin_inserts_a_collaborative(connection) -> None:
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        await connection.execute(
            text("SELECT set_config('tablero.account_id', gen_random_uuid()::text, true)")
        )
        with pytest.raises(DBAPIError, match="row-level security"):
            async with connection.begin_nested():
                await connection.execute(
                    text(
                        "INSERT INTO collaborative (id, slug, name, description, languages,"
                        " default_language, min_partners, min_cell, max_dominance_share)"
                        " VALUES (gen_random_uuid(), 'sneaky', 'S', '', '{en}', 'en', 3, 11, 0.8)"
                    )
                )
    finally:
        await connection.exec_driver_sql("RESET ROLE")
