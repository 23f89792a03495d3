"""Which sets of contributions may be published, and why not. Pure functions.

A set of contributions (a cell, what a total holds beyond its parts, what changed in a cell
between two releases) may be published when enough partners contribute (`min_partners`),
enough people are counted (`min_cell`; 1 to min_cell - 1 people are hidden, zero is shown)
and no partner dominates it (`max_dominance_share`).

Readers already know some contributions: the public (funders among it) reads public
measures, members read members' measures too, and a partner's own people read their own
(a partner's people are members, a funder's read as the public does). What a reader cannot
read of a set must still hold enough partners that none can be told apart (as a partner
that knows its own value must: `min_partners` - 1, and at least 2), enough people, and no
dominant share; and so must what is left once any one partner's people take their own
away. Knowledge is counted per contribution (partner x measure x cell), never per partner:
a partner whose public measure is readable is still protected in its private one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.analytics.cube import AUDIENCES, Level, Mass, Share, Shares, by_partner
from services.measures.models import Aggregation


class Reason(StrEnum):
    """Why a cell has no value. Every hidden cell carries one."""

    SUPPRESSED_AT_SOURCE = "suppressed_at_source"
    TOO_FEW_PARTNERS = "too_few_partners"
    SMALL_CELL = "small_cell"
    UNKNOWN_SIZE = "unknown_size"
    DOMINANCE = "dominance"
    COMPLEMENTARY = "complementary"
    UNDEFINED = "undefined"
    NO_DATA = "no_data"
    SEEN_PARTS = "seen_parts"
    REVISION = "revision"
    NOT_RELEASED = "not_released"


EXPLANATIONS = {
    Reason.SUPPRESSED_AT_SOURCE: "a contributor's value was suppressed at its source, or lacks "
    "what this aggregation adds up (a numerator and denominator, or n)",
    Reason.TOO_FEW_PARTNERS: "fewer partners contribute than the collaborative's minimum",
    Reason.SMALL_CELL: "fewer people are counted than the collaborative's minimum cell size",
    Reason.UNKNOWN_SIZE: "how many people are counted is not known",
    Reason.DOMINANCE: "one partner makes up more than the allowed share of the cell",
    Reason.COMPLEMENTARY: "hidden so that another hidden cell cannot be found by subtraction",
    Reason.UNDEFINED: "the denominator is zero",
    Reason.NO_DATA: "nobody reported this cell",
    Reason.SEEN_PARTS: "the values some readers can already read (public or members' "
    "measures, or a partner's own) would single out the rest",
    Reason.REVISION: "withheld in this revision: together with an earlier release of the "
    "period it would single out what changed for too few partners",
    Reason.NOT_RELEASED: "this period has not been released yet",
}


@dataclass(frozen=True, slots=True)
class Rules:
    min_partners: int = 3
    min_cell: int = 11
    max_dominance_share: float = 0.8
    # False for one source's own data (a collaborative's indicator): partners do not apply.
    partner_rules: bool = True
    # Partners whose people read as the public does (funders); everyone else's are members.
    funders: frozenset[int] = frozenset()

    @property
    def left_after_one(self) -> int:
        """Partners that must stay unknown to someone who knows some values already."""
        return max(2, self.min_partners - 1)

    def knowers(self, audience: Level) -> frozenset[int] | None:
        """Partners whose people read as `audience` does, besides their own (None: any)."""
        return None if audience is Level.MEMBERS else self.funders


def exposed(shares: Shares, aggregation: Aggregation, rules: Rules) -> Reason | None:
    """The first rule a set of contributions breaks, for any reader, if any.

    First the set as a whole; then, for each audience, what it cannot read of the set (when
    it reads some of it), and what is left once any one partner's people take away their own.
    """
    reason = unsafe(by_partner(shares), aggregation, rules)
    if reason is not None or not rules.partner_rules:
        return reason
    for audience in AUDIENCES:
        unread = by_partner(shares, unread_by=audience)
        reads_some = any(known >= audience for _, _, known in shares)
        if unread and reads_some and unsafe(unread, aggregation, rules, rules.left_after_one):
            return Reason.SEEN_PARTS
        knowers = rules.knowers(audience)
        if one_partner_singles_out_the_rest(unread, aggregation, rules, knowers):
            return Reason.SEEN_PARTS
    return None


def one_partner_singles_out_the_rest(
    unread: Mapping[int, Share],
    aggregation: Aggregation,
    rules: Rules,
    knowers: Collection[int] | None = None,
) -> bool:
    """Whether some partner (of `knowers`, else any), taking away its own share, leaves a
    set that breaks a rule."""
    if len(unread) < 2:
        return False  # a lone partner only learns its own values
    return any(
        unsafe(
            {p: s for p, s in unread.items() if p != own},
            aggregation,
            rules,
            rules.left_after_one,
        )
        for own in unread
        if knowers is None or own in knowers
    )


def unsafe(
    shares: Mapping[int, Share],
    aggregation: Aggregation,
    rules: Rules,
    min_partners: int | None = None,
) -> Reason | None:
    """The first rule that a set of partners' shares breaks, if any."""
    if any(s is None for s in shares.values()):
        return Reason.SUPPRESSED_AT_SOURCE
    masses = [s for s in shares.values() if s is not None]
    if rules.partner_rules and len(masses) < (min_partners or rules.min_partners):
        return Reason.TOO_FEW_PARTNERS
    if any(m.people is None for m in masses):
        return Reason.UNKNOWN_SIZE
    people = abs(sum(m.people or 0.0 for m in masses))
    if 0 < people < rules.min_cell:
        return Reason.SMALL_CELL
    if rules.partner_rules and dominated(masses, aggregation, rules.max_dominance_share):
        return Reason.DOMINANCE
    return None


def dominated(masses: Sequence[Mass], aggregation: Aggregation, limit: float) -> bool:
    """One contributor weighs more than `limit` of the set (of the amount, or of the people)."""
    amounts = [abs(m.a) for m in masses]
    bases = [abs(m.b) for m in masses]
    sides = [amounts] if aggregation is Aggregation.SUM else [bases]
    if aggregation is Aggregation.RATE:
        sides.append(amounts)  # a rate's events and its population: neither may be one's
    return any(sum(w) > 0 and max(w) / sum(w) > limit for w in sides)


def unread_holders(shares: Shares, audience: Level) -> frozenset[int]:
    """The partners with a contribution to the set that the audience cannot read."""
    return frozenset(partner for partner, _, known in shares if known < audience)
