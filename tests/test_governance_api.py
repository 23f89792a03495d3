"""Proposals and ratification by quorum and dual majority, through the API."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from api.settings import Settings
from schema.relay import raw_id, to_global_id
from services.indicators.models import IndicatorStatus
from services.partners.models import PartnerKind
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_indicator, make_result, make_shared_measure

PROPOSE_INDICATOR = """mutation($input: ProposeIndicatorInput!) { proposeIndicator(input: $input) {
  proposal { id kind status rationale proposerName indicator { id name status } }
  userErrors { field code message } } }"""
PROPOSE_CHANGE = """mutation($input: ProposeIndicatorChangeInput!) {
  proposeIndicatorChange(input: $input) {
  proposal { id kind status changes effectiveFrom } userErrors { field code message } } }"""
CAST_VOTE = """mutation($input: CastVoteInput!) { castVote(input: $input) {
  vote { choice group mine } userErrors { field code message } } }"""
CLOSE = """mutation($input: ProposalIdInput!) { closeProposal(input: $input) {
  proposal { status closedAt tally { final votesCast quorumMet ratified
    residents { yes no abstain shareOfYes majority }
    organizations { yes no abstain shareOfYes majority } }
    indicator { status versions { version effectiveFrom definition } } }
  userErrors { field code message } } }"""
WITHDRAW = """mutation($input: ProposalIdInput!) { withdrawProposal(input: $input) {
  proposal { status } userErrors { field code message } } }"""
COMMENT = """mutation($input: CommentOnProposalInput!) { commentOnProposal(input: $input) {
  comment { authorName body } userErrors { field code message } } }"""
PROPOSALS = """query($slug: String!) { collaborative(slug: $slug) {
  ratificationRule { quorum residentMajority organizationMajority }
  proposals(first: 10) { totalCount nodes { id status
    votes { choice group voterName mine } comments { body authorName }
    tally { final votesCast ratified } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Proposal { id status } } }"""


@pytest.fixture
async def town(session, settings: Settings) -> dict[str, Any]:
    """A collaborative with three residents, three organization staff, a funder, an outsider."""
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    school = await make_partner(session, collaborative, kind=PartnerKind.SCHOOL)
    funder = await make_partner(session, collaborative, kind=PartnerKind.FUNDER)
    elsewhere = await make_collaborative(session)
    accounts = {
        "backbone": await make_member(session, collaborative, Role.BACKBONE, backbone),
        "staff": await make_member(session, collaborative, Role.PARTNER_STAFF, school),
        "steward": await make_member(session, collaborative, Role.PARTNER_STEWARD, school),
        "resident1": await make_member(session, collaborative, Role.RESIDENT),
        "resident2": await make_member(session, collaborative, Role.RESIDENT),
        "resident3": await make_member(session, collaborative, Role.RESIDENT),
        "funder": await make_member(session, collaborative, Role.FUNDER, funder),
        "outsider": await make_member(session, elsewhere, Role.RESIDENT),
    }
    both = await make_member(session, collaborative, Role.RESIDENT)
    await make_member(session, collaborative, Role.PARTNER_STAFF, school, account=both)
    accounts["both"] = both
    result = await make_result(session, collaborative)
    return {
        "collaborative": collaborative,
        "result": result,
        "as": {k: bearer(settings, a) for k, a in accounts.items()} | {"anonymous": {}},
    }


def _indicator_input(town: dict[str, Any], name: str = "Families with broadband") -> dict:
    return {
        "rationale": "Residents say connectivity decides homework and jobs.",
        "indicator": {
            "resultId": to_global_id("Result", town["result"].id),
            "name": name,
            "unit": "PERCENT",
            "direction": "HIGHER_IS_BETTER",
            "granularity": "YEAR",
            "definition": "Households with a wired or fixed wireless connection.",
        },
    }


async def propose(client, town: dict[str, Any], who: str = "resident1") -> dict[str, Any]:
    body = await graphql(
        client, PROPOSE_INDICATOR, {"input": _indicator_input(town)}, town["as"][who]
    )
    payload = body["data"]["proposeIndicator"]
    assert payload["userErrors"] == []
    return payload["proposal"]


async def vote(client, town, proposal_id: str, who: str, choice: str, **extra: Any) -> dict:
    body = await graphql(
        client,
        CAST_VOTE,
        {"input": {"proposalId": proposal_id, "choice": choice, **extra}},
        town["as"][who],
    )
    return body["data"]["castVote"]


async def close(client, town, proposal_id: str, who: str = "backbone") -> dict[str, Any]:
    body = await graphql(client, CLOSE, {"input": {"proposalId": proposal_id}}, town["as"][who])
    return body["data"]["closeProposal"]


async def test_any_member_proposes_an_indicator_that_members_see_as_proposed(client, town) -> None:
    # when
    proposal = await propose(client, town)
    # then
    assert proposal["kind"] == "NEW_INDICATOR"
    assert proposal["status"] == "OPEN"
    assert proposal["indicator"]["status"] == "PROPOSED"
    assert proposal["proposerName"].startswith("Person")
    listed = await graphql(
        client, PROPOSALS, {"slug": town["collaborative"].slug}, town["as"]["staff"]
    )
    collaborative = listed["data"]["collaborative"]
    assert collaborative["ratificationRule"] == {
        "quorum": 3,
        "residentMajority": 0.5,
        "organizationMajority": 0.5,
    }
    assert [p["id"] for p in collaborative["proposals"]["nodes"]] == [proposal["id"]]


async def test_institutions_alone_cannot_ratify_even_unanimously(client, town) -> None:
    # given: every organization votes yes, no resident votes
    proposal = await propose(client, town, "staff")
    for who in ("backbone", "staff", "steward"):
        assert (await vote(client, town, proposal["id"], who, "YES"))["userErrors"] == []
    # when
    closed = await close(client, town, proposal["id"])
    # then
    assert closed["userErrors"] == []
    outcome = closed["proposal"]
    assert outcome["status"] == "REJECTED"
    assert outcome["tally"]["quorumMet"] is True
    assert outcome["tally"]["organizations"]["majority"] is True
    assert outcome["tally"]["residents"] == {
        "yes": 0,
        "no": 0,
        "abstain": 0,
        "shareOfYes": None,
        "majority": False,
    }
    assert outcome["indicator"]["status"] == "PROPOSED"


async def test_institutions_cannot_outvote_residents(client, town) -> None:
    proposal = await propose(client, town, "staff")
    for who in ("backbone", "staff", "steward"):
        await vote(client, town, proposal["id"], who, "YES")
    await vote(client, town, proposal["id"], "resident1", "NO")
    closed = await close(client, town, proposal["id"])
    assert closed["proposal"]["status"] == "REJECTED"
    assert closed["proposal"]["tally"]["residents"]["majority"] is False


async def test_a_proposal_both_groups_carry_is_ratified_and_goes_on_the_data_agenda(
    client, town
) -> None:
    # given
    proposal = await propose(client, town)
    await vote(client, town, proposal["id"], "resident1", "YES")
    await vote(client, town, proposal["id"], "resident2", "YES")
    await vote(client, town, proposal["id"], "resident3", "NO")
    await vote(client, town, proposal["id"], "staff", "YES")
    await vote(client, town, proposal["id"], "steward", "ABSTAIN")
    # when
    closed = await close(client, town, proposal["id"])
    # then
    assert closed["userErrors"] == []
    outcome = closed["proposal"]
    assert outcome["status"] == "RATIFIED"
    assert outcome["closedAt"] is not None
    assert outcome["tally"]["final"] is True
    assert outcome["tally"]["votesCast"] == 5
    assert outcome["tally"]["residents"] == {
        "yes": 2,
        "no": 1,
        "abstain": 0,
        "shareOfYes": pytest.approx(2 / 3),
        "majority": True,
    }
    assert outcome["tally"]["organizations"]["abstain"] == 1
    # no data exists yet: ratified onto the data development agenda, as version 1
    assert outcome["indicator"]["status"] == "DATA_DEVELOPMENT"
    assert [v["version"] for v in outcome["indicator"]["versions"]] == [1]
    # every vote stays visible to members
    listed = await graphql(
        client, PROPOSALS, {"slug": town["collaborative"].slug}, town["as"]["resident3"]
    )
    votes = listed["data"]["collaborative"]["proposals"]["nodes"][0]["votes"]
    # (one test transaction: every vote has the same timestamp, so compare as a multiset)
    assert sorted((v["choice"], v["group"], v["mine"]) for v in votes) == [
        ("ABSTAIN", "ORGANIZATION", False),
        ("NO", "RESIDENT", True),
        ("YES", "ORGANIZATION", False),
        ("YES", "RESIDENT", False),
        ("YES", "RESIDENT", False),
    ]


async def test_without_a_quorum_nothing_is_ratified(client, town) -> None:
    proposal = await propose(client, town)
    await vote(client, town, proposal["id"], "resident1", "YES")
    await vote(client, town, proposal["id"], "staff", "YES")
    closed = await close(client, town, proposal["id"])
    assert closed["proposal"]["status"] == "REJECTED"
    assert closed["proposal"]["tally"]["quorumMet"] is False
    assert closed["proposal"]["tally"]["residents"]["majority"] is True
    assert closed["proposal"]["tally"]["organizations"]["majority"] is True


async def test_abstentions_count_toward_the_quorum_but_a_tie_is_no_majority(client, town) -> None:
    proposal = await propose(client, town)
    await vote(client, town, proposal["id"], "resident1", "YES")
    await vote(client, town, proposal["id"], "resident2", "NO")
    await vote(client, town, proposal["id"], "staff", "YES")
    closed = await close(client, town, proposal["id"])
    assert closed["proposal"]["tally"]["quorumMet"] is True
    assert closed["proposal"]["tally"]["residents"]["majority"] is False
    assert closed["proposal"]["status"] == "REJECTED"


async def test_a_vote_can_change_until_closing_and_counts_once(client, town) -> None:
    proposal = await propose(client, town)
    await vote(client, town, proposal["id"], "resident1", "NO")
    changed = await vote(client, town, proposal["id"], "resident1", "YES")
    assert changed == {
        "vote": {"choice": "YES", "group": "RESIDENT", "mine": True},
        "userErrors": [],
    }
    await vote(client, town, proposal["id"], "resident2", "YES")
    await vote(client, town, proposal["id"], "staff", "YES")
    closed = await close(client, town, proposal["id"])
    assert closed["proposal"]["tally"]["residents"]["yes"] == 2
    assert closed["proposal"]["tally"]["residents"]["no"] == 0
    assert closed["proposal"]["status"] == "RATIFIED"
    # after closing, no vote changes
    late = await vote(client, town, proposal["id"], "resident1", "NO")
    assert late["vote"] is None
    assert late["userErrors"][0]["field"] == ["proposalId"]
    assert late["userErrors"][0]["code"] == "INVALID"


async def test_someone_in_both_groups_says_which_they_vote_as(client, town) -> None:
    proposal = await propose(client, town)
    unsaid = await vote(client, town, proposal["id"], "both", "YES")
    assert unsaid["userErrors"][0]["field"] == ["votingAs"]
    said = await vote(client, town, proposal["id"], "both", "YES", votingAs="RESIDENT")
    assert said["vote"]["group"] == "RESIDENT"
    wrong = await vote(client, town, proposal["id"], "staff", "YES", votingAs="RESIDENT")
    assert wrong["userErrors"][0]["code"] == "FORBIDDEN"


async def test_a_ratified_change_of_definition_makes_a_new_version_and_a_break(
    client, town, session
) -> None:
    # given a ratified indicator
    indicator = await make_indicator(session, town["result"], name="Readiness", definition="Old")
    indicator_id = to_global_id("Indicator", indicator.id)
    proposed = await graphql(
        client,
        PROPOSE_CHANGE,
        {
            "input": {
                "indicatorId": indicator_id,
                "changes": {"definition": "Assessed with the new state tool"},
                "effectiveFrom": "2027-01-01",
                "rationale": "The state changed its assessment.",
            }
        },
        town["as"]["resident2"],
    )
    proposal = proposed["data"]["proposeIndicatorChange"]["proposal"]
    assert proposal["changes"] == {"definition": "Assessed with the new state tool"}
    for who in ("resident1", "resident2", "staff"):
        await vote(client, town, proposal["id"], who, "YES")
    # when
    closed = await close(client, town, proposal["id"])
    # then
    versions = closed["proposal"]["indicator"]["versions"]
    assert versions == [
        {"version": 1, "effectiveFrom": None, "definition": "Old"},
        {
            "version": 2,
            "effectiveFrom": "2027-01-01",
            "definition": "Assessed with the new state tool",
        },
    ]
    chart = await graphql(
        client,
        """query($id: ID!) { node(id: $id) { ... on Indicator { series { breaks } } } }""",
        {"id": indicator_id},
        town["as"]["anonymous"],
    )
    assert chart["data"]["node"]["series"]["breaks"] == ["2027-01-01"]


async def test_the_backbone_cannot_ratify_or_redefine_a_ratified_indicator_directly(
    client, town, session
) -> None:
    proposal = await propose(client, town)
    update = """mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) {
      indicator { status } userErrors { field code } } }"""
    ratify = await graphql(
        client,
        update,
        {"input": {"id": proposal["indicator"]["id"], "status": "RATIFIED"}},
        town["as"]["backbone"],
    )
    assert ratify["data"]["updateIndicator"]["userErrors"] == [
        {"field": ["status"], "code": "FORBIDDEN"}
    ]
    ratified = await make_indicator(session, town["result"], name="Adopted")
    redefine = await graphql(
        client,
        update,
        {"input": {"id": to_global_id("Indicator", ratified.id), "unit": "COUNT"}},
        town["as"]["backbone"],
    )
    assert redefine["data"]["updateIndicator"]["userErrors"] == [
        {"field": ["unit"], "code": "FORBIDDEN"}
    ]


async def test_data_development_ends_with_the_first_published_observation(
    client, town, session
) -> None:
    from datetime import date

    from services.indicators.models import Indicator
    from tests.measurement_factories import quarterly_row

    indicator = await make_indicator(
        session, town["result"], status=IndicatorStatus.DATA_DEVELOPMENT
    )
    session.add(quarterly_row(indicator, date(2026, 1, 1), value=40.0, status="published"))
    await session.flush()
    await session.refresh(indicator)
    assert (await session.get(Indicator, (indicator.collaborative_id, indicator.id))).status == (
        IndicatorStatus.RATIFIED
    )


async def test_only_the_proposer_withdraws_and_only_the_backbone_closes(client, town) -> None:
    proposal = await propose(client, town)
    by_resident = await close(client, town, proposal["id"], "resident2")
    assert by_resident["userErrors"][0]["code"] == "FORBIDDEN"
    other = await graphql(
        client, WITHDRAW, {"input": {"proposalId": proposal["id"]}}, town["as"]["resident2"]
    )
    assert other["data"]["withdrawProposal"]["userErrors"][0]["code"] == "FORBIDDEN"
    mine = await graphql(
        client, WITHDRAW, {"input": {"proposalId": proposal["id"]}}, town["as"]["resident1"]
    )
    assert mine["data"]["withdrawProposal"]["proposal"]["status"] == "WITHDRAWN"


async def test_members_discuss_a_proposal(client, town) -> None:
    proposal = await propose(client, town)
    said = await graphql(
        client,
        COMMENT,
        {"input": {"proposalId": proposal["id"], "body": " Count renters too. "}},
        town["as"]["steward"],
    )
    assert said["data"]["commentOnProposal"]["comment"]["body"] == "Count renters too."
    empty = await graphql(
        client,
        COMMENT,
        {"input": {"proposalId": proposal["id"], "body": "  "}},
        town["as"]["steward"],
    )
    assert empty["data"]["commentOnProposal"]["userErrors"][0]["field"] == ["body"]


async def test_proposal_input_errors_name_their_field_and_write_nothing(client, town) -> None:
    bad = _indicator_input(town)
    bad["indicator"]["name"] = ""
    body = await graphql(client, PROPOSE_INDICATOR, {"input": bad}, town["as"]["resident1"])
    assert body["data"]["proposeIndicator"]["userErrors"][0]["field"] == ["indicator", "name"]
    no_reason = _indicator_input(town) | {"rationale": " "}
    body = await graphql(client, PROPOSE_INDICATOR, {"input": no_reason}, town["as"]["resident1"])
    assert body["data"]["proposeIndicator"]["userErrors"][0]["field"] == ["rationale"]
    listed = await graphql(
        client, PROPOSALS, {"slug": town["collaborative"].slug}, town["as"]["resident1"]
    )
    assert listed["data"]["collaborative"]["proposals"]["totalCount"] == 0


@pytest.mark.parametrize("who", ["anonymous", "outsider", "funder"])
async def test_non_members_see_no_proposal_and_take_no_part(client, town, who: str) -> None:
    # given
    proposal = await propose(client, town)
    headers = town["as"][who]
    # then: not in the connection, not by node id
    listed = await graphql(client, PROPOSALS, {"slug": town["collaborative"].slug}, headers)
    assert listed["data"]["collaborative"]["proposals"]["totalCount"] == 0
    node = await graphql(client, NODE, {"id": proposal["id"]}, headers)
    assert node["data"]["node"] is None
    if who == "anonymous":
        return  # its mutations are refused before running (UNAUTHENTICATED)
    # nor vote, comment, close or propose
    voted = await vote(client, town, proposal["id"], who, "YES")
    assert voted["userErrors"][0]["code"] == "NOT_FOUND"
    said = await graphql(
        client, COMMENT, {"input": {"proposalId": proposal["id"], "body": "hi"}}, headers
    )
    assert said["data"]["commentOnProposal"]["userErrors"][0]["code"] == "NOT_FOUND"
    closed = await close(client, town, proposal["id"], who)
    assert closed["userErrors"][0]["code"] == "NOT_FOUND"
    proposed = await graphql(
        client, PROPOSE_INDICATOR, {"input": _indicator_input(town, "X")}, headers
    )
    assert proposed["data"]["proposeIndicator"]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_a_vote_cannot_be_cast_for_someone_else_below_the_api(
    client, town, session, connection
) -> None:
    from sqlalchemy.exc import DBAPIError

    from api import embedded
    from services.accounts.models import Account
    from services.policy import rls_settings
    from services.viewer import Grant, Viewer
    from tests.factories import make_account

    proposal = await propose(client, town)
    victim = (await session.exec(select(Account).where(Account.subject.like("subject-%")))).first()
    me = await make_account(session)
    viewer = Viewer(account_id=me.id, grants=(Grant(town["collaborative"].id, Role.RESIDENT),))
    proposal_id = raw_id(proposal["id"], "Proposal")
    await connection.exec_driver_sql(f"SET ROLE {embedded.API_ROLE}")
    for key, value in rls_settings(viewer).items():
        await connection.exec_driver_sql(f"SELECT set_config('tablero.{key}', '{value}', true)")
    with pytest.raises(DBAPIError, match="row-level security"):
        async with connection.begin_nested():
            await connection.exec_driver_sql(
                "INSERT INTO proposal_vote (collaborative_id, id, proposal_id, account_id, "
                "voter_name, choice, voter_group) VALUES "
                f"('{town['collaborative'].id}', gen_random_uuid(), '{proposal_id}', "
                f"'{victim.id}', 'x', 'yes', 'resident')"
            )
    await connection.exec_driver_sql("RESET ROLE")


@pytest.mark.parametrize("step", ["vote", "close"])
async def test_votes_and_closing_of_one_proposal_take_turns(
    client, town, owner_engine, connection, step
) -> None:
    """While another transaction works on a proposal, a vote or a closing waits for it (here
    it gives up after a short lock timeout), so no vote slips past the count."""
    proposal = await propose(client, town)
    raw = raw_id(proposal["id"], "Proposal")
    await connection.exec_driver_sql("SET lock_timeout = '200ms'")
    async with owner_engine.connect() as other:
        await other.begin()
        await other.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended('proposal:' || :key, 0))"),
            {"key": str(raw)},
        )
        blocked = await graphql(
            client,
            CAST_VOTE if step == "vote" else CLOSE,
            {"input": {"proposalId": proposal["id"], "choice": "YES"}}
            if step == "vote"
            else {"input": {"proposalId": proposal["id"]}},
            town["as"]["resident1" if step == "vote" else "backbone"],
        )
        assert blocked["errors"][0]["message"] == "Unexpected error."
        await other.rollback()
    await connection.exec_driver_sql("RESET lock_timeout")
    assert (await vote(client, town, proposal["id"], "resident1", "YES"))["userErrors"] == []


PROPOSALS_NESTED = """query($slug: String!) { collaborative(slug: $slug) {
  proposals(first: 20) { nodes { proposerName indicator { name }
    votes { choice voterName } comments { body authorName } tally { votesCast ratified } } } } }"""


async def test_proposals_with_votes_comments_and_tallies_cost_the_same_statements_for_2_or_6(
    client, town, count_statements
) -> None:
    async def statements() -> tuple[int, int]:
        with count_statements() as counter:
            body = await graphql(
                client, PROPOSALS_NESTED, {"slug": town["collaborative"].slug}, town["as"]["staff"]
            )
        nodes = body["data"]["collaborative"]["proposals"]["nodes"]
        assert all(len(n["votes"]) == 2 and len(n["comments"]) == 1 for n in nodes)
        return len(nodes), counter.count

    names = iter(f"Indicator {i}" for i in range(6))

    async def add_proposals(n: int) -> None:
        for _ in range(n):
            variables = {"input": _indicator_input(town, next(names))}
            body = await graphql(client, PROPOSE_INDICATOR, variables, town["as"]["resident1"])
            proposal = body["data"]["proposeIndicator"]["proposal"]
            for who in ("resident1", "staff"):
                assert (await vote(client, town, proposal["id"], who, "YES"))["userErrors"] == []
            await graphql(
                client, COMMENT, {"input": {"proposalId": proposal["id"], "body": "Yes"}},
                town["as"]["resident2"],
            )  # fmt: skip

    await add_proposals(2)
    small = await statements()
    await add_proposals(4)
    large = await statements()
    assert (small[0], large[0]) == (2, 6)
    assert large[1] == small[1]


# -- shared measures: proposed and changed by members only ------------------------------------

PROPOSE_SHARED = """mutation($input: ProposeSharedMeasureInput!) {
  proposeSharedMeasure(input: $input) {
  proposal { kind sharedMeasure { name } } userErrors { field code message } } }"""
PROPOSE_SHARED_CHANGE = """mutation($input: ProposeSharedMeasureChangeInput!) {
  proposeSharedMeasureChange(input: $input) {
  proposal { kind changes sharedMeasure { name } } userErrors { field code message } } }"""


def _shared_input(town: dict[str, Any]) -> dict[str, Any]:
    return {
        "rationale": "Every partner counts home visits the same way.",
        "sharedMeasure": {
            "collaborativeId": to_global_id("Collaborative", town["collaborative"].id),
            "name": "Home visits completed",
            "unit": "COUNT",
            "direction": "HIGHER_IS_BETTER",
            "aggregation": "SUM",
            "granularity": "QUARTER",
        },
    }


async def test_a_member_proposes_a_shared_measure_and_a_change_to_it(client, town, session) -> None:
    # given
    shared = await make_shared_measure(session, town["collaborative"])
    headers = town["as"]["resident1"]
    # when
    new = await graphql(client, PROPOSE_SHARED, {"input": _shared_input(town)}, headers)
    change = {
        "sharedMeasureId": to_global_id("SharedMeasure", shared.id),
        "changes": {"name": "Home visits finished"},
        "rationale": "Clearer.",
    }
    changed = await graphql(client, PROPOSE_SHARED_CHANGE, {"input": change}, headers)
    # then
    assert new["data"]["proposeSharedMeasure"] == {
        "proposal": {
            "kind": "NEW_SHARED_MEASURE",
            "sharedMeasure": {"name": "Home visits completed"},
        },
        "userErrors": [],
    }
    assert changed["data"]["proposeSharedMeasureChange"] == {
        "proposal": {
            "kind": "CHANGE_SHARED_MEASURE",
            "changes": {"name": "Home visits finished"},
            "sharedMeasure": {"name": shared.name},
        },
        "userErrors": [],
    }


@pytest.mark.parametrize("who", ["outsider", "funder"])  # anonymous: UNAUTHENTICATED
async def test_non_members_propose_no_shared_measure_nor_a_change_to_one(
    client, town, session, who: str
) -> None:
    shared = await make_shared_measure(session, town["collaborative"])
    headers = town["as"][who]
    new = await graphql(client, PROPOSE_SHARED, {"input": _shared_input(town)}, headers)
    errors = new["data"]["proposeSharedMeasure"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["sharedMeasure", "collaborativeId"], "FORBIDDEN")
    ]
    change = {
        "sharedMeasureId": to_global_id("SharedMeasure", shared.id),
        "changes": {"name": "Anything"},
        "rationale": "Because.",
    }
    changed = await graphql(client, PROPOSE_SHARED_CHANGE, {"input": change}, headers)
    errors = changed["data"]["proposeSharedMeasureChange"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["sharedMeasureId"], "NOT_FOUND")]


# -- a change proposal's input errors name their field ----------------------------------------


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"changes": {}}, ["changes"], "REQUIRED"),
        ({"changes": {"status": "PROPOSED"}}, ["changes", "status"], "INVALID"),
        ({"changes": {"name": " "}}, ["changes", "name"], "REQUIRED"),
        ({"effectiveFrom": "2027-02-01"}, ["effectiveFrom"], "INVALID"),  # not a year's start
        ({"closesAt": "2030-01-31T17:00:00"}, ["closesAt"], "INVALID"),  # no offset
        ({"closesAt": "2020-01-31T17:00:00+00:00"}, ["closesAt"], "INVALID"),  # past
        ({"closesAt": "2099-01-31T17:00:00+00:00"}, ["closesAt"], "OUT_OF_RANGE"),
        ({"rationale": "x" * 4001}, ["rationale"], "TOO_LONG"),
    ],
)
async def test_a_wrong_indicator_change_names_its_field(
    client, town, session, extra: dict[str, Any], field: list[str], code: str
) -> None:
    indicator = await make_indicator(session, town["result"])
    change = {
        "indicatorId": to_global_id("Indicator", indicator.id),
        "changes": {"definition": "Assessed with the new state tool"},
        "rationale": "The state changed its tool.",
        **extra,
    }
    body = await graphql(client, PROPOSE_CHANGE, {"input": change}, town["as"]["resident1"])
    payload = body["data"]["proposeIndicatorChange"]
    assert payload["proposal"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]


async def test_a_wrong_shared_measure_change_names_its_field(client, town, session) -> None:
    shared = await make_shared_measure(session, town["collaborative"])
    change = {
        "sharedMeasureId": to_global_id("SharedMeasure", shared.id),
        "changes": {"name": " "},
        "rationale": "Because.",
    }
    body = await graphql(client, PROPOSE_SHARED_CHANGE, {"input": change}, town["as"]["resident1"])
    errors = body["data"]["proposeSharedMeasureChange"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["changes", "name"], "REQUIRED")]
