"""Invitations through the API: who may invite whom, redeeming once, and every way a code
can be wrong (used, expired, revoked, resent, guessed, for another address)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from api.settings import Settings
from schema.relay import raw_id
from tests.factories import graphql, make_api_key
from tests.people import (
    INVITE,
    REDEEM,
    VIEWER,
    Town,
    asks_to_sign_in,
    codes,
    invite,
    make_town,
    redeem,
    signed_in,
)

LIST = """query($slug: String!) { collaborative(slug: $slug) {
  invitations(first: 20) { totalCount nodes { id email role status } } } }"""
RESEND = """mutation($input: ResendInvitationInput!) { resendInvitation(input: $input) {
  invitation { id status expiresAt } code link userErrors { field code message } } }"""
REVOKE = """mutation($input: InvitationIdInput!) { revokeInvitation(input: $input) {
  invitation { status } userErrors { field code message } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Invitation { email } } }"


@pytest.fixture
async def town(session, settings: Settings) -> Town:
    return await make_town(session, settings)


async def viewer_of(client, headers) -> dict:
    body = await graphql(client, VIEWER, headers=headers)
    return body["data"]["viewer"]


async def test_a_resident_invited_by_the_backbone_signs_in_and_becomes_a_member(
    client, town: Town, settings: Settings
) -> None:
    # given
    issued = await invite(client, town, "backbone", "Rosa@Example.org", "RESIDENT")
    assert issued["userErrors"] == []
    assert issued["invitation"]["email"] == "rosa@example.org"
    assert issued["invitation"]["status"] == "PENDING"
    assert issued["link"] == settings.invitation_url(issued["code"])
    assert issued["delivery"] == "NOT_CONFIGURED"
    rosa = signed_in(settings, "idp|rosa", email="ROSA@example.ORG", name="Rosa Díaz")
    # when
    redeemed = await redeem(client, issued["code"], rosa)
    # then
    assert redeemed["userErrors"] == []
    assert redeemed["roles"] == [{"role": "RESIDENT", "partnerId": None}]
    assert await viewer_of(client, rosa) == {
        "account": {"email": "rosa@example.org", "displayName": "Rosa Díaz"},
        "memberships": [{"role": "RESIDENT", "partner": None}],
    }


@pytest.mark.parametrize(
    "query",
    [
        VIEWER,
        'mutation { redeemInvitation(input: { code: "x" }) { accountId } '
        'createPartner(input: { collaborativeId: "x", name: "x", kind: FUNDER }) '
        "{ partner { id } } }",
        'mutation { ...M } fragment M on Mutation { redeemInvitation(input: { code: "x" }) '
        "{ accountId } }",
        "query { redeemInvitation: viewer { isAnonymous } }",
    ],
)
async def test_a_newcomer_may_only_redeem(client, settings: Settings, query) -> None:
    response = await client.post(
        "/graphql", json={"query": query}, headers=signed_in(settings, "idp|nobody-yet")
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "the token's subject is not a Tablero account"


async def test_only_a_person_signed_in_redeems(client, town: Town, session) -> None:
    issued = await invite(client, town, "backbone", "p@example.org", "RESIDENT")
    key = await make_api_key(session, town.partners["a"])
    assert codes(await redeem(client, issued["code"], {"X-Api-Key": key})) == ["FORBIDDEN"]
    assert await asks_to_sign_in(client, REDEEM, {"input": {"code": issued["code"]}})


async def test_a_code_is_redeemed_once(client, town: Town, settings: Settings) -> None:
    issued = await invite(client, town, "backbone", "once@example.org", "RESIDENT")
    first = await redeem(client, issued["code"], signed_in(settings, "idp|once"))
    again = await redeem(client, issued["code"], signed_in(settings, "idp|once"))
    other = await redeem(client, issued["code"], signed_in(settings, "idp|thief"))
    assert first["userErrors"] == []
    assert codes(again) == codes(other) == ["ALREADY_USED"]
    assert other["accountId"] is None


async def test_a_revoked_or_expired_code_says_so_and_an_unknown_one_is_not_found(
    client, town: Town, settings: Settings, session
) -> None:
    revoked = await invite(client, town, "backbone", "revoked@example.org", "RESIDENT")
    expired = await invite(client, town, "backbone", "late@example.org", "RESIDENT")
    body = await graphql(
        client, REVOKE, {"input": {"id": revoked["invitation"]["id"]}}, town.as_("backbone")
    )
    assert body["data"]["revokeInvitation"]["invitation"]["status"] == "REVOKED"
    await session.exec(
        text(
            "UPDATE invitation SET created_at = now() - interval '9 days',"
            " expires_at = now() - interval '1 day' WHERE id = :id"
        ).bindparams(id=raw_id(expired["invitation"]["id"], "Invitation"))
    )
    someone = signed_in(settings, "idp|someone")
    assert codes(await redeem(client, revoked["code"], someone)) == ["REVOKED"]
    assert codes(await redeem(client, expired["code"], someone)) == ["EXPIRED"]
    for guess in ("tbi_" + "A" * 43, "not-a-code", "", "tbi_" + "x" * 500):
        assert codes(await redeem(client, guess, someone)) == ["NOT_FOUND"]
    listed = await graphql(client, LIST, {"slug": town.collaborative.slug}, town.as_("backbone"))
    statuses = {
        n["email"]: n["status"] for n in listed["data"]["collaborative"]["invitations"]["nodes"]
    }
    assert statuses == {"revoked@example.org": "REVOKED", "late@example.org": "EXPIRED"}


async def test_resending_makes_a_new_code_and_the_old_one_stops_working(
    client, town: Town, settings: Settings
) -> None:
    issued = await invite(client, town, "steward_a", "sam@example.org", "PARTNER_STAFF", "a")
    body = await graphql(
        client,
        RESEND,
        {"input": {"id": issued["invitation"]["id"], "expiresInDays": 2}},
        town.as_("steward_a"),
    )
    resent = body["data"]["resendInvitation"]
    assert resent["userErrors"] == []
    assert resent["code"] != issued["code"]
    sam = signed_in(settings, "idp|sam")
    assert codes(await redeem(client, issued["code"], sam)) == ["NOT_FOUND"]
    assert (await redeem(client, resent["code"], sam))["roles"][0]["role"] == "PARTNER_STAFF"
    body = await graphql(
        client, RESEND, {"input": {"id": issued["invitation"]["id"]}}, town.as_("steward_a")
    )
    assert codes(body["data"]["resendInvitation"]) == ["ALREADY_USED"]


async def test_a_vouched_address_must_be_the_invited_one_compared_only_in_ascii_case(
    client, town: Town, settings: Settings
) -> None:
    issued = await invite(client, town, "backbone", "kim@example.org", "RESIDENT")
    # a Cyrillic or full-width letter that looks (or folds) like "k" is another address here
    for email in ("\u043aim@example.org", "\uff4bim@example.org", "kim@example.org.evil"):
        refused = await redeem(client, issued["code"], signed_in(settings, "idp|k", email=email))
        assert codes(refused) == ["FORBIDDEN"], email
    # an address the provider does not vouch for is not compared: the code alone decides
    unverified = signed_in(settings, "idp|kim", email="other@example.org", verified=False)
    accepted = await redeem(client, issued["code"], unverified)
    assert accepted["userErrors"] == []
    assert (await viewer_of(client, unverified))["account"]["email"] == "kim@example.org"


async def test_an_existing_account_is_linked_by_its_subject(
    client, town: Town, settings: Settings
) -> None:
    resident = town.people["resident"]
    issued = await invite(client, town, "steward_a", resident.email, "PARTNER_STAFF", "a")
    redeemed = await redeem(client, issued["code"], signed_in(settings, resident.subject))
    assert redeemed["userErrors"] == []
    assert raw_id(redeemed["accountId"], "Account") == resident.id
    roles = {m["role"] for m in (await viewer_of(client, town.as_("resident")))["memberships"]}
    assert roles == {"RESIDENT", "PARTNER_STAFF"}


async def test_another_sign_in_cannot_take_over_an_accounts_address(
    client, town: Town, settings: Settings
) -> None:
    resident = town.people["resident"]
    issued = await invite(client, town, "steward_a", resident.email, "PARTNER_STAFF", "a")
    refused = await redeem(client, issued["code"], signed_in(settings, "idp|impostor"))
    assert codes(refused) == ["FORBIDDEN"]
    assert "another sign-in" in refused["userErrors"][0]["message"]


# -- reach: nobody invites beyond their own -------------------------------------------------

ALLOWED = [
    ("steward_a", "PARTNER_STAFF", "a"),
    ("steward_a", "PARTNER_STEWARD", "a"),
    ("backbone", "RESIDENT", None),
    ("backbone", "FUNDER", "funder"),
    ("backbone", "BACKBONE", "backbone"),
    ("backbone", "BACKBONE_STEWARD", "backbone"),
    ("backbone", "PARTNER_STEWARD", "new"),  # a partner's first steward
]
REFUSED = [
    ("staff_a", "PARTNER_STAFF", "a"),
    ("steward_a", "PARTNER_STAFF", "b"),  # a steward of A acting on B
    ("steward_a", "RESIDENT", None),
    ("steward_a", "BACKBONE", "backbone"),
    ("backbone", "PARTNER_STAFF", "a"),
    ("backbone", "PARTNER_STEWARD", "a"),  # A has a steward: only they bring more
    ("funder", "RESIDENT", None),
    ("resident", "RESIDENT", None),
    ("outsider", "PARTNER_STAFF", "a"),
    ("other_backbone", "RESIDENT", None),
]


@pytest.mark.parametrize(("who", "role", "partner"), ALLOWED)
async def test_people_invite_within_their_reach(client, town: Town, who, role, partner) -> None:
    issued = await invite(client, town, who, "new.person@example.org", role, partner)
    assert issued["userErrors"] == []
    assert issued["invitation"]["role"] == role


@pytest.mark.parametrize(("who", "role", "partner"), REFUSED)
async def test_nobody_invites_beyond_their_reach(client, town: Town, who, role, partner) -> None:
    issued = await invite(client, town, who, "new.person@example.org", role, partner)
    assert issued["invitation"] is None
    assert issued["code"] is None
    assert codes(issued) in (["FORBIDDEN"], ["NOT_FOUND"])


async def test_an_anonymous_caller_is_asked_to_sign_in_and_invites_nobody(
    client, town: Town
) -> None:
    variables = {
        "input": {"collaborativeId": town.id(), "email": "new@example.org", "role": "RESIDENT"}
    }
    assert await asks_to_sign_in(client, INVITE, variables)
    listed = await graphql(client, LIST, {"slug": town.collaborative.slug}, town.as_("backbone"))
    assert listed["data"]["collaborative"]["invitations"]["nodes"] == []


@pytest.mark.parametrize(
    ("role", "partner"),
    [("FUNDER", "a"), ("PARTNER_STAFF", "funder"), ("BACKBONE", "a"), ("RESIDENT", "a")],
)
async def test_a_role_must_fit_its_partner(client, town: Town, role, partner) -> None:
    refused = await invite(client, town, "backbone", "x@example.org", role, partner)
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["partnerId"], "INVALID")]


async def test_a_partner_of_another_collaborative_is_not_found(client, town: Town) -> None:
    variables = {
        "input": {
            "collaborativeId": town.id(),
            "email": "x@example.org",
            "role": "PARTNER_STAFF",
            "partnerId": town.id("x"),
        }
    }
    body = await graphql(client, INVITE, variables, town.as_("outsider"))
    assert codes(body["data"]["createInvitation"]) == ["NOT_FOUND"]


async def test_an_api_key_invites_nobody(client, town: Town, session) -> None:
    key = await make_api_key(session, town.partners["a"])
    body = await graphql(
        client,
        INVITE,
        {
            "input": {
                "collaborativeId": town.id(),
                "email": "x@example.org",
                "role": "PARTNER_STAFF",
                "partnerId": town.id("a"),
            }
        },
        {"X-Api-Key": key},
    )
    assert codes(body["data"]["createInvitation"]) in (["FORBIDDEN"], ["NOT_FOUND"])


@pytest.mark.parametrize(
    ("email", "code"), [("", "REQUIRED"), ("not an address", "INVALID"), ("a@b", "INVALID")]
)
async def test_a_wrong_address_names_its_field(client, town: Town, email, code) -> None:
    refused = await invite(client, town, "backbone", email, "RESIDENT")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["email"], code)]


async def test_a_pending_invitation_is_not_made_twice(client, town: Town) -> None:
    await invite(client, town, "backbone", "twice@example.org", "RESIDENT")
    again = await invite(client, town, "backbone", "Twice@Example.org", "RESIDENT")
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["email"], "DUPLICATE")]


async def test_an_invitation_from_a_steward_removed_since_brings_nobody_in(
    client, town: Town, settings: Settings, session
) -> None:
    issued = await invite(client, town, "steward_a", "crony@example.org", "PARTNER_STEWARD", "a")
    await session.exec(
        text("DELETE FROM membership WHERE account_id = :a").bindparams(
            a=town.people["steward_a"].id
        )
    )
    refused = await redeem(client, issued["code"], signed_in(settings, "idp|crony"))
    assert codes(refused) == ["FORBIDDEN"]
    assert "no longer invite" in refused["userErrors"][0]["message"]


async def test_the_backbone_names_a_first_steward_only_while_there_is_none(
    client, town: Town, settings: Settings
) -> None:
    first = await invite(client, town, "backbone", "first@example.org", "PARTNER_STEWARD", "new")
    second = await invite(client, town, "backbone", "second@example.org", "PARTNER_STEWARD", "new")
    assert await redeem(client, first["code"], signed_in(settings, "idp|first"))
    late = await redeem(client, second["code"], signed_in(settings, "idp|second"))
    assert codes(late) == ["FORBIDDEN"]
    assert "has a steward now" in late["userErrors"][0]["message"]
    # and the new steward sees (and may revoke) whatever the backbone still has pending
    assert await viewer_of(client, signed_in(settings, "idp|first"))


# -- who reads invitations --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("steward_a", {"staff@example.org"}),
        ("backbone", {"resident@example.org"}),
        ("steward_b", set()),
        ("staff_a", set()),
        ("resident", set()),
        ("funder", set()),
        ("outsider", set()),
        ("anonymous", set()),
    ],
)
async def test_invitations_are_read_by_those_who_keep_them(client, town: Town, who, sees) -> None:
    staff = await invite(client, town, "steward_a", "staff@example.org", "PARTNER_STAFF", "a")
    await invite(client, town, "backbone", "resident@example.org", "RESIDENT")
    listed = await graphql(client, LIST, {"slug": town.collaborative.slug}, town.as_(who))
    nodes = listed["data"]["collaborative"]["invitations"]["nodes"]
    assert {n["email"] for n in nodes} == sees
    node = await graphql(client, NODE, {"id": staff["invitation"]["id"]}, town.as_(who))
    assert (node["data"]["node"] is not None) == ("staff@example.org" in sees)


async def test_no_one_reads_a_code_or_its_hash(client, town: Town, connection) -> None:
    issued = await invite(client, town, "backbone", "secret@example.org", "RESIDENT")
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        with pytest.raises(Exception, match="permission denied"):
            async with connection.begin_nested():
                await connection.execute(text("SELECT code_hash FROM invitation"))
    finally:
        await connection.exec_driver_sql("RESET ROLE")
    recorded = await connection.execute(
        text(
            "SELECT count(*) FROM audit_event WHERE table_name = 'invitation'"
            " AND (after ? 'code_hash' OR before ? 'code_hash' OR after::text LIKE :code)"
        ),
        {"code": f"%{issued['code']}%"},
    )
    assert recorded.scalar_one() == 0


async def test_expiry_days_are_bounded(client, town: Town) -> None:
    for days in (0, 31):
        refused = await invite(
            client, town, "backbone", "d@example.org", "RESIDENT", expiresInDays=days
        )
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (["expiresInDays"], "OUT_OF_RANGE")
        ]
    issued = await invite(client, town, "backbone", "d@example.org", "RESIDENT", expiresInDays=1)
    expires = datetime.fromisoformat(issued["invitation"]["expiresAt"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(days=1)
