"""The vote tally: quorum and dual majority, as plain functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.governance.models import VoteChoice, VoterGroup
from services.governance.tally import Rule, Tally, count

RULE = Rule(quorum=3, resident_majority=0.5, organization_majority=0.5)
RES, ORG = VoterGroup.RESIDENT, VoterGroup.ORGANIZATION
YES, NO, ABSTAIN = VoteChoice.YES, VoteChoice.NO, VoteChoice.ABSTAIN


def test_a_group_that_decided_nothing_has_no_majority() -> None:
    tally = count([(ORG, YES)] * 10, RULE)
    assert tally.quorum_met
    assert tally.organization_majority
    assert not tally.resident_majority
    assert not tally.ratified


def test_a_tie_is_no_majority_and_abstentions_only_make_the_quorum() -> None:
    assert not count([(RES, YES), (RES, NO), (ORG, YES)], RULE).ratified
    assert count([(RES, YES), (RES, ABSTAIN), (ORG, YES)], RULE).ratified


def test_thresholds_are_the_collaborative_s() -> None:
    supermajority = Rule(quorum=1, resident_majority=0.6, organization_majority=0.5)
    three_of_five = [(RES, YES)] * 3 + [(RES, NO)] * 2 + [(ORG, YES)]
    assert not count(three_of_five, supermajority).ratified  # 0.6 must be exceeded
    assert count(
        [(RES, YES), (RES, YES), (RES, YES), (RES, NO), (ORG, YES)], supermajority
    ).ratified


votes = st.lists(st.tuples(st.sampled_from(list(VoterGroup)), st.sampled_from(list(VoteChoice))))


@given(votes)
def test_organizations_alone_never_ratify_and_a_record_reproduces_the_tally(
    cast: list[tuple[VoterGroup, VoteChoice]],
) -> None:
    tally = count(cast, RULE)
    only_organizations = count([v for v in cast if v[0] is ORG], RULE)
    assert not only_organizations.ratified
    assert Tally.from_record(tally.as_record()) == tally
    assert tally.cast == len(cast)
