"""Partners through every path of the API, for every kind of viewer.

Profiles are public unless the partner chose members-only; contact details are for members
and the partner itself; the backbone adds partners; stewards (and the backbone, except for
visibility) keep profiles. Refusals never reveal whether a row exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from api.settings import Settings
from schema.relay import to_global_id
from services.partners.models import PartnerKind, ProfileVisibility
from services.viewer import Role
from tests.factories import (
    bearer,
    graphql,
    make_account,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)

PARTNERS = """
query($slug: String!, $first: Int, $after: String, $kinds: [PartnerKind!]) {
  collaborative(slug: $slug) {
    partners(first: $first, after: $after, kinds: $kinds) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { id name contact { email } collaborative { slug } }
    }
  }
}"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Partner { name contact { email } } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
CREATE = """mutation($input: CreatePartnerInput!) { createPartner(input: $input) {
  partner { name visibility contact { email } } userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) {
  partner { name visibility contact { email } } userErrors { field code message } } }"""


@dataclass
class Table:
    """Collaborative A with people in every role, and collaborative B next door."""

    a: Any
    b: Any
    casa: Any  # public profile, A
    tenants: Any  # members-only profile, A
    hidden_b: Any  # members-only profile, B
    viewers: dict[str, dict[str, str]]


@pytest.fixture
async def table(session, settings: Settings) -> Table:
    a = await make_collaborative(session)
    b = await make_collaborative(session)
    backbone = await make_partner(session, a, name="Backbone", kind=PartnerKind.BACKBONE)
    funder = await make_partner(
        session, a, name="Fund", kind=PartnerKind.FUNDER, contact_email="f@x.org"
    )
    casa = await make_partner(session, a, name="Casa", contact_email="casa@x.org")
    tenants = await make_partner(
        session,
        a,
        name="Tenants",
        visibility=ProfileVisibility.COLLABORATIVE,
        contact_email="tenants@x.org",
    )
    b_partner = await make_partner(session, b, name="B Org")
    hidden_b = await make_partner(
        session,
        b,
        name="B Hidden",
        visibility=ProfileVisibility.COLLABORATIVE,
        contact_email="hidden@x.org",
    )
    people = {
        "resident": await make_member(session, a, Role.RESIDENT),
        "staff": await make_member(session, a, Role.PARTNER_STAFF, casa),
        "steward": await make_member(session, a, Role.PARTNER_STEWARD, casa),
        "tenants_steward": await make_member(session, a, Role.PARTNER_STEWARD, tenants),
        "backbone": await make_member(session, a, Role.BACKBONE, backbone),
        "funder": await make_member(session, a, Role.FUNDER, funder),
        "admin": await make_member(session, a, Role.ADMIN),
        "b_backbone": await make_member(session, b, Role.BACKBONE, b_partner),
        "no_membership": await make_account(session),
    }
    viewers = {name: bearer(settings, account) for name, account in people.items()}
    viewers["anonymous"] = {}
    viewers["api_key"] = {"X-Api-Key": await make_api_key(session, casa)}
    return Table(a, b, casa, tenants, hidden_b, viewers)


MEMBERS = ["resident", "staff", "steward", "backbone", "api_key"]
OUTSIDERS = ["anonymous", "funder", "admin", "b_backbone", "no_membership"]


@pytest.mark.parametrize("viewer", MEMBERS + OUTSIDERS)
async def test_the_partner_list_shows_members_only_profiles_and_contacts_to_members_only(
    client, table: Table, viewer: str
) -> None:
    body = await graphql(
        client, PARTNERS, {"slug": table.a.slug, "first": 50}, table.viewers[viewer]
    )
    partners = body["data"]["collaborative"]["partners"]
    by_name = {p["name"]: p for p in partners["nodes"]}
    if viewer in MEMBERS:
        assert set(by_name) == {"Backbone", "Fund", "Casa", "Tenants"}
        assert by_name["Casa"]["contact"] == {"email": "casa@x.org"}
    else:
        assert set(by_name) == {"Backbone", "Fund", "Casa"}
        assert by_name["Casa"]["contact"] is None
    assert partners["totalCount"] == len(by_name)
    if viewer == "funder":  # a funder sees its own organization's contact, nobody else's
        assert by_name["Fund"]["contact"] == {"email": "f@x.org"}


async def test_a_guessed_global_id_from_another_collaborative_is_just_null(
    client, table: Table
) -> None:
    hidden = to_global_id("Partner", table.hidden_b.id)
    random = to_global_id("Partner", uuid.uuid4())
    for headers in (table.viewers["backbone"], table.viewers["anonymous"], table.viewers["admin"]):
        assert await graphql(client, NODE, {"id": hidden}, headers) == {"data": {"node": None}}
        assert await graphql(client, NODE, {"id": random}, headers) == {"data": {"node": None}}
        body = await graphql(client, NODES, {"ids": [hidden, random, "garbage"]}, headers)
        assert body == {"data": {"nodes": [None, None, None]}}
    mine = await graphql(client, NODE, {"id": hidden}, table.viewers["b_backbone"])
    assert mine["data"]["node"]["name"] == "B Hidden"


async def test_a_members_only_profile_is_hidden_from_outsiders_by_node_too(client, table) -> None:
    tenants = to_global_id("Partner", table.tenants.id)
    assert (await graphql(client, NODE, {"id": tenants}))["data"]["node"] is None
    body = await graphql(client, NODE, {"id": tenants}, table.viewers["resident"])
    assert body["data"]["node"] == {
        "id": tenants,
        "name": "Tenants",
        "contact": {"email": "tenants@x.org"},
    }


def create_input(table: Table, **overrides: Any) -> dict[str, Any]:
    return {
        "collaborativeId": to_global_id("Collaborative", table.a.id),
        "name": "Riverside Library",
        "kind": "PUBLIC_AGENCY",
        "contact": {"email": "library@x.org"},
        **overrides,
    }


async def test_the_backbone_adds_a_partner(client, table: Table) -> None:
    body = await graphql(client, CREATE, {"input": create_input(table)}, table.viewers["backbone"])
    assert body["data"]["createPartner"] == {
        "partner": {
            "name": "Riverside Library",
            "visibility": "PUBLIC",
            "contact": {"email": "library@x.org"},
        },
        "userErrors": [],
    }


@pytest.mark.parametrize(
    "viewer", ["resident", "steward", "funder", "admin", "b_backbone", "anonymous"]
)
async def test_only_the_backbone_of_that_collaborative_adds_partners(client, table, viewer) -> None:
    body = await graphql(client, CREATE, {"input": create_input(table)}, table.viewers[viewer])
    assert body["data"]["createPartner"]["userErrors"] == [
        {
            "field": ["collaborativeId"],
            "code": "FORBIDDEN",
            "message": "only the collaborative's backbone staff add partners",
        }
    ]
    listed = await graphql(
        client, PARTNERS, {"slug": table.a.slug, "first": 50}, table.viewers["backbone"]
    )
    assert "Riverside Library" not in {
        p["name"] for p in listed["data"]["collaborative"]["partners"]["nodes"]
    }


async def test_adding_to_an_unknown_collaborative_is_not_found(client, table) -> None:
    unknown = to_global_id("Collaborative", uuid.uuid4())
    body = await graphql(
        client,
        CREATE,
        {"input": create_input(table, collaborativeId=unknown)},
        table.viewers["backbone"],
    )
    assert body["data"]["createPartner"]["userErrors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": "   "}, ["name"], "INVALID"),
        ({"name": "x" * 201}, ["name"], "TOO_LONG"),
        ({"contact": {"email": "x" * 321}}, ["contact", "email"], "TOO_LONG"),
        ({"name": "Casa"}, ["name"], "DUPLICATE"),
    ],
)
async def test_a_refused_partner_names_the_field_and_writes_nothing(
    client, table: Table, overrides: dict, field: list[str], code: str
) -> None:
    body = await graphql(
        client, CREATE, {"input": create_input(table, **overrides)}, table.viewers["backbone"]
    )
    errors = body["data"]["createPartner"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert body["data"]["createPartner"]["partner"] is None
    listed = await graphql(
        client, PARTNERS, {"slug": table.a.slug, "first": 50}, table.viewers["backbone"]
    )
    assert len(listed["data"]["collaborative"]["partners"]["nodes"]) == 4


async def test_a_steward_keeps_the_profile_and_chooses_who_sees_it(client, table: Table) -> None:
    update = {
        "id": to_global_id("Partner", table.casa.id),
        "name": "Casa de la Familia",
        "visibility": "COLLABORATIVE",
        "contact": {"phone": "555"},
    }
    body = await graphql(client, UPDATE, {"input": update}, table.viewers["steward"])
    assert body["data"]["updatePartner"] == {
        "partner": {
            "name": "Casa de la Familia",
            "visibility": "COLLABORATIVE",
            "contact": {"email": "casa@x.org"},
        },
        "userErrors": [],
    }


async def test_the_backbone_keeps_profiles_but_not_a_partners_visibility(client, table) -> None:
    partner_id = to_global_id("Partner", table.casa.id)
    renamed = await graphql(
        client,
        UPDATE,
        {"input": {"id": partner_id, "description": "Family center"}},
        table.viewers["backbone"],
    )
    assert renamed["data"]["updatePartner"]["userErrors"] == []
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": partner_id, "visibility": "COLLABORATIVE"}},
        table.viewers["backbone"],
    )
    assert body["data"]["updatePartner"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert body["data"]["updatePartner"]["userErrors"][0]["field"] == ["visibility"]


@pytest.mark.parametrize(
    ("viewer", "target"),
    [
        ("tenants_steward", "casa"),
        ("staff", "casa"),
        ("resident", "casa"),
        ("funder", "casa"),
        ("anonymous", "casa"),
        ("b_backbone", "casa"),
        ("backbone", "hidden_b"),
        ("steward", "random"),
    ],
)
async def test_changing_a_partner_one_may_not_change_looks_like_it_does_not_exist(
    client, table: Table, viewer: str, target: str
) -> None:
    raw = uuid.uuid4() if target == "random" else getattr(table, target).id
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": to_global_id("Partner", raw), "name": "Mine"}},
        table.viewers[viewer],
    )
    assert body["data"]["updatePartner"] == {
        "partner": None,
        "userErrors": [
            {"field": ["id"], "code": "NOT_FOUND", "message": "no partner with this id"}
        ],
    }


async def test_pages_follow_cursors_and_refuse_bad_arguments(client, table: Table) -> None:
    headers = table.viewers["resident"]
    first = await graphql(client, PARTNERS, {"slug": table.a.slug, "first": 3}, headers)
    page = first["data"]["collaborative"]["partners"]
    assert page["pageInfo"]["hasNextPage"] is True
    second = await graphql(
        client,
        PARTNERS,
        {"slug": table.a.slug, "first": 3, "after": page["pageInfo"]["endCursor"]},
        headers,
    )
    assert "errors" not in second, second
    rest = second["data"]["collaborative"]["partners"]
    assert [p["name"] for p in page["nodes"] + rest["nodes"]] == [
        "Backbone",
        "Casa",
        "Fund",
        "Tenants",
    ]
    assert rest["pageInfo"]["hasNextPage"] is False
    too_many = await graphql(client, PARTNERS, {"slug": table.a.slug, "first": 101}, headers)
    assert "first: must be between 0 and 100" in too_many["errors"][0]["message"]
    garbage = await graphql(client, PARTNERS, {"slug": table.a.slug, "after": "bm9wZQ"}, headers)
    assert "after: is not a cursor from this connection" in garbage["errors"][0]["message"]
    kinds = await graphql(client, PARTNERS, {"slug": table.a.slug, "kinds": ["FUNDER"]}, headers)
    assert [p["name"] for p in kinds["data"]["collaborative"]["partners"]["nodes"]] == ["Fund"]


async def test_a_partner_list_costs_the_same_statements_for_3_or_12_partners(
    client, session, settings, count_statements
) -> None:
    async def statements_for(n: int) -> int:
        collaborative = await make_collaborative(session)
        for i in range(n):
            await make_partner(session, collaborative, name=f"P{i}", contact_email=f"p{i}@x.org")
        member = await make_member(session, collaborative, Role.RESIDENT)
        with count_statements() as counter:
            body = await graphql(
                client,
                PARTNERS,
                {"slug": collaborative.slug, "first": 50},
                bearer(settings, member),
            )
        assert len(body["data"]["collaborative"]["partners"]["nodes"]) == n
        return counter.count

    assert await statements_for(3) == await statements_for(12)
