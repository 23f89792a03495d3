"""What Relay and Apollo rely on: every object with a global id is a Node that `node(id:)`
refetches with nothing but its id, connections page both ways, and an argument refused on
a nested field nulls that field alone."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, is_non_null_type, is_object_type

from api.settings import Settings
from schema.relay import to_global_id
from services.partners.models import ProfileVisibility
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_result
from tests.test_governance_api import COMMENT, propose, vote
from tests.test_schema_file import SCHEMA_FILE

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Account { email } ... on Vote { choice mine } ... on ProposalComment { body } } }"""
PAGE = """query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {
  collaborative(slug: $slug) { name partners(first: $first, after: $after, last: $last,
    before: $before) { nodes { name } pageInfo { hasNextPage hasPreviousPage startCursor
    endCursor } } } }"""


@pytest.fixture
async def town(session, settings: Settings) -> dict[str, Any]:
    """Two residents, a funder and an outsider around one result (as test_governance_api)."""
    collaborative = await make_collaborative(session)
    funder = await make_partner(session, collaborative)
    elsewhere = await make_collaborative(session)
    accounts = {
        "resident1": await make_member(session, collaborative, Role.RESIDENT),
        "resident2": await make_member(session, collaborative, Role.RESIDENT),
        "funder": await make_member(session, collaborative, Role.FUNDER, funder),
        "outsider": await make_member(session, elsewhere, Role.RESIDENT),
    }
    return {
        "collaborative": collaborative,
        "result": await make_result(session, collaborative),
        "as": {k: bearer(settings, a) for k, a in accounts.items()} | {"anonymous": {}},
    }


def sdl_schema() -> Any:
    return build_schema(SCHEMA_FILE.read_text())


def test_every_type_with_an_id_implements_node() -> None:
    schema = sdl_schema()
    node = schema.get_type("Node")
    lacking = [
        t.name
        for t in schema.type_map.values()
        if is_object_type(t)
        and not t.name.startswith("__")
        and "id" in t.fields
        and node not in t.interfaces
    ]
    assert lacking == []


def test_node_and_nodes_take_only_ids() -> None:
    query = sdl_schema().query_type
    assert list(query.fields["node"].args) == ["id"]
    assert list(query.fields["nodes"].args) == ["ids"]


def test_every_field_that_takes_arguments_is_nullable_so_a_refusal_stays_local() -> None:
    schema = sdl_schema()
    non_null = [
        f"{t.name}.{name}"
        for t in schema.type_map.values()
        if is_object_type(t) and not t.name.startswith("__") and t is not schema.mutation_type
        for name, field in t.fields.items()
        if field.args and is_non_null_type(field.type)
    ]
    assert non_null == []


def test_every_connection_pages_both_ways() -> None:
    schema = sdl_schema()
    one_way = [
        f"{t.name}.{name}"
        for t in schema.type_map.values()
        if is_object_type(t)
        for name, field in t.fields.items()
        if "after" in field.args and not {"first", "last", "before"} <= set(field.args)
    ]
    assert one_way == []


async def test_a_member_refetches_its_account_its_vote_and_a_comment_by_id_alone(
    client, town
) -> None:
    # given
    proposal = await propose(client, town)
    await vote(client, town, proposal["id"], "resident2", "YES")
    commented = await graphql(
        client,
        COMMENT.replace("comment { authorName body }", "comment { id body }"),
        {"input": {"proposalId": proposal["id"], "body": "Broadband decides homework."}},
        town["as"]["resident2"],
    )
    comment_id = commented["data"]["commentOnProposal"]["comment"]["id"]
    listed = await graphql(
        client,
        """query($id: ID!) { node(id: $id) { ... on Proposal { votes { id } } } }
        """,
        {"id": proposal["id"]},
        town["as"]["resident2"],
    )
    [vote_id] = [v["id"] for v in listed["data"]["node"]["votes"]]
    me = await graphql(client, "{ viewer { account { id } } }", None, town["as"]["resident2"])
    account_id = me["data"]["viewer"]["account"]["id"]
    # when
    found = {
        i: (await graphql(client, NODE, {"id": i}, town["as"]["resident2"]))["data"]["node"]
        for i in (account_id, vote_id, comment_id)
    }
    # then
    assert found[account_id] == {
        "__typename": "Account",
        "id": account_id,
        "email": found[account_id]["email"],
    }
    assert found[account_id]["email"].endswith("@example.org")
    assert found[vote_id] == {"__typename": "Vote", "id": vote_id, "choice": "YES", "mine": True}
    assert found[comment_id]["body"] == "Broadband decides homework."


async def test_nobody_else_refetches_an_account_a_vote_or_a_comment(client, town) -> None:
    proposal = await propose(client, town)
    await vote(client, town, proposal["id"], "resident2", "NO")
    listed = await graphql(
        client,
        """query($id: ID!) { node(id: $id) { ... on Proposal { votes { id } } } }""",
        {"id": proposal["id"]},
        town["as"]["resident1"],
    )
    [vote_id] = [v["id"] for v in listed["data"]["node"]["votes"]]
    me = await graphql(client, "{ viewer { account { id } } }", None, town["as"]["resident2"])
    account_id = me["data"]["viewer"]["account"]["id"]
    for who in ("outsider", "funder", "anonymous"):
        for global_id in (vote_id, account_id):
            body = await graphql(client, NODE, {"id": global_id}, town["as"][who])
            assert body["data"]["node"] is None, (who, global_id)
    # another member reads the vote on the proposal, never another person's account
    body = await graphql(client, NODE, {"id": account_id}, town["as"]["resident1"])
    assert body["data"]["node"] is None


async def test_a_connection_pages_forward_and_backward_with_the_same_cursors(
    client, session, settings: Settings
) -> None:
    # given five public partners, named in order
    collaborative = await make_collaborative(session)
    for name in "ABCDE":
        await make_partner(session, collaborative, name=name, visibility=ProfileVisibility.PUBLIC)
    await session.flush()
    slug = {"slug": collaborative.slug}

    async def page(**arguments: Any) -> dict[str, Any]:
        body = await graphql(client, PAGE, {**slug, **arguments})
        assert "errors" not in body, body
        return body["data"]["collaborative"]["partners"]

    # when
    first = await page(first=2)
    second = await page(first=2, after=first["pageInfo"]["endCursor"])
    last = await page(last=2)
    before_last = await page(last=2, before=last["pageInfo"]["startCursor"])
    everything = await page()
    # then
    assert [n["name"] for n in first["nodes"]] == ["A", "B"]
    assert [n["name"] for n in second["nodes"]] == ["C", "D"]
    assert [n["name"] for n in last["nodes"]] == ["D", "E"]
    assert [n["name"] for n in before_last["nodes"]] == ["B", "C"]
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (
        True,
        False,
    )
    assert (last["pageInfo"]["hasNextPage"], last["pageInfo"]["hasPreviousPage"]) == (False, True)
    assert before_last["pageInfo"]["hasNextPage"] is True
    assert [n["name"] for n in everything["nodes"]] == list("ABCDE")  # 20 by default


async def test_a_refused_page_nulls_only_its_connection_and_names_the_argument(
    client, session
) -> None:
    collaborative = await make_collaborative(session)
    await make_partner(session, collaborative)
    await session.flush()
    for arguments, field, code_word in (
        ({"first": 1000}, "first", "between 0 and 100"),
        ({"last": -1}, "last", "between 0 and 100"),
        ({"first": 1, "last": 1}, "last", "not both"),
        ({"after": "not-a-cursor"}, "after", "not a cursor"),
        ({"before": "bm90LWpzb24="}, "before", "not a cursor"),
    ):
        body = await graphql(client, PAGE, {"slug": collaborative.slug, **arguments})
        assert body["data"]["collaborative"] == {
            "name": collaborative.name,
            "partners": None,
        }, arguments
        [error] = body["errors"]
        assert error["path"] == ["collaborative", "partners"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"].startswith(f"{field}: ")
        assert code_word in error["message"]


async def test_an_unknown_aggregate_is_not_found_beside_what_did_answer(client) -> None:
    body = await graphql(
        client, '{ viewer { isAnonymous } aggregate(of: "nothing") { cells { value } } }'
    )
    assert body["data"] == {"viewer": {"isAnonymous": True}, "aggregate": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["message"].startswith("of: ")


async def test_one_account_sees_its_own_account_by_id(client, session, settings) -> None:
    collaborative = await make_collaborative(session)
    account = await make_member(session, collaborative, Role.RESIDENT)
    body = await graphql(
        client, NODE, {"id": to_global_id("Account", account.id)}, bearer(settings, account)
    )
    assert body["data"]["node"]["email"] == account.email
