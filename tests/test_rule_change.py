"""The table changes its own ratification rule the way it adopts anything: by dual majority."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from schema.relay import raw_id, to_global_id
from tests.factories import graphql
from tests.test_governance_api import close, town, vote

__all__ = ["town"]  # the fixture, shared with the proposals' tests

PROPOSE = """mutation($input: ProposeRuleChangeInput!) { proposeRuleChange(input: $input) {
  proposal { id kind status changes indicator { id } sharedMeasure { id } }
  userErrors { field code message } } }"""
RULE = """query($slug: String!) { collaborative(slug: $slug) {
  ratificationRule { quorum residentMajority organizationMajority } } }"""


async def propose(client, town, who: str = "resident1", **changes: Any) -> dict[str, Any]:
    variables = {
        "input": {
            "collaborativeId": to_global_id("Collaborative", town["collaborative"].id),
            "changes": changes,
            "rationale": "Residents want a higher bar before anything is adopted.",
        }
    }
    body = await graphql(client, PROPOSE, variables, town["as"][who])
    return body["data"]["proposeRuleChange"]


async def rule(client, town) -> dict[str, Any]:
    body = await graphql(client, RULE, {"slug": town["collaborative"].slug}, town["as"]["staff"])
    return body["data"]["collaborative"]["ratificationRule"]


async def test_a_rule_change_ratified_by_both_groups_becomes_the_rule(client, town) -> None:
    proposed = await propose(client, town, quorum=4, residentMajority=0.6)
    assert proposed["userErrors"] == []
    proposal = proposed["proposal"]
    assert proposal["kind"] == "CHANGE_RULE"
    assert proposal["changes"] == {"quorum": 4, "resident_majority": 0.6}
    assert (proposal["indicator"], proposal["sharedMeasure"]) == (None, None)
    for who in ("resident1", "resident2", "staff"):
        await vote(client, town, proposal["id"], who, "YES")
    closed = await close(client, town, proposal["id"])
    assert closed["userErrors"] == []
    assert closed["proposal"]["status"] == "RATIFIED"
    assert await rule(client, town) == {
        "quorum": 4,
        "residentMajority": 0.6,
        "organizationMajority": 0.5,
    }


async def test_institutions_alone_cannot_lower_the_bar(client, town) -> None:
    proposal = (await propose(client, town, who="staff", quorum=1))["proposal"]
    for who in ("staff", "steward", "backbone"):
        await vote(client, town, proposal["id"], who, "YES")
    closed = await close(client, town, proposal["id"])
    assert closed["proposal"]["status"] == "REJECTED"
    assert (await rule(client, town))["quorum"] == 3


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"quorum": 0}, ["changes", "quorum"], "OUT_OF_RANGE"),
        ({"residentMajority": 1.0}, ["changes", "residentMajority"], "OUT_OF_RANGE"),
        ({"organizationMajority": -0.1}, ["changes", "organizationMajority"], "OUT_OF_RANGE"),
        ({"quorum": 3}, ["changes"], "REQUIRED"),  # the current rule already
        ({}, ["changes"], "REQUIRED"),
    ],
)
async def test_a_wrong_rule_names_its_field(client, town, changes, field, code) -> None:
    proposed = await propose(client, town, **changes)
    assert proposed["proposal"] is None
    assert [(e["field"], e["code"]) for e in proposed["userErrors"]] == [(field, code)]


@pytest.mark.parametrize("who", ["funder", "outsider"])  # anonymous: UNAUTHENTICATED
async def test_only_members_propose_a_rule(client, town, who) -> None:
    proposed = await propose(client, town, who=who, quorum=5)
    assert [e["code"] for e in proposed["userErrors"]] == ["NOT_FOUND"]


async def test_below_the_api_the_rule_changes_only_by_a_ratified_proposal(
    client, town, connection
) -> None:
    proposal = (await propose(client, town, quorum=1))["proposal"]
    collaborative = str(town["collaborative"].id)
    backbone_settings = text(
        "SELECT set_config('tablero.backbone_of', :c, true),"
        " set_config('tablero.member_of', :c, true)"
    )
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        await connection.execute(backbone_settings, {"c": "{" + collaborative + "}"})
        for statement, params in [
            ("UPDATE collaborative SET quorum = 1 WHERE id = :c", {"c": collaborative}),
            (
                "SELECT tablero_apply_rule_change(:c, :p)",
                {"c": collaborative, "p": str(raw_id(proposal["id"], "Proposal"))},
            ),
        ]:
            with pytest.raises(DBAPIError, match=r"permission denied|no ratified rule change"):
                async with connection.begin_nested():
                    await connection.execute(text(statement), params)
    finally:
        await connection.exec_driver_sql("RESET ROLE")
    assert (await rule(client, town))["quorum"] == 3
