"""Nested dashboard queries cost a fixed number of SQL statements, however many rows."""

from __future__ import annotations

from datetime import date

from api.settings import Settings
from services.observations.models import Observation
from services.periods import Granularity, next_start
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_dimension, make_measure

DASHBOARD = """query($slug: String!) { collaborative(slug: $slug) {
  measures(first: 50) { totalCount nodes {
    name partner { name contact { email } } sharedMeasure { name }
    dimensions { key categories { key label rollsUpTo { key } } }
    targets { value }
    latestObservations(count: 8) { value period { label } breakdown { categoryLabel } }
    series { points { label value } target { value } latestVsForecast
      forecast { slopePerPeriod points { value } } }
  } } } }"""


async def statements_for_a_dashboard(
    session, client, settings: Settings, count_statements, n: int
) -> int:
    collaborative = await make_collaborative(session)
    race = await make_dimension(session, collaborative, "race_ethnicity", {"latino": "Latino/a"})
    for p in range(n):
        partner = await make_partner(
            session, collaborative, name=f"P{p}", contact_email=f"p{p}@x.org"
        )
        measure = await make_measure(
            session, partner, name=f"M{p}", visibility=Visibility.COLLABORATIVE, dimensions=(race,)
        )
        start = date(2023, 1, 1)
        for _ in range(10):
            session.add(
                Observation(
                    collaborative_id=collaborative.id,
                    measure_id=measure.id,
                    granularity=Granularity.QUARTER,
                    period_start=start,
                    value=p,
                )
            )
            start = next_start(Granularity.QUARTER, start)
    await session.flush()
    member = await make_member(session, collaborative, Role.RESIDENT)
    with count_statements() as counter:
        body = await graphql(
            client, DASHBOARD, {"slug": collaborative.slug}, bearer(settings, member)
        )
    nodes = body["data"]["collaborative"]["measures"]["nodes"]
    assert len(nodes) == n
    assert all(len(node["latestObservations"]) == 8 for node in nodes)
    assert all(len(node["series"]["points"]) == 10 for node in nodes)
    return counter.count


async def test_a_dashboard_of_measures_and_their_charts_costs_the_same_statements_for_2_or_10(
    client, session, settings: Settings, count_statements
) -> None:
    small = await statements_for_a_dashboard(session, client, settings, count_statements, 2)
    large = await statements_for_a_dashboard(session, client, settings, count_statements, 10)
    assert small == large
