"""A security review of governance, action items and the audit trail: attacks that must fail.

Each test is an attack by someone with a real account (or below the API, as the API role
with the settings a viewer would have), and what must happen instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from api import embedded
from api.settings import Settings
from schema.relay import raw_id, to_global_id
from services.accounts.models import Account
from services.actions.models import ActionStatus
from services.actions.service import today
from services.partners.models import PartnerKind
from services.policy import rls_settings
from services.viewer import Grant, Role, Viewer
from services.visibility import Visibility
from tests.action_factories import make_action_item
from tests.factories import (
    bearer,
    graphql,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)
from tests.measurement_factories import make_measure, make_result

PROPOSE = """mutation($input: ProposeIndicatorInput!) { proposeIndicator(input: $input) {
  proposal { id } userErrors { field code message } } }"""
CLOSE = """mutation($input: ProposalIdInput!) { closeProposal(input: $input) {
  proposal { status } userErrors { field code message } } }"""
UPDATE_ITEM = """mutation($input: UpdateActionItemInput!) { updateActionItem(input: $input) {
  actionItem { dueDate } userErrors { field code message } } }"""
ACCOUNTABILITY = """query($slug: String!, $asOf: Date!) { accountability(slug: $slug, asOf: $asOf) {
  partners { partner { name } doneOnTime doneLate } } }"""
UPDATE_MEASURE = """mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
  userErrors { field code message } } }"""
TRAIL = """query($slug: String!, $subject: ID) { collaborative(slug: $slug) {
  auditTrail(first: 50, subjectId: $subject) { nodes { operation table before after } } } }"""


@pytest.fixture
async def town(session, settings: Settings) -> dict[str, Any]:
    """A collaborative with a backbone, two partners, a resident and a funder."""
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    casa = await make_partner(session, collaborative, name="Casa")
    clinic = await make_partner(session, collaborative, name="Clinic")
    funder = await make_partner(session, collaborative, kind=PartnerKind.FUNDER)
    people = {
        "backbone": await make_member(session, collaborative, Role.BACKBONE, backbone),
        "casa": await make_member(session, collaborative, Role.PARTNER_STEWARD, casa),
        "clinic": await make_member(session, collaborative, Role.PARTNER_STEWARD, clinic),
        "resident": await make_member(session, collaborative, Role.RESIDENT),
        "funder": await make_member(session, collaborative, Role.FUNDER, funder),
    }
    return {
        "collaborative": collaborative,
        "backbone_partner": backbone,
        "casa": casa,
        "funder": funder,
        "result": await make_result(session, collaborative),
        "people": people,
        "as": {k: bearer(settings, a) for k, a in people.items()},
    }


def viewer_of(town: dict[str, Any], who: str) -> Viewer:
    """The viewer the API would make of one of the town's people."""
    c = town["collaborative"].id
    grants = {
        "backbone": (Grant(c, Role.BACKBONE, town["backbone_partner"].id),),
        "casa": (Grant(c, Role.PARTNER_STEWARD, town["casa"].id),),
        "resident": (Grant(c, Role.RESIDENT),),
    }[who]
    account: Account = town["people"][who]
    return Viewer(account_id=account.id, grants=grants)


@asynccontextmanager
async def as_api(connection: AsyncConnection, viewer: Viewer) -> AsyncIterator[None]:
    """Speak SQL as the API role, with the settings the API would set for `viewer`."""
    await connection.exec_driver_sql(f"SET ROLE {embedded.API_ROLE}")
    try:
        for key, value in rls_settings(viewer).items():
            await connection.execute(
                text("SELECT set_config(:key, :value, true)"),
                {"key": f"tablero.{key}", "value": value},
            )
        yield
    finally:
        await connection.exec_driver_sql("RESET ROLE")


async def rows_changed(connection: AsyncConnection, sql: str, **params: Any) -> int:
    """How many rows a statement changed (0 when the policies hid them), or -1 if refused."""
    try:
        async with connection.begin_nested():
            return (await connection.execute(text(sql), params)).rowcount
    except DBAPIError:
        return -1


async def open_proposal(client, town: dict[str, Any], **extra: Any) -> str:
    """The resident proposes a Broadband indicator (with `extra` input); its global id."""
    proposal = {
        "rationale": "Connectivity decides homework.",
        "indicator": {
            "resultId": to_global_id("Result", town["result"].id),
            "name": "Broadband",
            "unit": "PERCENT",
            "direction": "HIGHER_IS_BETTER",
            "granularity": "YEAR",
            "definition": "Households with broadband.",
        },
        **extra,
    }
    body = await graphql(client, PROPOSE, {"input": proposal}, town["as"]["resident"])
    assert body["data"]["proposeIndicator"]["userErrors"] == []
    return body["data"]["proposeIndicator"]["proposal"]["id"]


async def closed_proposal(client, town: dict[str, Any]) -> str:
    """A proposal by the resident, closed (rejected: no quorum) by the backbone; its raw id."""
    proposal_id = await open_proposal(client, town)
    body = await graphql(
        client, CLOSE, {"input": {"proposalId": proposal_id}}, town["as"]["backbone"]
    )
    assert body["data"]["closeProposal"]["proposal"]["status"] == "REJECTED"
    return str(raw_id(proposal_id, "Proposal"))


# -- governance: a closed vote stays as it was closed ----------------------------------------


async def test_the_proposer_cannot_withdraw_a_closed_proposal_below_the_api(
    client, town, connection
) -> None:
    proposal_id = await closed_proposal(client, town)
    async with as_api(connection, viewer_of(town, "resident")):
        changed = await rows_changed(
            connection,
            "UPDATE proposal SET status = 'withdrawn', outcome = NULL WHERE id = :id",
            id=proposal_id,
        )
    assert changed <= 0
    status = await connection.execute(
        text("SELECT status FROM proposal WHERE id = :id"), {"id": proposal_id}
    )
    assert status.scalar_one() == "rejected"


@pytest.mark.parametrize(
    "change", ["status = 'open', closed_at = NULL", "outcome = '{\"ratified\": true}'"]
)
async def test_the_backbone_cannot_reopen_or_rewrite_a_closed_vote_below_the_api(
    client, town, connection, change: str
) -> None:
    proposal_id = await closed_proposal(client, town)
    async with as_api(connection, viewer_of(town, "backbone")):
        changed = await rows_changed(
            connection, f"UPDATE proposal SET {change} WHERE id = :id", id=proposal_id
        )
    assert changed <= 0


@pytest.mark.parametrize("who", ["backbone", "resident"])
async def test_what_members_vote_on_cannot_be_rewritten_below_the_api(
    client, town, connection, who: str
) -> None:
    proposal_id = raw_id(await open_proposal(client, town), "Proposal")
    async with as_api(connection, viewer_of(town, who)):
        for change in ("rationale = 'something else'", 'changes = \'{"name": "x"}\''):
            changed = await rows_changed(
                connection, f"UPDATE proposal SET {change} WHERE id = :id", id=str(proposal_id)
            )
            assert changed <= 0, change


# -- action items: a finished commitment's due date is history -------------------------------


@pytest.mark.parametrize("who", ["casa", "backbone"])
async def test_a_late_completion_cannot_be_made_on_time_by_moving_the_due_date(
    client, town, session, connection, who: str
) -> None:
    due = today() - timedelta(days=10)
    item = await make_action_item(
        session,
        town["casa"],
        due=due,
        status=ActionStatus.DONE,
        completed_on=today() - timedelta(days=2),
    )
    body = await graphql(
        client,
        UPDATE_ITEM,
        {"input": {"id": to_global_id("ActionItem", item.id), "dueDate": str(today())}},
        town["as"][who],
    )
    errors = body["data"]["updateActionItem"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["dueDate"], "INVALID")]
    # nor below the API
    async with as_api(connection, viewer_of(town, who)):
        changed = await rows_changed(
            connection,
            "UPDATE action_item SET due_date = current_date WHERE id = :id",
            id=str(item.id),
        )
    assert changed <= 0
    body = await graphql(
        client,
        ACCOUNTABILITY,
        {"slug": town["collaborative"].slug, "asOf": str(today())},
        town["as"]["resident"],
    )
    [casa] = [
        p for p in body["data"]["accountability"]["partners"] if p["partner"]["name"] == "Casa"
    ]
    assert (casa["doneOnTime"], casa["doneLate"]) == (0, 1)


async def test_an_open_items_due_date_can_still_be_renegotiated(client, town, session) -> None:
    item = await make_action_item(session, town["casa"], due=today())
    body = await graphql(
        client,
        UPDATE_ITEM,
        {
            "input": {
                "id": to_global_id("ActionItem", item.id),
                "dueDate": str(today() + timedelta(days=30)),
            }
        },
        town["as"]["casa"],
    )
    assert body["data"]["updateActionItem"]["userErrors"] == []


# -- the audit trail: what a row was while private stays private ----------------------------


async def trail(client, town, who: str, subject: str) -> list[dict[str, Any]]:
    body = await graphql(
        client, TRAIL, {"slug": town["collaborative"].slug, "subject": subject}, town["as"][who]
    )
    return body["data"]["collaborative"]["auditTrail"]["nodes"]


async def test_publishing_a_private_measure_does_not_show_what_it_was_while_private(
    client, town, session
) -> None:
    measure = await make_measure(
        session, town["casa"], name="Evictions we caused", visibility=Visibility.PRIVATE
    )
    measure_id = to_global_id("Measure", measure.id)
    body = await graphql(
        client,
        UPDATE_MEASURE,
        {"input": {"id": measure_id, "name": "Families housed", "visibility": "COLLABORATIVE"}},
        town["as"]["casa"],
    )
    assert body["data"]["updateMeasure"]["userErrors"] == []
    owner = await trail(client, town, "casa", measure_id)
    assert any((e["before"] or {}).get("name") == "Evictions we caused" for e in owner)
    for who in ("backbone", "clinic", "resident", "funder"):
        seen = str(await trail(client, town, who, measure_id))
        assert "Evictions we caused" not in seen, who


# -- governance: the announced closing time holds ---------------------------------------------


async def test_the_backbone_cannot_cut_a_vote_short_before_its_closing_time(
    client, town, connection
) -> None:
    closes_at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    proposal_id = await open_proposal(client, town, closesAt=closes_at)
    body = await graphql(
        client, CLOSE, {"input": {"proposalId": proposal_id}}, town["as"]["backbone"]
    )
    payload = body["data"]["closeProposal"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["proposalId"], "INVALID")]
    # nor below the API
    async with as_api(connection, viewer_of(town, "backbone")):
        changed = await rows_changed(
            connection,
            "UPDATE proposal SET status = 'rejected', closed_at = now() WHERE id = :id",
            id=str(raw_id(proposal_id, "Proposal")),
        )
    assert changed <= 0


# -- API keys: a partner system is not more than its partner's people -------------------------

PROPOSALS = """query($slug: String!) { collaborative(slug: $slug) {
  proposals(first: 10) { totalCount } } }"""


async def test_a_funders_api_key_reads_no_more_than_its_people(client, town, session) -> None:
    key = await make_api_key(session, town["funder"])
    await closed_proposal(client, town)
    slug = town["collaborative"].slug
    people = await graphql(client, PROPOSALS, {"slug": slug}, town["as"]["funder"])
    assert people["data"]["collaborative"]["proposals"]["totalCount"] == 0
    system = await graphql(client, PROPOSALS, {"slug": slug}, {"X-Api-Key": key})
    assert system["data"]["collaborative"]["proposals"]["totalCount"] == 0


# -- governance: nobody signs as someone else, nor ratifies without a vote -----------------------


async def test_no_one_signs_a_proposal_comment_or_vote_with_someone_elses_name(
    client, town, connection
) -> None:
    proposal_id = str(raw_id(await open_proposal(client, town), "Proposal"))
    me: Account = town["people"]["casa"]
    params = {"c": str(town["collaborative"].id), "p": proposal_id, "me": str(me.id)}
    async with as_api(connection, viewer_of(town, "casa")):
        await connection.execute(
            text(
                "INSERT INTO proposal_comment (collaborative_id, id, proposal_id, account_id, "
                "author_name, body) VALUES (:c, gen_random_uuid(), :p, :me, 'Ben Backbone', 'x')"
            ),
            params,
        )
        await connection.execute(
            text(
                "INSERT INTO proposal_vote (collaborative_id, id, proposal_id, account_id, "
                "voter_name, choice, voter_group) "
                "VALUES (:c, gen_random_uuid(), :p, :me, 'Ben Backbone', 'yes', 'organization')"
            ),
            params,
        )
    names = await connection.execute(
        text(
            "SELECT author_name FROM proposal_comment WHERE proposal_id = :p UNION ALL "
            "SELECT voter_name FROM proposal_vote WHERE proposal_id = :p"
        ),
        {"p": proposal_id},
    )
    assert names.scalars().all() == [me.display_name, me.display_name]


async def test_the_backbone_cannot_ratify_without_a_vote_below_the_api(
    client, town, connection
) -> None:
    await open_proposal(client, town)  # without userErrors
    async with as_api(connection, viewer_of(town, "backbone")):
        changed = await rows_changed(
            connection,
            "UPDATE indicator SET status = 'ratified' WHERE status = 'proposed' "
            "AND collaborative_id = :c",
            c=str(town["collaborative"].id),
        )
    assert changed <= 0
