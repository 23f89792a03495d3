"""Counting votes and judging them by a collaborative's rule: quorum and dual majority. Pure.

A group's majority is its share of yes among its yes and no votes, and it must EXCEED the
group's threshold (0.5: a strict majority, so a tie fails). A group that cast no yes or no
vote has no majority, so neither residents nor organizations can ratify alone. Abstentions
count toward the quorum but not toward a majority.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from services.governance.models import VoteChoice, VoterGroup


class HasRule(Protocol):
    """What holds a rule: a collaborative (kept as a protocol so that this module stays pure)."""

    quorum: int
    resident_majority: float
    organization_majority: float


@dataclass(frozen=True, slots=True)
class Rule:
    quorum: int  # votes cast, abstentions included
    resident_majority: float
    organization_majority: float

    @classmethod
    def of(cls, holder: HasRule) -> Rule:
        """The rule a collaborative judges its proposals by."""
        return cls(holder.quorum, holder.resident_majority, holder.organization_majority)


@dataclass(frozen=True, slots=True)
class GroupTally:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain

    def share_of_yes(self) -> float | None:
        """Yes among yes and no; None when the group decided nothing."""
        decided = self.yes + self.no
        return self.yes / decided if decided else None

    def has_majority(self, threshold: float) -> bool:
        share = self.share_of_yes()
        return share is not None and share > threshold


@dataclass(frozen=True, slots=True)
class Tally:
    residents: GroupTally
    organizations: GroupTally
    rule: Rule

    @property
    def cast(self) -> int:
        return self.residents.cast + self.organizations.cast

    @property
    def quorum_met(self) -> bool:
        return self.cast >= self.rule.quorum

    @property
    def resident_majority(self) -> bool:
        return self.residents.has_majority(self.rule.resident_majority)

    @property
    def organization_majority(self) -> bool:
        return self.organizations.has_majority(self.rule.organization_majority)

    @property
    def ratified(self) -> bool:
        return self.quorum_met and self.resident_majority and self.organization_majority

    def as_record(self) -> dict[str, Any]:
        """What is kept on the proposal at closing, enough to check the outcome later."""
        return {
            "residents": asdict(self.residents),
            "organizations": asdict(self.organizations),
            "rule": asdict(self.rule),
            "quorum_met": self.quorum_met,
            "resident_majority": self.resident_majority,
            "organization_majority": self.organization_majority,
            "ratified": self.ratified,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Tally:
        return cls(
            residents=GroupTally(**record["residents"]),
            organizations=GroupTally(**record["organizations"]),
            rule=Rule(**record["rule"]),
        )


def count(votes: Iterable[tuple[VoterGroup, VoteChoice]], rule: Rule) -> Tally:
    """The tally of (group, choice) pairs under `rule`."""
    counts = {g: dict.fromkeys(VoteChoice, 0) for g in VoterGroup}
    for group, choice in votes:
        counts[group][choice] += 1

    def group(g: VoterGroup) -> GroupTally:
        c = counts[g]
        return GroupTally(yes=c[VoteChoice.YES], no=c[VoteChoice.NO], abstain=c[VoteChoice.ABSTAIN])

    return Tally(
        residents=group(VoterGroup.RESIDENT),
        organizations=group(VoterGroup.ORGANIZATION),
        rule=rule,
    )
