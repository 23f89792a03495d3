"""Partners through /graphql: who sees which profile and contact, and who may change them.

Every kind of viewer is tried on every path that reaches a partner (the `partners`
connection, `node`, `nodes`, nested fields and both mutations), on partners of its own
collaborative and of another one. A refused or unknown id always answers the same way.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import col, func, select

from api.settings import Settings
from schema.relay import to_global_id
from services.collaboratives.models import Collaborative
from services.partners.models import Partner, PartnerContact, PartnerKind, ProfileVisibility
from services.viewer import Role
from tests.factories import (
    bearer,
    graphql,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)

PARTNERS = """
query($slug: String!, $first: Int! = 20, $after: String, $kinds: [PartnerKind!]) {
  collaborative(slug: $slug) {
    partners(first: $first, after: $after, kinds: $kinds) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      nodes { name contact { email } collaborative { slug } }
    }
  }
}
"""

NODE = """
query($id: ID!) {
  node(id: $id) { id ... on Partner { name contact { email } collaborative { slug } } }
}
"""

NODES = """
query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Partner { name contact { email } } } }
"""

MEMBERSHIPS = """
{ viewer { memberships {
  role partner { name visibility contact { email } collaborative { slug } } } } }
"""

CREATE = """
mutation($input: CreatePartnerInput!) {
  createPartner(input: $input) {
    partner { name kind visibility contact { email phone } collaborative { slug } }
    userErrors { field code message }
  }
}
"""

UPDATE = """
mutation($input: UpdatePartnerInput!) {
  updatePartner(input: $input) {
    partner { name description visibility contact { email phone } }
    userErrors { field code message }
  }
}
"""

# Eastside's partners, by name (the connection's order), and who sees what of them.
BACKBONE_UNITED = "Backbone United"  # the backbone, public profile
CASA = "Casa Esperanza"  # community org, members-only profile; staff, steward and API key
FUND = "Eastside Fund"  # a funder, members-only profile
CLINIC = "Hillside Clinic"  # health, members-only profile; nobody here works for it
LIBRARY = "Public Library"  # public agency, public profile
EVERYONE_IN_EAST = [BACKBONE_UNITED, CASA, FUND, CLINIC, LIBRARY]
PUBLIC_IN_EAST = [BACKBONE_UNITED, LIBRARY]

MEMBERS = ("resident", "staff", "steward", "backbone", "api_key")
NOT_MEMBERS = ("anonymous", "funder", "admin", "outsider")
VIEWERS = MEMBERS + NOT_MEMBERS
# Profiles of Eastside each viewer sees, and those whose contact details it reads.
SEES = {
    **dict.fromkeys(MEMBERS, EVERYONE_IN_EAST),
    "anonymous": PUBLIC_IN_EAST,
    "funder": [BACKBONE_UNITED, FUND, LIBRARY],  # public ones, and its own
    "admin": PUBLIC_IN_EAST,
    "outsider": PUBLIC_IN_EAST,
}
READS_CONTACT_OF = {
    **dict.fromkeys(MEMBERS, EVERYONE_IN_EAST),
    "anonymous": [],
    "funder": [FUND],
    "admin": [],
    "outsider": [],
}
NOT_FOUND = [{"field": ["id"], "code": "NOT_FOUND", "message": "no partner with this id"}]


def email_of(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.org"


@dataclass
class World:
    """Two collaboratives, Eastside (where most viewers belong) and Westside."""

    east: Collaborative
    west: Collaborative
    partners: dict[str, Partner]
    headers: dict[str, dict[str, str]]

    def gid(self, name: str) -> str:
        return to_global_id("Partner", self.partners[name].id)

    @property
    def east_gid(self) -> str:
        return to_global_id("Collaborative", self.east.id)


@pytest.fixture
async def world(session, settings: Settings) -> World:
    east = await make_collaborative(session, slug="eastside")
    west = await make_collaborative(session, slug="westside")
    visibility = {
        BACKBONE_UNITED: (PartnerKind.BACKBONE, ProfileVisibility.PUBLIC),
        CASA: (PartnerKind.COMMUNITY_ORG, ProfileVisibility.COLLABORATIVE),
        FUND: (PartnerKind.FUNDER, ProfileVisibility.COLLABORATIVE),
        CLINIC: (PartnerKind.HEALTH, ProfileVisibility.COLLABORATIVE),
        LIBRARY: (PartnerKind.PUBLIC_AGENCY, ProfileVisibility.PUBLIC),
    }
    partners = {
        name: await make_partner(
            session, east, name=name, kind=kind, visibility=seen, contact_email=email_of(name)
        )
        for name, (kind, seen) in visibility.items()
    }
    for name, seen in (
        ("West Open Door", ProfileVisibility.PUBLIC),
        ("West Secret Garden", ProfileVisibility.COLLABORATIVE),
    ):
        partners[name] = await make_partner(
            session, west, name=name, visibility=seen, contact_email=email_of(name)
        )
    # The outsider convenes Westside and stewards one of its partners: powers, elsewhere.
    outsider = await make_member(session, west, Role.BACKBONE, partners["West Secret Garden"])
    await make_member(
        session, west, Role.PARTNER_STEWARD, partners["West Secret Garden"], account=outsider
    )
    accounts = {
        "resident": await make_member(session, east, Role.RESIDENT),
        "staff": await make_member(session, east, Role.PARTNER_STAFF, partners[CASA]),
        "steward": await make_member(session, east, Role.PARTNER_STEWARD, partners[CASA]),
        "backbone": await make_member(session, east, Role.BACKBONE, partners[BACKBONE_UNITED]),
        "funder": await make_member(session, east, Role.FUNDER, partners[FUND]),
        "admin": await make_member(session, east, Role.ADMIN),
        "outsider": outsider,
    }
    headers = {who: bearer(settings, account) for who, account in accounts.items()}
    headers["anonymous"] = {}
    headers["api_key"] = {"X-Api-Key": await make_api_key(session, partners[CASA])}
    return World(east=east, west=west, partners=partners, headers=headers)


async def partner_names(session, collaborative: Collaborative) -> list[str]:
    """What is really stored, read as the owner."""
    rows = await session.exec(
        select(Partner.name)
        .where(Partner.collaborative_id == collaborative.id)
        .order_by(Partner.name)
    )
    return list(rows.all())


async def contact_count(session) -> int:
    return (await session.exec(select(func.count()).select_from(PartnerContact))).one()


def cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


# -- the partners connection ---------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
async def test_each_viewer_lists_exactly_the_profiles_and_contacts_it_may_see(
    client, world: World, who: str
) -> None:
    # when
    body = await graphql(client, PARTNERS, {"slug": "eastside"}, world.headers[who])
    # then
    partners = body["data"]["collaborative"]["partners"]
    assert partners["nodes"] == [
        {
            "name": name,
            "contact": {"email": email_of(name)} if name in READS_CONTACT_OF[who] else None,
            "collaborative": {"slug": "eastside"},
        }
        for name in SEES[who]
    ]
    assert partners["totalCount"] == len(SEES[who])


@pytest.mark.parametrize("who", [*MEMBERS, "anonymous", "funder", "admin"])
async def test_another_collaboratives_list_shows_only_its_public_profiles_without_contacts(
    client, world: World, who: str
) -> None:
    # when
    body = await graphql(client, PARTNERS, {"slug": "westside"}, world.headers[who])
    # then
    partners = body["data"]["collaborative"]["partners"]
    assert partners["nodes"] == [
        {"name": "West Open Door", "contact": None, "collaborative": {"slug": "westside"}}
    ]
    assert partners["totalCount"] == 1


async def test_a_member_of_another_collaborative_sees_everything_there(
    client, world: World
) -> None:
    # when
    body = await graphql(client, PARTNERS, {"slug": "westside"}, world.headers["outsider"])
    # then
    nodes = body["data"]["collaborative"]["partners"]["nodes"]
    assert [(n["name"], n["contact"]) for n in nodes] == [
        ("West Open Door", {"email": email_of("West Open Door")}),
        ("West Secret Garden", {"email": email_of("West Secret Garden")}),
    ]


async def test_a_member_pages_through_every_partner_by_name(client, world: World) -> None:
    # given
    headers = world.headers["resident"]
    pages: list[dict[str, Any]] = []
    after = None
    # when
    for _ in range(3):
        body = await graphql(
            client, PARTNERS, {"slug": "eastside", "first": 2, "after": after}, headers
        )
        assert "errors" not in body, body
        pages.append(body["data"]["collaborative"]["partners"])
        after = pages[-1]["pageInfo"]["endCursor"]
    # then
    assert [[n["name"] for n in page["nodes"]] for page in pages] == [
        [BACKBONE_UNITED, CASA],
        [FUND, CLINIC],
        [LIBRARY],
    ]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, False]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]
    assert {page["totalCount"] for page in pages} == {5}


async def test_hidden_profiles_leave_no_gap_in_an_anonymous_viewers_pages(
    client, world: World
) -> None:
    # when
    first = await graphql(client, PARTNERS, {"slug": "eastside", "first": 1})
    cursor_ = first["data"]["collaborative"]["partners"]["pageInfo"]["endCursor"]
    second = await graphql(client, PARTNERS, {"slug": "eastside", "first": 1, "after": cursor_})
    # then
    pages = [
        first["data"]["collaborative"]["partners"],
        second["data"]["collaborative"]["partners"],
    ]
    assert [page["nodes"][0]["name"] for page in pages] == PUBLIC_IN_EAST
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, False]
    assert [page["totalCount"] for page in pages] == [2, 2]


@pytest.mark.parametrize(
    ("who", "kinds", "expected"),
    [
        ("resident", ["COMMUNITY_ORG", "HEALTH"], [CASA, CLINIC]),
        ("anonymous", ["COMMUNITY_ORG", "HEALTH"], []),
        ("funder", ["FUNDER"], [FUND]),
        ("outsider", ["FUNDER"], []),
        ("anonymous", ["BACKBONE", "PUBLIC_AGENCY"], [BACKBONE_UNITED, LIBRARY]),
    ],
)
async def test_the_kinds_filter_narrows_what_the_viewer_may_see(
    client, world: World, who: str, kinds: list[str], expected: list[str]
) -> None:
    # when
    body = await graphql(client, PARTNERS, {"slug": "eastside", "kinds": kinds}, world.headers[who])
    # then
    partners = body["data"]["collaborative"]["partners"]
    assert [n["name"] for n in partners["nodes"]] == expected
    assert partners["totalCount"] == len(expected)


async def test_a_page_may_hold_from_zero_to_one_hundred_partners(client, world: World) -> None:
    # when
    empty = await graphql(client, PARTNERS, {"slug": "eastside", "first": 0})
    full = await graphql(client, PARTNERS, {"slug": "eastside", "first": 100})
    # then
    assert empty["data"]["collaborative"]["partners"]["nodes"] == []
    assert empty["data"]["collaborative"]["partners"]["pageInfo"]["hasNextPage"] is True
    assert len(full["data"]["collaborative"]["partners"]["nodes"]) == 2


@pytest.mark.parametrize("first", [101, -1, 10_000])
async def test_a_page_size_out_of_range_is_an_error_naming_first(
    client, world: World, first: int
) -> None:
    # when
    body = await graphql(client, PARTNERS, {"slug": "eastside", "first": first})
    # then
    (error,) = body["errors"]
    assert error["message"] == "first: must be between 0 and 100"
    assert error["path"] == ["collaborative", "partners"]
    assert body["data"] == {"collaborative": {"partners": None}}  # the connection alone


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "",
        "%%%",
        cursor({"name": "Casa"}),
        cursor(["Casa Esperanza"]),
        cursor(["Casa Esperanza", "not-a-uuid"]),
        cursor(["Casa Esperanza", 5]),
        cursor(["Casa Esperanza", ["a", "list"]]),
        cursor(["Casa\u0000Esperanza", str(uuid4())]),
    ],
)
async def test_a_cursor_that_this_connection_did_not_make_is_an_error_naming_after(
    client, world: World, after: str
) -> None:
    # when
    body = await graphql(client, PARTNERS, {"slug": "eastside", "after": after})
    # then
    (error,) = body["errors"]
    assert error["message"] == "after: is not a cursor from this connection"
    assert body["data"] == {"collaborative": {"partners": None}}


async def test_listing_partners_with_contacts_and_collaboratives_costs_the_same_for_5_or_15(
    client, session, settings: Settings, count_statements
) -> None:
    # given a resident of a small and of a large collaborative
    small = await make_collaborative(session, slug="small")
    large = await make_collaborative(session, slug="large")
    for collaborative, size in ((small, 5), (large, 15)):
        for n in range(size):
            await make_partner(
                session,
                collaborative,
                visibility=ProfileVisibility.COLLABORATIVE,
                contact_email=f"p{n}@{collaborative.slug}.example.org",
            )
    resident = await make_member(session, small, Role.RESIDENT)
    await make_member(session, large, Role.RESIDENT, account=resident)
    headers = bearer(settings, resident)
    # when
    counts = {}
    for slug, size in (("small", 5), ("large", 15)):
        with count_statements() as counter:
            body = await graphql(client, PARTNERS, {"slug": slug}, headers)
        nodes = body["data"]["collaborative"]["partners"]["nodes"]
        assert len(nodes) == size
        assert all(n["contact"]["email"] and n["collaborative"]["slug"] == slug for n in nodes)
        counts[slug] = counter.count
    # then
    assert counts["small"] == counts["large"]


# -- node and nodes ------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*MEMBERS, "anonymous", "funder", "admin"])
async def test_a_guessed_id_of_another_collaboratives_members_only_partner_answers_as_nothing(
    client, world: World, who: str
) -> None:
    # given the global id of Westside's members-only partner, and one of no partner at all
    guessed = world.gid("West Secret Garden")
    random = to_global_id("Partner", uuid4())
    # when
    found = await graphql(client, NODE, {"id": guessed}, world.headers[who])
    missing = await graphql(client, NODE, {"id": random}, world.headers[who])
    # then
    assert found == missing
    assert found["data"] == {"node": None}
    assert "errors" not in found


@pytest.mark.parametrize("who", [*MEMBERS, "anonymous", "funder", "admin"])
async def test_nodes_answers_guessed_random_and_malformed_ids_alike(
    client, world: World, who: str
) -> None:
    # given
    secret = world.partners["West Secret Garden"]
    ids = [
        world.gid("West Secret Garden"),
        to_global_id("Partner", uuid4()),
        world.gid("West Open Door"),
        to_global_id("Collaborative", secret.id),  # the right uuid under another type
        base64.urlsafe_b64encode(f"Partner:{secret.id}x".encode()).decode(),
        "not-a-global-id",
    ]
    # when
    body = await graphql(client, NODES, {"ids": ids}, world.headers[who])
    # then
    assert "errors" not in body
    assert body["data"]["nodes"] == [
        None,
        None,
        {"id": ids[2], "name": "West Open Door", "contact": None},
        None,
        None,
        None,
    ]


async def test_a_member_of_another_collaborative_finds_its_own_members_only_partner_by_id(
    client, world: World
) -> None:
    # when
    body = await graphql(
        client, NODE, {"id": world.gid("West Secret Garden")}, world.headers["outsider"]
    )
    # then
    assert body["data"]["node"] == {
        "id": world.gid("West Secret Garden"),
        "name": "West Secret Garden",
        "contact": {"email": email_of("West Secret Garden")},
        "collaborative": {"slug": "westside"},
    }


@pytest.mark.parametrize("who", VIEWERS)
async def test_nodes_shows_each_viewer_what_the_connection_shows(
    client, world: World, who: str
) -> None:
    # when
    ids = [world.gid(name) for name in EVERYONE_IN_EAST]
    body = await graphql(client, NODES, {"ids": ids}, world.headers[who])
    # then
    assert body["data"]["nodes"] == [
        {
            "id": world.gid(name),
            "name": name,
            "contact": {"email": email_of(name)} if name in READS_CONTACT_OF[who] else None,
        }
        if name in SEES[who]
        else None
        for name in EVERYONE_IN_EAST
    ]


@pytest.mark.parametrize("who", VIEWERS)
async def test_a_public_profiles_collaborative_is_reachable_from_the_profile(
    client, world: World, who: str
) -> None:
    # when
    body = await graphql(client, NODE, {"id": world.gid(LIBRARY)}, world.headers[who])
    # then
    node = body["data"]["node"]
    assert node["collaborative"] == {"slug": "eastside"}
    assert node["contact"] == ({"email": email_of(LIBRARY)} if who in MEMBERS else None)


# -- nested fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role", "partner"),
    [
        ("staff", "PARTNER_STAFF", CASA),
        ("steward", "PARTNER_STEWARD", CASA),
        ("backbone", "BACKBONE", BACKBONE_UNITED),
        ("funder", "FUNDER", FUND),
        ("api_key", "PARTNER_STAFF", CASA),
    ],
)
async def test_a_membership_shows_ones_own_partner_with_its_contact(
    client, world: World, who: str, role: str, partner: str
) -> None:
    # when
    body = await graphql(client, MEMBERSHIPS, headers=world.headers[who])
    # then
    (membership,) = body["data"]["viewer"]["memberships"]
    assert membership["role"] == role
    assert membership["partner"] == {
        "name": partner,
        "visibility": world.partners[partner].visibility.upper(),
        "contact": {"email": email_of(partner)},
        "collaborative": {"slug": "eastside"},
    }


@pytest.mark.parametrize("who", ["resident", "admin"])
async def test_a_membership_without_a_partner_shows_none(client, world: World, who: str) -> None:
    # when
    body = await graphql(client, MEMBERSHIPS, headers=world.headers[who])
    # then
    assert body["data"]["viewer"]["memberships"] == [{"role": who.upper(), "partner": None}]


async def test_a_funder_sees_no_other_partners_contact_in_its_own_collaborative(
    client, world: World
) -> None:
    # when
    body = await graphql(
        client, NODES, {"ids": [world.gid(LIBRARY), world.gid(FUND)]}, world.headers["funder"]
    )
    # then
    assert [n["contact"] for n in body["data"]["nodes"]] == [None, {"email": email_of(FUND)}]


# -- createPartner -------------------------------------------------------------------------


def create_input(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "collaborativeId": world.east_gid,
        "name": "Tenants Union",
        "kind": "RESIDENT_GROUP",
        "visibility": "COLLABORATIVE",
        "contact": {"email": "hello@tenants.example.org", "phone": "555-0100"},
        **overrides,
    }


async def test_the_backbone_brings_a_partner_with_contact_details_into_its_collaborative(
    client, session, world: World
) -> None:
    # when
    body = await graphql(client, CREATE, {"input": create_input(world)}, world.headers["backbone"])
    # then
    assert body["data"]["createPartner"] == {
        "partner": {
            "name": "Tenants Union",
            "kind": "RESIDENT_GROUP",
            "visibility": "COLLABORATIVE",
            "contact": {"email": "hello@tenants.example.org", "phone": "555-0100"},
            "collaborative": {"slug": "eastside"},
        },
        "userErrors": [],
    }
    assert "Tenants Union" in await partner_names(session, world.east)
    contact = await session.exec(
        select(PartnerContact.email)
        .join(Partner, col(Partner.id) == PartnerContact.partner_id)
        .where(Partner.name == "Tenants Union")
    )
    assert contact.all() == ["hello@tenants.example.org"]


# (anonymous mutations are refused before running: UNAUTHENTICATED, test_graphql_over_http)
@pytest.mark.parametrize("who", [w for w in VIEWERS if w not in ("backbone", "anonymous")])
async def test_nobody_but_that_collaboratives_backbone_may_add_a_partner(
    client, session, world: World, who: str
) -> None:
    # given
    before = await contact_count(session)
    # when
    body = await graphql(client, CREATE, {"input": create_input(world)}, world.headers[who])
    # then
    assert body["data"]["createPartner"] == {
        "partner": None,
        "userErrors": [
            {
                "field": ["collaborativeId"],
                "code": "FORBIDDEN",
                "message": "only the collaborative's backbone staff add partners",
            }
        ],
    }
    assert "Tenants Union" not in await partner_names(session, world.east)
    assert await contact_count(session) == before


@pytest.mark.parametrize("which", ["an unknown", "a malformed", "a partner's"])
async def test_adding_a_partner_to_an_unknown_collaborative_is_not_found(
    client, world: World, which: str
) -> None:
    # given
    collaborative_id = {
        "an unknown": to_global_id("Collaborative", uuid4()),
        "a malformed": "not-a-global-id",
        "a partner's": world.gid(CASA),
    }[which]
    # when
    body = await graphql(
        client,
        CREATE,
        {"input": create_input(world, collaborativeId=collaborative_id)},
        world.headers["backbone"],
    )
    # then
    assert body["data"]["createPartner"] == {
        "partner": None,
        "userErrors": [
            {
                "field": ["collaborativeId"],
                "code": "NOT_FOUND",
                "message": "no collaborative with this id",
            }
        ],
    }


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": ""}, ["name"], "REQUIRED"),
        ({"name": "   "}, ["name"], "REQUIRED"),  # blank text is missing text
        ({"name": "x" * 201}, ["name"], "TOO_LONG"),
        ({"description": "x" * 4001}, ["description"], "TOO_LONG"),
        ({"website": "https://" + "x" * 500}, ["website"], "TOO_LONG"),
        ({"contact": {"email": "x" * 309 + "@example.org"}}, ["contact", "email"], "TOO_LONG"),
        ({"contact": {"phone": "5" * 51}}, ["contact", "phone"], "TOO_LONG"),
        ({"contact": {"address": "x" * 501}}, ["contact", "address"], "TOO_LONG"),
    ],
)
async def test_an_invalid_new_partner_is_refused_naming_the_field_and_nothing_is_written(
    client, session, world: World, overrides: dict[str, Any], field: list[str], code: str
) -> None:
    # given
    names_before = await partner_names(session, world.east)
    contacts_before = await contact_count(session)
    # when
    body = await graphql(
        client, CREATE, {"input": create_input(world, **overrides)}, world.headers["backbone"]
    )
    # then
    payload = body["data"]["createPartner"]
    assert payload["partner"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert await partner_names(session, world.east) == names_before
    assert await contact_count(session) == contacts_before


@pytest.mark.parametrize("name", [CASA, f"  {CASA} "])
async def test_a_second_partner_of_the_same_name_is_a_duplicate_and_nothing_is_written(
    client, session, world: World, name: str
) -> None:
    # given
    names_before = await partner_names(session, world.east)
    contacts_before = await contact_count(session)
    # when
    body = await graphql(
        client, CREATE, {"input": create_input(world, name=name)}, world.headers["backbone"]
    )
    # then
    assert body["data"]["createPartner"] == {
        "partner": None,
        "userErrors": [
            {
                "field": ["name"],
                "code": "DUPLICATE",
                "message": f"a partner named '{CASA}' already takes part",
            }
        ],
    }
    assert await partner_names(session, world.east) == names_before
    assert await contact_count(session) == contacts_before


async def test_the_same_name_may_take_part_in_another_collaborative(
    client, session, world: World
) -> None:
    # when the outsider, Westside's backbone, adds a partner named like one of Eastside's
    body = await graphql(
        client,
        CREATE,
        {
            "input": {
                **create_input(world, name=CASA),
                "collaborativeId": to_global_id("Collaborative", world.west.id),
            }
        },
        world.headers["outsider"],
    )
    # then
    assert body["data"]["createPartner"]["userErrors"] == []
    assert CASA in await partner_names(session, world.west)


# -- updatePartner -------------------------------------------------------------------------


async def stored(session, partner: Partner) -> tuple[Partner, PartnerContact | None]:
    """The partner and its contact as stored now, read as the owner."""
    row = (
        await session.exec(
            select(Partner)
            .where(Partner.id == partner.id)
            .execution_options(populate_existing=True)
        )
    ).one()
    contact = (
        await session.exec(
            select(PartnerContact)
            .where(PartnerContact.partner_id == partner.id)
            .execution_options(populate_existing=True)
        )
    ).first()
    return row, contact


async def test_a_steward_changes_its_partners_profile_visibility_and_contact(
    client, session, world: World
) -> None:
    # when
    body = await graphql(
        client,
        UPDATE,
        {
            "input": {
                "id": world.gid(CASA),
                "name": "Casa Esperanza Eastside",
                "visibility": "PUBLIC",
                "contact": {"phone": "555-0199"},
            }
        },
        world.headers["steward"],
    )
    # then
    assert body["data"]["updatePartner"] == {
        "partner": {
            "name": "Casa Esperanza Eastside",
            "description": "",
            "visibility": "PUBLIC",
            "contact": {"email": email_of(CASA), "phone": "555-0199"},
        },
        "userErrors": [],
    }
    partner, contact = await stored(session, world.partners[CASA])
    assert (partner.name, partner.visibility) == ("Casa Esperanza Eastside", "public")
    assert contact is not None
    assert (contact.email, contact.phone) == (email_of(CASA), "555-0199")


async def test_the_backbone_keeps_a_partners_profile_current(client, session, world: World) -> None:
    # when
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": world.gid(CLINIC), "description": "Primary care on the hill"}},
        world.headers["backbone"],
    )
    # then
    assert body["data"]["updatePartner"]["userErrors"] == []
    partner, _ = await stored(session, world.partners[CLINIC])
    assert partner.description == "Primary care on the hill"


async def test_the_backbone_may_not_choose_who_sees_a_partner_and_writes_nothing(
    client, session, world: World
) -> None:
    # when
    body = await graphql(
        client,
        UPDATE,
        {
            "input": {
                "id": world.gid(CASA),
                "description": "changed by the backbone",
                "visibility": "PUBLIC",
            }
        },
        world.headers["backbone"],
    )
    # then
    assert body["data"]["updatePartner"] == {
        "partner": None,
        "userErrors": [
            {
                "field": ["visibility"],
                "code": "FORBIDDEN",
                "message": "only the partner's stewards choose who sees its profile",
            }
        ],
    }
    partner, _ = await stored(session, world.partners[CASA])
    assert (partner.description, partner.visibility) == ("", "collaborative")


async def test_the_backbone_may_resend_the_visibility_a_partner_already_chose(
    client, world: World
) -> None:
    # when
    body = await graphql(
        client,
        UPDATE,
        {"input": {"id": world.gid(CASA), "visibility": "COLLABORATIVE", "description": "ok"}},
        world.headers["backbone"],
    )
    # then
    assert body["data"]["updatePartner"]["userErrors"] == []


@pytest.mark.parametrize(
    ("who", "target"),
    [
        *[(who, CASA) for who in VIEWERS if who not in ("steward", "backbone", "anonymous")],
        *[(who, LIBRARY) for who in VIEWERS if who not in ("backbone", "anonymous")],
        ("steward", CLINIC),  # a steward of another partner of the same collaborative
        ("backbone", "West Secret Garden"),
        ("steward", "West Open Door"),
    ],
)
async def test_changing_a_partner_one_may_not_change_answers_exactly_like_an_unknown_id(
    client, session, world: World, who: str, target: str
) -> None:
    # given
    changes = {"name": "Taken Over", "contact": {"email": "thief@example.org"}}
    # when
    refused = await graphql(
        client, UPDATE, {"input": {"id": world.gid(target), **changes}}, world.headers[who]
    )
    unknown = await graphql(
        client,
        UPDATE,
        {"input": {"id": to_global_id("Partner", uuid4()), **changes}},
        world.headers[who],
    )
    # then
    assert refused == unknown
    assert refused["data"]["updatePartner"] == {"partner": None, "userErrors": NOT_FOUND}
    partner, contact = await stored(session, world.partners[target])
    assert partner.name == target
    assert contact is not None
    assert contact.email == email_of(target)


@pytest.mark.parametrize("which", ["a malformed", "a collaborative's"])
async def test_changing_a_partner_by_a_malformed_or_foreign_id_is_not_found(
    client, world: World, which: str
) -> None:
    # given
    global_id = {"a malformed": "not-a-global-id", "a collaborative's": world.east_gid}[which]
    # when
    body = await graphql(
        client, UPDATE, {"input": {"id": global_id, "name": "x"}}, world.headers["backbone"]
    )
    # then
    assert body["data"]["updatePartner"] == {"partner": None, "userErrors": NOT_FOUND}


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"name": ""}, ["name"], "REQUIRED"),
        ({"name": "   "}, ["name"], "REQUIRED"),  # blank text is missing text
        ({"name": None}, ["name"], "REQUIRED"),
        ({"name": "x" * 201}, ["name"], "TOO_LONG"),
        ({"kind": None}, ["kind"], "REQUIRED"),
        ({"description": None}, ["description"], "REQUIRED"),
        ({"visibility": None}, ["visibility"], "REQUIRED"),
        ({"description": "x" * 4001}, ["description"], "TOO_LONG"),
        ({"website": "https://" + "x" * 500}, ["website"], "TOO_LONG"),
        (
            {"name": "Renamed", "contact": {"email": "x" * 309 + "@example.org"}},
            ["contact", "email"],
            "TOO_LONG",
        ),
    ],
)
async def test_an_invalid_change_is_refused_naming_the_field_and_nothing_is_written(
    client, session, world: World, changes: dict[str, Any], field: list[str], code: str
) -> None:
    # when
    body = await graphql(
        client, UPDATE, {"input": {"id": world.gid(CASA), **changes}}, world.headers["steward"]
    )
    # then
    payload = body["data"]["updatePartner"]
    assert payload["partner"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    partner, contact = await stored(session, world.partners[CASA])
    assert (partner.name, partner.description, partner.website) == (CASA, "", None)
    assert contact is not None
    assert contact.email == email_of(CASA)


async def test_renaming_a_partner_to_a_name_taken_is_a_duplicate_and_nothing_is_written(
    client, session, world: World
) -> None:
    # when
    body = await graphql(
        client,
        UPDATE,
        {
            "input": {
                "id": world.gid(CASA),
                "name": LIBRARY,
                "description": "renamed",
                "contact": {"email": "new@example.org"},
            }
        },
        world.headers["steward"],
    )
    # then
    assert body["data"]["updatePartner"] == {
        "partner": None,
        "userErrors": [
            {
                "field": ["name"],
                "code": "DUPLICATE",
                "message": f"a partner named '{LIBRARY}' already takes part",
            }
        ],
    }
    partner, contact = await stored(session, world.partners[CASA])
    assert (partner.name, partner.description) == (CASA, "")
    assert contact is not None
    assert contact.email == email_of(CASA)
