"""Action items: members see every commitment and its history; the owner partner's people and
the backbone alone create, edit and move them; the history is append-only (issue 5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.actions.models import ActionStatus
from services.actions.service import today
from services.partners.models import PartnerKind
from services.viewer import Role
from services.visibility import Visibility
from tests.action_factories import make_action_item
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure, make_result

TODAY = today()  # UTC, as the service and the database count days

CREATE = """mutation($input: CreateActionItemInput!) { createActionItem(input: $input) {
  actionItem { id title status dueDate overdue viewerCanChange owner { name }
    result { statement } measure { name } }
  userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateActionItemInput!) { updateActionItem(input: $input) {
  actionItem { title dueDate measure { name } } userErrors { field code } } }"""
STATUS = """mutation($input: UpdateActionItemStatusInput!) { updateActionItemStatus(input: $input) {
  actionItem { status completedOn history { fromStatus toStatus note changedAt } }
  userErrors { field code message } } }"""
LIST = """query($slug: String!, $overdue: Boolean, $statuses: [ActionItemStatus!]) {
  collaborative(slug: $slug) { actionItems(first: 50, overdue: $overdue, statuses: $statuses) {
    totalCount nodes { title owner { name } history { toStatus note } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on ActionItem { title } } }"
NESTED = """query($id: ID!) { node(id: $id) { ... on Partner {
  actionItems { totalCount nodes { title } } } } }"""


@pytest.fixture
async def table(session):
    """A collaborative with a backbone, a funder, two partners and one person per role."""
    c = await make_collaborative(session)
    backbone = await make_partner(session, c, name="Backbone", kind=PartnerKind.BACKBONE)
    funder = await make_partner(session, c, name="Foundation", kind=PartnerKind.FUNDER)
    casa = await make_partner(session, c, name="Casa")
    clinic = await make_partner(session, c, name="Clinic")
    other = await make_collaborative(session)
    other_partner = await make_partner(session, other, name="Elsewhere")
    people = {
        "backbone": await make_member(session, c, Role.BACKBONE, backbone),
        "funder": await make_member(session, c, Role.FUNDER, funder),
        "casa": await make_member(session, c, Role.PARTNER_STAFF, casa),
        "clinic": await make_member(session, c, Role.PARTNER_STEWARD, clinic),
        "resident": await make_member(session, c, Role.RESIDENT),
        "outsider": await make_member(session, other, Role.PARTNER_STAFF, other_partner),
    }
    return {"c": c, "backbone": backbone, "funder": funder, "casa": casa, "clinic": clinic,
            "people": people}  # fmt: skip


def _as(settings: Settings, table, who: str) -> dict[str, str]:
    return bearer(settings, table["people"][who]) if who != "anonymous" else {}


async def test_a_partner_commits_and_moves_its_item_with_a_kept_history(
    client, table, settings: Settings
) -> None:
    casa = _as(settings, table, "casa")
    created = await graphql(client, CREATE, {"input": {
        "ownerId": to_global_id("Partner", table["casa"].id), "title": "Train 4 home visitors",
        "dueDate": str(TODAY + timedelta(days=30))}}, casa)  # fmt: skip
    item = created["data"]["createActionItem"]["actionItem"]
    assert (item["status"], item["overdue"], item["viewerCanChange"]) == ("OPEN", False, True)
    assert item["owner"]["name"] == "Casa"

    started = await graphql(client, STATUS, {"input": {"id": item["id"], "status": "IN_PROGRESS",
        "note": "Two hired"}}, casa)  # fmt: skip
    done = await graphql(client, STATUS, {"input": {"id": item["id"], "status": "DONE"}}, casa)
    reopened_silently = await graphql(
        client, STATUS, {"input": {"id": item["id"], "status": "OPEN"}}, casa
    )
    reopened = await graphql(client, STATUS, {"input": {"id": item["id"], "status": "OPEN",
        "note": "One left"}}, casa)  # fmt: skip

    assert started["data"]["updateActionItemStatus"]["actionItem"]["status"] == "IN_PROGRESS"
    finished = done["data"]["updateActionItemStatus"]["actionItem"]
    assert (finished["status"], finished["completedOn"]) == ("DONE", str(TODAY))
    assert reopened_silently["data"]["updateActionItemStatus"]["userErrors"][0]["field"] == ["note"]
    history = reopened["data"]["updateActionItemStatus"]["actionItem"]["history"]
    assert [(h["fromStatus"], h["toStatus"], h["note"]) for h in history] == [
        ("OPEN", "IN_PROGRESS", "Two hired"),
        ("IN_PROGRESS", "DONE", ""),
        ("DONE", "OPEN", "One left"),
    ]
    assert reopened["data"]["updateActionItemStatus"]["actionItem"]["completedOn"] is None


async def test_the_backbone_commits_for_any_partner_and_funders_for_themselves(
    client, table, settings: Settings
) -> None:
    due = str(TODAY + timedelta(days=7))

    async def create(who: str, owner: str) -> dict:
        body = await graphql(client, CREATE, {"input": {
            "ownerId": to_global_id("Partner", table[owner].id), "title": "Convene",
            "dueDate": due}}, _as(settings, table, who))  # fmt: skip
        return body["data"]["createActionItem"]

    assert (await create("backbone", "clinic"))["actionItem"]["owner"]["name"] == "Clinic"
    assert (await create("backbone", "backbone"))["actionItem"]["owner"]["name"] == "Backbone"
    assert (await create("funder", "funder"))["actionItem"]["owner"]["name"] == "Foundation"
    # (anonymous: UNAUTHENTICATED before anything runs, test_graphql_over_http)
    for who, owner in [("casa", "clinic"), ("resident", "casa"), ("funder", "casa"),
                       ("outsider", "casa")]:  # fmt: skip
        refused = await create(who, owner)
        assert refused["actionItem"] is None
        assert refused["userErrors"][0]["field"] == ["ownerId"], (who, owner)
        assert refused["userErrors"][0]["code"] == "NOT_FOUND"


async def test_only_the_owner_and_the_backbone_change_an_item(
    client, session, table, settings: Settings
) -> None:
    item = await make_action_item(session, table["casa"], due=TODAY + timedelta(days=3))
    item_id = to_global_id("ActionItem", item.id)
    for who in ("clinic", "resident", "funder", "outsider"):  # anonymous: UNAUTHENTICATED
        headers = _as(settings, table, who)
        moved = await graphql(client, STATUS, {"input": {"id": item_id, "status": "DONE"}}, headers)
        edited = await graphql(client, UPDATE, {"input": {"id": item_id, "title": "x"}}, headers)
        assert moved["data"]["updateActionItemStatus"]["userErrors"][0]["code"] == "NOT_FOUND"
        assert edited["data"]["updateActionItem"]["userErrors"][0]["code"] == "NOT_FOUND"
    backbone = _as(settings, table, "backbone")
    # edited before it is done: a finished item's due date is history
    edited = await graphql(client, UPDATE, {"input": {"id": item_id, "title": "Renamed",
        "dueDate": str(TODAY)}}, backbone)  # fmt: skip
    moved = await graphql(client, STATUS, {"input": {"id": item_id, "status": "DONE"}}, backbone)
    assert moved["data"]["updateActionItemStatus"]["actionItem"]["status"] == "DONE"
    assert edited["data"]["updateActionItem"]["actionItem"] == {
        "title": "Renamed", "dueDate": str(TODAY), "measure": None}  # fmt: skip


async def test_members_see_every_item_and_others_nothing(
    client, session, table, settings: Settings
) -> None:
    casa_item = await make_action_item(session, table["casa"], due=TODAY, title="Casa's")
    await make_action_item(session, table["backbone"], due=TODAY, title="Backbone's")
    await make_action_item(session, table["funder"], due=TODAY, title="Funder's")
    slug = table["c"].slug
    seen = {}
    for who in ("backbone", "casa", "clinic", "resident", "funder", "outsider", "anonymous"):
        body = await graphql(client, LIST, {"slug": slug}, _as(settings, table, who))
        items = body["data"]["collaborative"]["actionItems"]
        seen[who] = {n["title"] for n in items["nodes"]}
        assert items["totalCount"] == len(seen[who])
        node = await graphql(
            client,
            NODE,
            {"id": to_global_id("ActionItem", casa_item.id)},
            _as(settings, table, who),
        )
        nested = await graphql(
            client,
            NESTED,
            {"id": to_global_id("Partner", table["casa"].id)},
            _as(settings, table, who),
        )
        node_seen = node["data"]["node"] is not None
        nested_items = (
            nested["data"]["node"]["actionItems"]["nodes"] if nested["data"]["node"] else []
        )
        assert node_seen == ("Casa's" in seen[who]), who
        assert [n["title"] for n in nested_items] == (["Casa's"] if node_seen else []), who
    everything = {"Casa's", "Backbone's", "Funder's"}
    assert seen["backbone"] == seen["casa"] == seen["clinic"] == seen["resident"] == everything
    assert seen["funder"] == {"Funder's"}  # a funder owns its commitments; others are the table's
    assert seen["outsider"] == seen["anonymous"] == set()


async def test_filters_by_status_and_overdue(client, session, table, settings: Settings) -> None:
    await make_action_item(session, table["casa"], due=TODAY - timedelta(days=1), title="Late")
    await make_action_item(session, table["casa"], due=TODAY + timedelta(days=1), title="Soon")
    await make_action_item(session, table["casa"], due=TODAY - timedelta(days=9), title="Done",
                           status=ActionStatus.DONE, completed_on=TODAY)  # fmt: skip
    resident = _as(settings, table, "resident")

    async def titles(**variables) -> set[str]:
        body = await graphql(client, LIST, {"slug": table["c"].slug, **variables}, resident)
        return {n["title"] for n in body["data"]["collaborative"]["actionItems"]["nodes"]}

    assert await titles(overdue=True) == {"Late"}
    assert await titles(overdue=False) == {"Soon", "Done"}
    assert await titles(statuses=["DONE"]) == {"Done"}


async def test_a_link_to_a_measure_the_creator_cannot_see_is_not_found(
    client, session, table, settings: Settings
) -> None:
    private = await make_measure(session, table["clinic"], name="Clinic private")
    shared = await make_measure(
        session, table["clinic"], name="Clinic shared", visibility=Visibility.COLLABORATIVE
    )
    result = await make_result(session, table["c"])
    backbone = _as(settings, table, "backbone")

    async def create(measure) -> dict:
        body = await graphql(client, CREATE, {"input": {
            "ownerId": to_global_id("Partner", table["backbone"].id), "title": "Follow up",
            "dueDate": str(TODAY), "measureId": to_global_id("Measure", measure.id),
            "resultId": to_global_id("Result", result.id)}}, backbone)  # fmt: skip
        return body["data"]["createActionItem"]

    hidden = await create(private)
    assert hidden["actionItem"] is None
    assert hidden["userErrors"] == [
        {"field": ["measureId"], "code": "NOT_FOUND", "message": "no measure with this id"}
    ]
    linked = (await create(shared))["actionItem"]
    assert linked["measure"] == {"name": "Clinic shared"}
    assert linked["result"] == {"statement": result.statement}


async def test_bad_input_names_the_field_and_writes_nothing(
    client, session, table, settings: Settings
) -> None:
    item = await make_action_item(session, table["casa"], due=TODAY)
    casa = _as(settings, table, "casa")
    blank = await graphql(client, CREATE, {"input": {
        "ownerId": to_global_id("Partner", table["casa"].id), "title": "",
        "dueDate": str(TODAY)}}, casa)  # fmt: skip
    same = await graphql(client, STATUS, {"input": {
        "id": to_global_id("ActionItem", item.id), "status": "OPEN"}}, casa)  # fmt: skip
    cleared = await graphql(client, UPDATE, {"input": {
        "id": to_global_id("ActionItem", item.id), "dueDate": None}}, casa)  # fmt: skip
    assert blank["data"]["createActionItem"]["userErrors"][0]["field"] == ["title"]
    assert same["data"]["updateActionItemStatus"]["userErrors"][0]["field"] == ["status"]
    assert cleared["data"]["updateActionItem"]["userErrors"][0]["field"] == ["dueDate"]
    listed = await graphql(client, LIST, {"slug": table["c"].slug}, casa)
    assert listed["data"]["collaborative"]["actionItems"]["totalCount"] == 1


@asynccontextmanager
async def as_api(connection, table, who: str) -> AsyncIterator[None]:
    """The test connection as the API role, acting for one of the table's people."""
    partner = {"casa": table["casa"], "backbone": table["backbone"]}[who]
    c = table["c"].id
    settings = {
        "account_id": str(table["people"][who].id),
        "member_of": "{" + str(c) + "}",
        "partner_ids": "{" + str(partner.id) + "}",
        "backbone_of": "{" + str(c) + "}" if who == "backbone" else "{}",
    }
    for key, value in settings.items():
        await connection.execute(
            text("SELECT set_config(:k, :v, true)"), {"k": f"tablero.{key}", "v": value}
        )
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        yield
    finally:
        await connection.exec_driver_sql("RESET ROLE")


HISTORY_ROW = text(
    "INSERT INTO action_item_status_change (collaborative_id, id, action_item_id, to_status, "
    "note, changed_by) VALUES (:c, gen_random_uuid(), :i, :to, 'why', :a)"
)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE action_item_status_change SET note = 'rewritten'",
        "DELETE FROM action_item_status_change",
        "UPDATE action_item SET status = 'done', completed_on = current_date",
        "UPDATE action_item SET partner_id = partner_id",
        "DELETE FROM action_item",
    ],
)
async def test_the_api_role_cannot_rewrite_history_nor_move_an_item_around_it(
    connection, session, table, statement: str
) -> None:
    item = await make_action_item(session, table["casa"], due=TODAY)
    row = {"c": item.collaborative_id, "i": item.id, "to": "in_progress", "a": None}
    await connection.execute(HISTORY_ROW, row)
    async with as_api(connection, table, "backbone"):
        with pytest.raises(DBAPIError, match="permission denied"):
            async with connection.begin_nested():
                await connection.execute(text(statement))


async def test_the_database_moves_the_item_only_with_a_status_change_its_owner_may_make(
    connection, session, table
) -> None:
    item = await make_action_item(session, table["clinic"], due=TODAY)
    status = text("SELECT status, completed_on FROM action_item WHERE id = :i")
    row = {"c": item.collaborative_id, "i": item.id, "to": "done"}
    async with as_api(connection, table, "casa"):
        with pytest.raises(DBAPIError, match="row-level security"):
            async with connection.begin_nested():
                await connection.execute(HISTORY_ROW, {**row, "a": table["people"]["casa"].id})
        assert (await connection.execute(status, {"i": item.id})).one() == ("open", None)
    async with as_api(connection, table, "backbone"):
        await connection.execute(HISTORY_ROW, {**row, "a": table["people"]["backbone"].id})
        assert (await connection.execute(status, {"i": item.id})).one() == ("done", TODAY)


async def test_the_backbone_edits_an_item_linked_to_a_measure_it_cannot_see(
    client, connection, session, table, settings: Settings
) -> None:
    private = await make_measure(session, table["clinic"], name="Clinic private")
    item = await make_action_item(session, table["clinic"], due=TODAY, measure_id=private.id)
    other = await make_action_item(session, table["casa"], due=TODAY)
    backbone = _as(settings, table, "backbone")
    renamed = await graphql(client, UPDATE, {"input": {
        "id": to_global_id("ActionItem", item.id), "title": "Renamed"}}, backbone)  # fmt: skip
    relinked = await graphql(client, UPDATE, {"input": {
        "id": to_global_id("ActionItem", other.id),
        "measureId": to_global_id("Measure", private.id)}}, backbone)  # fmt: skip
    assert renamed["data"]["updateActionItem"]["actionItem"]["title"] == "Renamed"
    assert renamed["data"]["updateActionItem"]["actionItem"]["measure"] is None  # hidden, kept
    assert relinked["data"]["updateActionItem"]["userErrors"] == [
        {"field": ["measureId"], "code": "NOT_FOUND"}
    ]
    async with as_api(connection, table, "backbone"):
        with pytest.raises(DBAPIError, match="no measure or indicator"):
            async with connection.begin_nested():
                await connection.execute(
                    text("UPDATE action_item SET measure_id = :m WHERE id = :i"),
                    {"m": private.id, "i": other.id},
                )


async def test_a_finished_items_due_date_and_a_status_without_its_reason_name_the_field(
    client, session, table, settings: Settings
) -> None:
    item = await make_action_item(session, table["casa"], due=TODAY)
    item_id = to_global_id("ActionItem", item.id)
    casa = _as(settings, table, "casa")

    async def status(**input) -> dict:
        body = await graphql(client, STATUS, {"input": {"id": item_id, **input}}, casa)
        return body["data"]["updateActionItemStatus"]

    def errors(payload: dict) -> list:
        return [(e["field"], e["code"]) for e in payload["userErrors"]]

    assert errors(await status(status="DROPPED", note="   ")) == [(["note"], "REQUIRED")]
    assert errors(await status(status="IN_PROGRESS", note="x" * 2001)) == [(["note"], "TOO_LONG")]
    assert (await status(status="DONE", note="  Hired  "))["actionItem"]["history"][0]["note"] == (
        "Hired"
    )
    moved = await graphql(client, UPDATE, {"input": {
        "id": item_id, "dueDate": str(TODAY + timedelta(days=7))}}, casa)  # fmt: skip
    assert [(e["field"], e["code"]) for e in moved["data"]["updateActionItem"]["userErrors"]] == [
        (["dueDate"], "INVALID")
    ]
    assert errors(await status(status="OPEN")) == [(["note"], "REQUIRED")]  # reopening says why
