"""Releases over time reveal nothing, by the pure specification: random histories of
reports, corrections, consent and visibility changes and re-releases, and every audience
solving every answer it could have read together with what it may read directly.

The database's own releases face the same histories in tests/test_releases_db.py.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from services.analytics.cube import Level
from tests.release_history import (
    PERIOD,
    Audience,
    History,
    MeasureDesign,
    Step,
    World,
    audiences,
    disclosures,
    histories,
)

EXAMPLES = int(os.environ.get("TABLERO_PRIVACY_EXAMPLES", "150"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_no_audience_can_compute_a_private_single_partner_value_over_a_whole_history(
    history: History,
) -> None:
    world = World(history).play()
    for audience in audiences(world):
        assert disclosures(world, audience) == [], (audience, history)


def late(measure: int, value: int) -> Step:
    return Step("report", measure, (), value)


def test_a_late_value_does_not_reveal_itself_by_differencing_two_releases() -> None:
    # given four private partners released; then partner 3 reports late
    history = History(
        rules=(3, 1, 1.0),
        categories=(),
        measures=tuple(MeasureDesign(p, Level.OWNER, True) for p in range(4)),
        steps=(
            late(0, 10),
            late(1, 20),
            late(2, 30),
            Step("release"),
            late(3, 40),
            Step("release"),
        ),
    )
    world = World(history).play()
    # then the revision withholds the total, whose change would be partner 3's value alone
    first, second = world.cells
    assert first[0].value == 60
    assert second[0].reason == "revision"
    assert all(disclosures(world, a) == [] for a in audiences(world))


def test_withdrawn_consent_does_not_reveal_the_partner_by_differencing() -> None:
    history = History(
        rules=(3, 1, 1.0),
        categories=(),
        measures=tuple(MeasureDesign(p, Level.OWNER, True) for p in range(4)),
        steps=(
            *(late(p, 10 * (p + 1)) for p in range(4)),
            Step("release"),
            Step("consent", 0, on=False),
            Step("release"),
        ),
    )
    world = World(history).play()
    assert world.cells[0][0].value == 100
    assert world.cells[1][0].reason == "revision"


def test_changes_by_enough_partners_are_published_in_the_revision() -> None:
    history = History(
        rules=(3, 1, 1.0),
        categories=(),
        measures=tuple(MeasureDesign(p, Level.OWNER, True) for p in range(6)),
        steps=(
            *(late(p, 10) for p in range(3)),
            Step("release"),
            *(late(p, 10) for p in range(3, 6)),
            Step("release"),
        ),
    )
    world = World(history).play()
    assert [c.value for c in (world.cells[0][0], world.cells[1][0])] == [30, 60]


def test_a_public_part_of_a_partner_is_no_cover_for_another() -> None:
    # partner 0 feeds the shared measure from a public and a private measure; partner 1 is
    # public; partner 2 private: the public reads 0's and 1's public parts
    history = History(
        rules=(3, 1, 1.0),
        categories=(),
        measures=(
            MeasureDesign(0, Level.PUBLIC, True),
            MeasureDesign(0, Level.OWNER, True),
            MeasureDesign(1, Level.PUBLIC, True),
            MeasureDesign(2, Level.OWNER, True),
        ),
        steps=(late(0, 10), late(2, 20), late(3, 30), Step("release")),
    )
    world = World(history).play()
    assert world.cells[0][0].reason == "seen_parts"
    assert disclosures(world, Audience(Level.PUBLIC)) == []


def test_a_value_released_while_private_stays_private_when_its_measure_is_made_public() -> None:
    history = History(
        rules=(3, 1, 1.0),
        categories=(),
        measures=tuple(MeasureDesign(p, Level.OWNER, True) for p in range(3)),
        steps=(
            *(late(p, 10 * (p + 1)) for p in range(3)),
            Step("release"),
            Step("visibility", 0, level=Level.PUBLIC),
            Step("visibility", 1, level=Level.PUBLIC),
        ),
    )
    world = World(history).play()
    released = [v for v in world.versions if v.measure in (0, 1)]
    assert all(v.widest is Level.OWNER for v in released)
    assert world.cells[0][0].value == 60
    assert PERIOD  # the one period of these histories


def test_a_partners_own_hidden_cell_is_no_key_to_anothers() -> None:
    # c0 is partner 0's alone, c1 partner 1's alone, c2 three partners'; every total adds up
    # its parts. Partner 0 knows c0: total - c2 - c0 would be partner 1's c1.
    c0, c1, c2 = (("d", "c0"),), (("d", "c1"),), (("d", "c2"),)
    steps = [Step("report", 0, c0, 12), Step("report", 0, (), 12)]
    steps += [Step("report", 1, c1, 14), Step("report", 1, (), 14)]
    for p in (2, 3, 4):
        steps += [Step("report", p, c2, 10 + p), Step("report", p, (), 10 + p)]
    history = History(
        rules=(3, 1, 1.0),
        categories=("c0", "c1", "c2"),
        measures=tuple(MeasureDesign(p, Level.OWNER, True) for p in range(5)),
        steps=(*steps, Step("release")),
    )
    world = World(history).play()
    reasons = {c.breakdown: c.reason for c in world.cells[0]}
    assert reasons[c0] == reasons[c1] == "too_few_partners"
    assert reasons[()] == "complementary" or reasons[c2] == "complementary"
    assert disclosures(world, Audience(Level.MEMBERS, own=0)) == []
