"""Members through the API: who reads whose roles, who changes and removes them, the last
steward stays, and a removal takes effect on the person's next request."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import raw_id, to_global_id
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import graphql, make_api_key, make_member
from tests.measurement_factories import make_measure
from tests.people import VIEWER, Town, asks_to_sign_in, codes, make_town

MEMBERS = """query($slug: String!) { collaborative(slug: $slug) {
  members(first: 50) { totalCount nodes { id role partner { name } person { email } } } } }"""
CHANGE = """mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) {
  member { id role } userErrors { field code message } } }"""
REMOVE = """mutation($input: MemberIdInput!) { removeMember(input: $input) {
  removedId userErrors { field code message } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Member { role person { email } } } }"
MEASURE = "query($id: ID!) { node(id: $id) { id ... on Measure { name } } }"


@pytest.fixture
async def town(session, settings: Settings) -> Town:
    return await make_town(session, settings)


async def members(client, town: Town, who: str) -> dict[str, set[str]]:
    body = await graphql(client, MEMBERS, {"slug": town.collaborative.slug}, town.as_(who))
    nodes = body["data"]["collaborative"]["members"]["nodes"]
    found: dict[str, set[str]] = {}
    for node in nodes:
        found.setdefault(node["person"]["email"], set()).add(node["role"])
    return found


async def membership_id(connection, town: Town, who: str, role: str) -> str:
    found = await connection.execute(
        text("SELECT id FROM membership WHERE account_id = :a AND role = :r"),
        {"a": town.people[who].id, "r": role},
    )
    return to_global_id("Member", found.scalar_one())


def email(town: Town, who: str) -> str:
    return town.people[who].email


async def test_a_steward_reads_its_partners_people_and_the_backbone_those_it_keeps(
    client, town: Town
) -> None:
    assert await members(client, town, "steward_a") == {
        email(town, "steward_a"): {"PARTNER_STEWARD"},
        email(town, "staff_a"): {"PARTNER_STAFF"},
    }
    assert await members(client, town, "backbone") == {
        email(town, "backbone"): {"BACKBONE", "PARTNER_STEWARD"},
        email(town, "funder"): {"FUNDER"},
        email(town, "resident"): {"RESIDENT"},
    }
    # others read their own roles only
    assert await members(client, town, "staff_a") == {email(town, "staff_a"): {"PARTNER_STAFF"}}
    assert await members(client, town, "outsider") == {}
    assert await members(client, town, "anonymous") == {}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("steward_a", True),
        ("staff_a", True),
        ("steward_b", False),
        ("backbone", False),
        ("outsider", False),
        ("anonymous", False),
    ],
)
async def test_a_member_node_is_read_by_its_keepers_and_its_holder(
    client, town: Town, connection, who, sees
) -> None:
    staff = await membership_id(connection, town, "staff_a", "partner_staff")
    body = await graphql(client, NODE, {"id": staff}, town.as_(who))
    assert (body["data"]["node"] is not None) is sees


async def test_a_steward_promotes_staff_and_demotes_a_steward(
    client, town: Town, connection
) -> None:
    staff = await membership_id(connection, town, "staff_a", "partner_staff")
    body = await graphql(
        client, CHANGE, {"input": {"id": staff, "role": "PARTNER_STEWARD"}}, town.as_("steward_a")
    )
    assert body["data"]["changeMemberRole"]["member"]["role"] == "PARTNER_STEWARD"
    steward = await membership_id(connection, town, "steward_a", "partner_steward")
    body = await graphql(
        client, CHANGE, {"input": {"id": steward, "role": "PARTNER_STAFF"}}, town.as_("steward_a")
    )
    assert body["data"]["changeMemberRole"]["userErrors"] == []


async def test_the_last_steward_can_neither_step_down_nor_leave(
    client, town: Town, connection
) -> None:
    steward = await membership_id(connection, town, "steward_a", "partner_steward")
    demoted = await graphql(
        client, CHANGE, {"input": {"id": steward, "role": "PARTNER_STAFF"}}, town.as_("steward_a")
    )
    left = await graphql(client, REMOVE, {"input": {"id": steward}}, town.as_("steward_a"))
    for payload in (demoted["data"]["changeMemberRole"], left["data"]["removeMember"]):
        assert codes(payload) == ["INVALID"]
        assert "last steward" in payload["userErrors"][0]["message"]
    assert await members(client, town, "steward_a")  # still there


async def test_the_last_of_the_backbone_stays(client, town: Town, connection) -> None:
    backbone = await membership_id(connection, town, "backbone", "backbone")
    left = await graphql(client, REMOVE, {"input": {"id": backbone}}, town.as_("backbone"))
    assert codes(left["data"]["removeMember"]) == ["INVALID"]


@pytest.mark.parametrize(
    ("who", "target", "role"),
    [
        ("staff_a", "staff_a", "PARTNER_STEWARD"),  # nobody promotes themselves
        ("steward_b", "staff_a", "PARTNER_STEWARD"),  # a steward of B acting on A
        ("backbone", "staff_a", "PARTNER_STEWARD"),
        ("outsider", "staff_a", "PARTNER_STEWARD"),
        ("steward_a", "staff_a", "BACKBONE"),  # no role wider than a partner's
        ("backbone", "resident", "BACKBONE"),
    ],
)
async def test_nobody_changes_roles_beyond_their_reach(
    client, town: Town, connection, who, target, role
) -> None:
    held = {"staff_a": "partner_staff", "resident": "resident"}[target]
    member = await membership_id(connection, town, target, held)
    body = await graphql(client, CHANGE, {"input": {"id": member, "role": role}}, town.as_(who))
    assert codes(body["data"]["changeMemberRole"]) in (["FORBIDDEN"], ["NOT_FOUND"], ["INVALID"])
    assert body["data"]["changeMemberRole"]["member"] is None
    assert await members(client, town, target) == {email(town, target): {held.upper()}}


@pytest.mark.parametrize(
    ("who", "target", "held"),
    [
        ("staff_a", "steward_a", "partner_steward"),
        ("steward_b", "staff_a", "partner_staff"),
        ("backbone", "staff_a", "partner_staff"),
        ("steward_a", "resident", "resident"),
        ("resident", "funder", "funder"),
        ("outsider", "resident", "resident"),
    ],
)
async def test_nobody_removes_beyond_their_reach(
    client, town: Town, connection, who, target, held
) -> None:
    member = await membership_id(connection, town, target, held)
    body = await graphql(client, REMOVE, {"input": {"id": member}}, town.as_(who))
    assert codes(body["data"]["removeMember"]) in (["FORBIDDEN"], ["NOT_FOUND"])
    assert await members(client, town, target)


async def test_an_anonymous_caller_is_asked_to_sign_in_and_removes_nobody(
    client, town: Town, connection
) -> None:
    member = await membership_id(connection, town, "resident", "resident")
    assert await asks_to_sign_in(client, REMOVE, {"input": {"id": member}})
    assert await members(client, town, "resident")


async def test_an_api_key_changes_no_membership(client, town: Town, connection, session) -> None:
    key = await make_api_key(session, town.partners["a"])
    member = await membership_id(connection, town, "staff_a", "partner_staff")
    body = await graphql(client, REMOVE, {"input": {"id": member}}, {"X-Api-Key": key})
    assert codes(body["data"]["removeMember"]) in (["FORBIDDEN"], ["NOT_FOUND"])


async def test_a_removed_person_loses_access_on_their_next_request(
    client, town: Town, connection, session
) -> None:
    # given a private measure that A's staff read
    measure = await make_measure(session, town.partners["a"], visibility=Visibility.PRIVATE)
    measure_id = to_global_id("Measure", measure.id)
    before = await graphql(client, MEASURE, {"id": measure_id}, town.as_("staff_a"))
    assert before["data"]["node"] is not None
    # when A's steward removes them
    staff = await membership_id(connection, town, "staff_a", "partner_staff")
    removed = await graphql(client, REMOVE, {"input": {"id": staff}}, town.as_("steward_a"))
    assert removed["data"]["removeMember"] == {"removedId": staff, "userErrors": []}
    # then their very next request reads nothing of A's, with the same token
    after = await graphql(client, MEASURE, {"id": measure_id}, town.as_("staff_a"))
    assert after["data"]["node"] is None
    viewer = await graphql(client, VIEWER, headers=town.as_("staff_a"))
    assert viewer["data"]["viewer"]["memberships"] == []


async def test_the_backbone_removes_a_resident_and_anyone_leaves(
    client, town: Town, connection
) -> None:
    resident = await membership_id(connection, town, "resident", "resident")
    body = await graphql(client, REMOVE, {"input": {"id": resident}}, town.as_("backbone"))
    assert body["data"]["removeMember"]["userErrors"] == []
    funder = await membership_id(connection, town, "funder", "funder")
    body = await graphql(client, REMOVE, {"input": {"id": funder}}, town.as_("funder"))
    assert body["data"]["removeMember"]["userErrors"] == []
    assert await members(client, town, "backbone") == {
        email(town, "backbone"): {"BACKBONE", "PARTNER_STEWARD"}
    }


async def test_every_change_is_in_the_audit_trail(client, town: Town, connection) -> None:
    staff = await membership_id(connection, town, "staff_a", "partner_staff")
    await graphql(
        client, CHANGE, {"input": {"id": staff, "role": "PARTNER_STEWARD"}}, town.as_("steward_a")
    )
    await graphql(client, REMOVE, {"input": {"id": staff}}, town.as_("steward_a"))
    trail = await connection.execute(
        text(
            "SELECT operation, before ->> 'role', after ->> 'role', account_id FROM audit_event"
            " WHERE table_name = 'membership' AND row_id = :id ORDER BY id"
        ),
        {"id": raw_id(staff, "Member")},
    )
    assert [tuple(r) for r in trail.all()][1:] == [
        ("update", "partner_staff", "partner_steward", town.people["steward_a"].id),
        ("delete", "partner_steward", None, town.people["steward_a"].id),
    ]


async def test_below_the_api_a_steward_removes_no_one_elses_people(connection, town: Town) -> None:
    steward_b = town.people["steward_b"]
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        await connection.execute(
            text(
                "SELECT set_config('tablero.account_id', :me, true),"
                " set_config('tablero.member_of', :c, true),"
                " set_config('tablero.steward_of', :b, true)"
            ),
            {
                "me": str(steward_b.id),
                "c": "{" + str(town.collaborative.id) + "}",
                "b": "{" + str(town.partners["b"].id) + "}",
            },
        )
        deleted = await connection.execute(
            text("DELETE FROM membership WHERE partner_id = :a"), {"a": town.partners["a"].id}
        )
        assert deleted.rowcount == 0
        with pytest.raises(DBAPIError, match="last steward"):
            async with connection.begin_nested():
                await connection.execute(
                    text("DELETE FROM membership WHERE account_id = :me"), {"me": steward_b.id}
                )
    finally:
        await connection.exec_driver_sql("RESET ROLE")


async def test_the_backbones_stewards_are_never_made_its_staff(client, town: Town, connection):
    steward = await membership_id(connection, town, "backbone", "partner_steward")
    body = await graphql(
        client, CHANGE, {"input": {"id": steward, "role": "PARTNER_STAFF"}}, town.as_("backbone")
    )
    assert [(e["field"], e["code"]) for e in body["data"]["changeMemberRole"]["userErrors"]] == [
        (["role"], "INVALID")
    ]


async def test_the_backbone_removes_a_funders_person_and_its_own_staff(
    client, town: Town, connection, session
) -> None:
    # given a second person on the backbone's staff, who keeps the convened roles too
    town.people["backbone_staff"] = await make_member(
        session, town.collaborative, Role.BACKBONE, town.partners["backbone"]
    )
    assert await members(client, town, "backbone_staff") == {
        email(town, "backbone"): {"BACKBONE"},
        email(town, "backbone_staff"): {"BACKBONE"},
        email(town, "funder"): {"FUNDER"},
        email(town, "resident"): {"RESIDENT"},
    }
    assert await members(client, town, "funder") == {email(town, "funder"): {"FUNDER"}}
    funder = await membership_id(connection, town, "funder", "funder")
    staff = await membership_id(connection, town, "backbone_staff", "backbone")
    # when the backbone's steward removes the funder's person and the backbone's staff
    for member in (funder, staff):
        body = await graphql(client, REMOVE, {"input": {"id": member}}, town.as_("backbone"))
        assert body["data"]["removeMember"] == {"removedId": member, "userErrors": []}
    # then both memberships are gone from the backbone's members
    assert await members(client, town, "backbone") == {
        email(town, "backbone"): {"BACKBONE", "PARTNER_STEWARD"},
        email(town, "resident"): {"RESIDENT"},
    }
    # and each removed person reads as nobody's member on their next request, same token
    for who in ("funder", "backbone_staff"):
        assert await members(client, town, who) == {}
        viewer = await graphql(client, VIEWER, headers=town.as_(who))
        assert viewer["data"]["viewer"]["memberships"] == []
    # and the trail names the backbone's person as the one who removed them
    trail = await connection.execute(
        text(
            "SELECT row_id, before ->> 'role', after ->> 'role', account_id FROM audit_event"
            " WHERE table_name = 'membership' AND operation = 'delete'"
            " AND row_id IN (:funder, :staff) ORDER BY id"
        ),
        {"funder": raw_id(funder, "Member"), "staff": raw_id(staff, "Member")},
    )
    assert [tuple(r) for r in trail.all()] == [
        (raw_id(funder, "Member"), "funder", None, town.people["backbone"].id),
        (raw_id(staff, "Member"), "backbone", None, town.people["backbone"].id),
    ]
