"""A shared measure with hand-computed aggregates, for the GraphQL and CSV tests alike.

"Children screened on time" (a rate) is adopted by three consenting partners, whose
measures are private, and one that declined. `release` publishes both quarters; a test that
changes who may read a measure does so first, since a release freezes what it counted.

Q1 2025, numerator / denominator per partner (every partner's race cells add up to its total):

              asian    black    latino   white   total
    A         10/30    8/30     11/37    1/3     30/100
    B         12/40    10/35    17/43    1/2     40/120
    C         15/45    12/45    22/57    1/3     50/150
    sum       37/115   30/110   50/137   3/8     120/370
    D declined to share: 30/80 in every period (never counted).

Q2 2025: only A (35/100) and B (45/120) report: too few partners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import Settings
from schema.relay import to_global_id
from services.measures.models import Aggregation
from services.measures.units import Unit
from services.observations.models import ObservationStatus
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, make_collaborative, make_member, make_partner
from tests.measurement_factories import (
    make_dimension,
    make_measure,
    make_shared_measure,
    quarterly_row,
)
from tests.release_database import release as release_period

Q1, Q2 = date(2025, 1, 1), date(2025, 4, 1)
RACES = {"asian": "Asian", "black": "Black", "latino": "Latino/a", "white": "White"}
Q1_CELLS = {
    "A": {"asian": (10, 30), "black": (8, 30), "latino": (11, 37), "white": (1, 3)},
    "B": {"asian": (12, 40), "black": (10, 35), "latino": (17, 43), "white": (1, 2)},
    "C": {"asian": (15, 45), "black": (12, 45), "latino": (22, 57), "white": (1, 3)},
}
Q2_TOTALS = {"A": (35, 100), "B": (45, 120)}

AGGREGATE = """query($of: ID!, $by: [String!], $from: Date, $to: Date, $asOf: DateTime) {
  aggregate(of: $of, by: $by, from: $from, to: $to, asOf: $asOf) {
    aggregation unit by partnerRules rules { minPartners minCell maxDominanceShare }
    sharedMeasure { name } indicator { name }
    releases { number revises period { label } summary }
    cells { period { label start } breakdown { dimension category categoryLabel }
      value partners n suppressed reason explanation unstable
      release { number revises } } } }"""


async def release(session: AsyncSession, fixture: Fixture, *periods: date) -> None:
    """Release the quarters (both by default), as the backbone or the deadline would."""
    for period in periods or (Q1, Q2):
        await release_period(session, fixture.collaborative.id, period)


@dataclass
class Fixture:
    shared: Any
    collaborative: Any
    measures: dict[str, Any]
    viewers: dict[str, dict[str, str]]

    @property
    def of(self) -> str:
        return to_global_id("SharedMeasure", self.shared.id)


def observation(measure: Any, start: date, numerator: int, denominator: int, **cell: str):
    return quarterly_row(
        measure,
        start,
        cell,
        value=round(100 * numerator / denominator, 1),
        numerator=numerator,
        denominator=denominator,
        n=denominator,
    )


async def build_fixture(session: AsyncSession, settings: Settings) -> Fixture:
    """The shared measure, its four adopting partners' observations, and a viewer per role."""
    collaborative = await make_collaborative(session)
    race = await make_dimension(session, collaborative, "race_ethnicity", RACES)
    shared = await make_shared_measure(
        session,
        collaborative,
        name="Children screened on time",
        unit=Unit.PERCENT,
        aggregation=Aggregation.RATE,
    )
    partners = {k: await make_partner(session, collaborative, name=k) for k in "ABCD"}
    visibility = dict.fromkeys("ABCD", Visibility.PRIVATE)
    measures = {
        k: await make_measure(
            session,
            partners[k],
            name="Screened",
            unit=Unit.PERCENT,
            visibility=visibility[k],
            shared_measure_id=shared.id,
            share_in_aggregates=k != "D",
            dimensions=(race,),
        )
        for k in "ABCD"
    }
    rows = []
    for k, cells in Q1_CELLS.items():
        m = measures[k]
        rows.append(
            observation(m, Q1, sum(c[0] for c in cells.values()), sum(c[1] for c in cells.values()))
        )
        rows += [observation(m, Q1, a, b, race_ethnicity=r) for r, (a, b) in cells.items()]
    for k, (a, b) in Q2_TOTALS.items():
        rows.append(observation(measures[k], Q2, a, b))
    rows += [observation(measures["D"], q, 30, 80) for q in (Q1, Q2)]
    draft = observation(measures["C"], Q2, 60, 150)
    draft.status = ObservationStatus.DRAFT  # not published: never counted
    rows.append(draft)
    session.add_all(rows)
    await session.flush()

    funder_org = await make_partner(session, collaborative, name="Fund", kind="funder")
    other = await make_collaborative(session)
    viewers = {
        "funder": await make_member(session, collaborative, Role.FUNDER, funder_org),
        "resident": await make_member(session, collaborative, Role.RESIDENT),
        "staff of A": await make_member(session, collaborative, Role.PARTNER_STAFF, partners["A"]),
        "admin": await make_member(session, collaborative, Role.ADMIN),
        "outsider": await make_member(session, other, Role.RESIDENT),
    }
    return Fixture(
        shared=shared,
        collaborative=collaborative,
        measures=measures,
        viewers={k: bearer(settings, v) for k, v in viewers.items()} | {"anonymous": {}},
    )
