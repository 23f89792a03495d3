"""Accountability: everyone's follow-through counted the same way, the backbone's and
funders' included, with reporting completeness on the measures the viewer may see."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.settings import Settings
from services.actions.models import ActionStatus
from services.observations.models import Observation, ObservationStatus
from services.partners.models import PartnerKind
from services.periods import Granularity, last_complete_start
from services.viewer import Role
from services.visibility import Visibility
from tests.action_factories import make_action_item
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_measure

AS_OF = date(2026, 5, 15)
EARLY = datetime(2024, 1, 1, tzinfo=UTC)  # measures defined long before the periods due
DONE, DROPPED, IN_PROGRESS = ActionStatus.DONE, ActionStatus.DROPPED, ActionStatus.IN_PROGRESS

ACCOUNTABILITY = """query($slug: String!, $asOf: Date) { accountability(slug: $slug, asOf: $asOf) {
  asOf partners { partner { name } open inProgress overdue doneOnTime doneLate dropped
    reporting { expected reported measures { measure { name } period { label } reported } } } } }"""


def test_the_period_due_is_the_last_one_that_ended_before_the_day() -> None:
    assert last_complete_start(Granularity.MONTH, date(2026, 5, 15)) == date(2026, 4, 1)
    assert last_complete_start(Granularity.MONTH, date(2026, 1, 1)) == date(2025, 12, 1)
    assert last_complete_start(Granularity.QUARTER, date(2026, 5, 15)) == date(2026, 1, 1)
    assert last_complete_start(Granularity.QUARTER, date(2026, 1, 31)) == date(2025, 10, 1)
    assert last_complete_start(Granularity.YEAR, date(2026, 5, 15)) == date(2025, 1, 1)
    assert last_complete_start(Granularity.SCHOOL_YEAR, date(2026, 5, 15)) == date(2024, 8, 1)
    assert last_complete_start(Granularity.SCHOOL_YEAR, date(2026, 8, 1)) == date(2025, 8, 1)


async def arrange(session):
    c = await make_collaborative(session)
    backbone = await make_partner(session, c, name="A Backbone", kind=PartnerKind.BACKBONE)
    funder = await make_partner(session, c, name="B Foundation", kind=PartnerKind.FUNDER)
    casa = await make_partner(session, c, name="C Casa")
    await make_partner(session, c, name="D Quiet")  # no items, no measures: listed with zeros
    may = date(2026, 5, 1)
    for partner, due, status, completed in [
        (backbone, date(2026, 5, 1), ActionStatus.OPEN, None),  # the backbone's own overdue
        (backbone, date(2026, 4, 1), IN_PROGRESS, None),  # overdue too
        (backbone, date(2026, 6, 1), ActionStatus.OPEN, None),  # not yet due
        (backbone, date(2026, 3, 1), DONE, date(2026, 3, 10)),  # late
        (funder, date(2026, 4, 30), DONE, date(2026, 4, 30)),  # on time, on the day
        (funder, date(2026, 5, 14), ActionStatus.OPEN, None),  # overdue by one day
        (casa, date(2026, 5, 15), ActionStatus.OPEN, None),  # due today: not overdue
        (casa, date(2026, 2, 1), DONE, date(2026, 1, 20)),  # on time
        (casa, date(2026, 1, 1), DROPPED, None),  # dropped: never overdue
    ]:
        await make_action_item(session, partner, due=due, status=status, completed_on=completed)
    shared = await make_measure(
        session, casa, name="Casa shared", visibility=Visibility.COLLABORATIVE, created_at=EARLY
    )
    private = await make_measure(session, casa, name="Casa private", created_at=EARLY)
    draft_only = await make_measure(
        session, casa, name="Casa monthly", granularity=Granularity.MONTH,
        visibility=Visibility.PUBLIC, created_at=EARLY,
    )  # fmt: skip
    await make_measure(session, backbone, name="Backbone yearly", granularity=Granularity.YEAR,
                       visibility=Visibility.COLLABORATIVE, created_at=EARLY)  # fmt: skip
    for measure, granularity, start, status in [
        (shared, Granularity.QUARTER, date(2026, 1, 1), ObservationStatus.PUBLISHED),  # due one
        (private, Granularity.QUARTER, date(2026, 1, 1), ObservationStatus.PUBLISHED),
        (draft_only, Granularity.MONTH, date(2026, 4, 1), ObservationStatus.DRAFT),
        (draft_only, Granularity.MONTH, may, ObservationStatus.PUBLISHED),  # not due yet
    ]:
        session.add(Observation(collaborative_id=c.id, measure_id=measure.id, status=status,
                                granularity=granularity, period_start=start, value=1))  # fmt: skip
    await session.flush()
    other = await make_collaborative(session)
    other_backbone = await make_partner(session, other, kind=PartnerKind.BACKBONE)
    people = {
        "resident": await make_member(session, c, Role.RESIDENT),
        "casa": await make_member(session, c, Role.PARTNER_STAFF, casa),
        "funder": await make_member(session, c, Role.FUNDER, funder),
        "outsider": await make_member(session, other, Role.BACKBONE, other_backbone),
    }
    return c, people


def _figures(partner: dict) -> tuple[int, ...]:
    keys = ("open", "inProgress", "overdue", "doneOnTime", "doneLate", "dropped")
    return tuple(partner[k] for k in keys)


async def test_every_partner_is_counted_the_same_way_the_backbone_included(
    client, session, settings: Settings
) -> None:
    c, people = await arrange(session)
    body = await graphql(
        client,
        ACCOUNTABILITY,
        {"slug": c.slug, "asOf": str(AS_OF)},
        bearer(settings, people["resident"]),
    )
    view = body["data"]["accountability"]
    assert view["asOf"] == "2026-05-15"
    partners = {p["partner"]["name"]: p for p in view["partners"]}
    assert list(partners) == ["A Backbone", "B Foundation", "C Casa", "D Quiet"]
    assert _figures(partners["A Backbone"]) == (3, 1, 2, 0, 1, 0)
    assert _figures(partners["B Foundation"]) == (1, 0, 1, 1, 0, 0)
    assert _figures(partners["C Casa"]) == (1, 0, 0, 1, 0, 1)
    assert _figures(partners["D Quiet"]) == (0, 0, 0, 0, 0, 0)
    # a resident sees Casa's shared and public measures, never its private one
    assert partners["C Casa"]["reporting"] == {"expected": 2, "reported": 1, "measures": [
        {"measure": {"name": "Casa monthly"}, "period": {"label": "2026-04"}, "reported": False},
        {"measure": {"name": "Casa shared"}, "period": {"label": "2026-Q1"}, "reported": True},
    ]}  # fmt: skip
    assert partners["A Backbone"]["reporting"]["measures"] == [
        {"measure": {"name": "Backbone yearly"}, "period": {"label": "2025"}, "reported": False}
    ]
    assert partners["D Quiet"]["reporting"] == {"expected": 0, "reported": 0, "measures": []}


async def test_a_partner_sees_its_own_private_measures_in_its_completeness(
    client, session, settings: Settings
) -> None:
    c, people = await arrange(session)
    body = await graphql(
        client,
        ACCOUNTABILITY,
        {"slug": c.slug, "asOf": str(AS_OF)},
        bearer(settings, people["casa"]),
    )
    casa = next(
        p for p in body["data"]["accountability"]["partners"] if p["partner"]["name"] == "C Casa"
    )
    assert (casa["reporting"]["expected"], casa["reporting"]["reported"]) == (3, 2)


@pytest.mark.parametrize(
    ("who", "sees"), [("funder", ["B Foundation"]), ("outsider", []), (None, [])]
)
async def test_others_see_only_their_own_follow_through_or_nothing(
    client, session, settings: Settings, who, sees
) -> None:
    c, people = await arrange(session)
    headers = bearer(settings, people[who]) if who else {}
    body = await graphql(client, ACCOUNTABILITY, {"slug": c.slug, "asOf": str(AS_OF)}, headers)
    partners = body["data"]["accountability"]["partners"]
    assert [p["partner"]["name"] for p in partners] == sees
    if who == "funder":
        assert _figures(partners[0]) == (1, 0, 1, 1, 0, 0)


async def test_an_unknown_collaborative_answers_null(client, settings: Settings) -> None:
    body = await graphql(client, ACCOUNTABILITY, {"slug": "nowhere"})
    assert body["data"]["accountability"] is None


async def statements_for_accountability(session, client, settings, count_statements, n: int) -> int:
    c = await make_collaborative(session)
    for p in range(n):
        partner = await make_partner(session, c, name=f"P{p}")
        await make_action_item(session, partner, due=date(2026, 1, 1))
        await make_measure(
            session, partner, name=f"M{p}", visibility=Visibility.COLLABORATIVE, created_at=EARLY
        )
    member = await make_member(session, c, Role.RESIDENT)
    with count_statements() as counter:
        body = await graphql(client, ACCOUNTABILITY, {"slug": c.slug}, bearer(settings, member))
    partners = body["data"]["accountability"]["partners"]
    assert len(partners) == n
    assert all(p["overdue"] == 1 and p["reporting"]["expected"] == 1 for p in partners)
    return counter.count


async def test_accountability_costs_the_same_statements_for_2_or_10_partners(
    client, session, settings: Settings, count_statements
) -> None:
    small = await statements_for_accountability(session, client, settings, count_statements, 2)
    large = await statements_for_accountability(session, client, settings, count_statements, 10)
    assert small == large


LIST = """query($slug: String!) { collaborative(slug: $slug) { actionItems(first: 50) {
  nodes { title overdue owner { name } measure { name } result { statement } history { note } }
} } }"""


async def test_a_page_of_items_with_owners_links_and_history_costs_the_same_for_2_or_10(
    client, session, settings: Settings, count_statements
) -> None:
    counts = []
    for n in (2, 10):
        c = await make_collaborative(session)
        for p in range(n):
            partner = await make_partner(session, c, name=f"P{p}")
            measure = await make_measure(session, partner, visibility=Visibility.COLLABORATIVE)
            await make_action_item(session, partner, due=date(2026, 1, 1), measure_id=measure.id)
        member = await make_member(session, c, Role.RESIDENT)
        with count_statements() as counter:
            body = await graphql(client, LIST, {"slug": c.slug}, bearer(settings, member))
        assert len(body["data"]["collaborative"]["actionItems"]["nodes"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1]


ACCOUNTABILITY_OF = """query($slug: String!) { accountability(slug: $slug, asOf: "2026-03-20") {
  partners { partner { name } doneOnTime doneLate } } }"""


@pytest.mark.parametrize(("time_zone", "on_time"), [("America/Los_Angeles", True), ("UTC", False)])
async def test_done_on_time_is_judged_on_the_tables_own_calendar(
    client, session, settings: Settings, time_zone: str, on_time: bool
) -> None:
    """Done at 8 pm in Los Angeles on the due day is 4 am the next day in UTC."""
    from datetime import UTC, datetime

    from services.actions.models import ActionItemStatusChange

    collaborative = await make_collaborative(session, time_zone=time_zone)
    partner = await make_partner(session, collaborative, name="Casa")
    resident = await make_member(session, collaborative, Role.RESIDENT)
    item = await make_action_item(session, partner, due=date(2026, 3, 10))
    session.add(
        ActionItemStatusChange(
            collaborative_id=collaborative.id,
            action_item_id=item.id,
            to_status=ActionStatus.DONE,
            changed_at=datetime(2026, 3, 11, 4, 0, tzinfo=UTC),
        )
    )
    await session.flush()
    await session.refresh(item)
    assert item.completed_on == (date(2026, 3, 10) if on_time else date(2026, 3, 11))
    body = await graphql(
        client, ACCOUNTABILITY_OF, {"slug": collaborative.slug}, bearer(settings, resident)
    )
    [casa] = body["data"]["accountability"]["partners"]
    assert (casa["doneOnTime"], casa["doneLate"]) == ((1, 0) if on_time else (0, 1))


def test_today_is_the_tables_own() -> None:
    from services.actions.service import today

    # 26 hours apart: never the same date
    assert today("Pacific/Kiritimati") > today("Etc/GMT+12")


async def test_a_measure_defined_after_its_period_was_due_is_not_yet_expected(
    client, session, settings: Settings
) -> None:
    c = await make_collaborative(session)
    casa = await make_partner(session, c, name="Casa")
    resident = await make_member(session, c, Role.RESIDENT)
    late = datetime(2026, 4, 20, tzinfo=UTC)  # Q1 2026 was due from April 1
    await make_measure(session, casa, name="New", visibility=Visibility.PUBLIC, created_at=late)
    backfilled = await make_measure(
        session, casa, name="Backfilled", visibility=Visibility.PUBLIC, created_at=late
    )
    session.add(
        Observation(collaborative_id=c.id, measure_id=backfilled.id, value=1,
                    status=ObservationStatus.PUBLISHED, granularity=Granularity.QUARTER,
                    period_start=date(2026, 1, 1))
    )  # fmt: skip
    await session.flush()
    body = await graphql(
        client, ACCOUNTABILITY, {"slug": c.slug, "asOf": str(AS_OF)}, bearer(settings, resident)
    )
    [view] = body["data"]["accountability"]["partners"]
    assert view["reporting"]["measures"] == [
        {"measure": {"name": "Backfilled"}, "period": {"label": "2026-Q1"}, "reported": True}
    ]
