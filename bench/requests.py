"""The requests the benchmark makes, on a synthetic collaborative (seeds/synthetic.py).

Each kind is a GraphQL document, its variables, and who asks; the floor (bench/floor.py)
answers the same kind with hand-written SQL, and tests/test_bench_floor.py checks that both
give the same answer. Bodies are built per request so that batches differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from schema.relay import to_global_id
from seeds.synthetic import EMAIL_DOMAIN, INTAKE_MEASURES, RACES, Size, slug_of, synthetic_id

PARTNER_DASHBOARD = """query PartnerDashboard($partner: ID!) {
  node(id: $partner) { ... on Partner { name measures(first: 20) { nodes {
    id name unit latestObservations(count: 8) { period { start label } value n } } } } } }"""

MEASURES_PAGE = """query MeasuresPage($slug: String!) {
  collaborative(slug: $slug) { measures(first: 100) {
    nodes { id name unit quadrant visibility partner { id name } }
    pageInfo { hasNextPage endCursor } } } }"""

FUNDER_AGGREGATE = """query FunderAggregate($of: ID!) {
  aggregate(of: $of, by: ["race_ethnicity"]) {
    cells { period { start label } breakdown { category } value partners n suppressed reason }
  } }"""

SERIES = """query Series($slug: String!, $partner: ID!) {
  collaborative(slug: $slug) { measures(first: 20, partnerIds: [$partner]) { nodes {
    id name series { points { start value } target { value } latestVsForecast
      forecast { slopePerPeriod points { start value } } } } } } }"""

PUBLIC_DASHBOARD = """query PublicDashboard($slug: String!) {
  dashboard(collaborativeSlug: $slug, slug: "region", language: "es") {
    title description panels { position title chart dimension
      subject { ... on Measure { name unit } }
      series { points { start label value } forecast { points { start value } } } } } }"""

SUBMIT = """mutation Submit($input: SubmitObservationsInput!) {
  submitObservations(input: $input) {
    observations { id revision } replayed userErrors { field message } } }"""

BATCH_PERIODS = 10  # times (a total and 4 race cells) = 50 observations a batch


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    viewer: str | None  # a synthetic person (seeds/synthetic.py), None: anonymous
    document: str
    variables: Callable[[Size, int], dict[str, Any]]  # (size, request number)
    items: int = 1  # what one request counts for (observations in a batch)

    def body(self, size: Size, number: int) -> dict[str, Any]:
        return {"query": self.document, "variables": self.variables(size, number)}


def partner_id(size: Size, partner: int) -> str:
    return to_global_id("Partner", synthetic_id(size, "partner", partner))


def shared_measure_id(size: Size) -> str:
    return to_global_id("SharedMeasure", synthetic_id(size, "shared_measure"))


def batch(size: Size, number: int, months: list[str]) -> dict[str, Any]:
    """Batch `number`: 10 new months of one of the intake partner's measures, every cell.

    Batches go round the intake measures, each time 10 months further back before the
    data's first month, so that every batch records values never recorded before."""
    measure = number % INTAKE_MEASURES
    first = date.fromisoformat(months[0])
    observations = []
    for offset in range(BATCH_PERIODS):
        back = BATCH_PERIODS * (number // INTAKE_MEASURES + 1) - offset
        index = first.year * 12 + first.month - 1 - back
        start = date(index // 12, index % 12 + 1, 1).isoformat()
        value = 100 + (number + offset) % 50
        observations.append({"periodStart": start, "value": value, "n": value})
        for race in RACES:
            cell = [{"dimension": "race_ethnicity", "category": race}]
            observations.append({"periodStart": start, "value": 20, "n": 20, "breakdown": cell})
    return {
        "input": {
            "subjectId": to_global_id("Measure", synthetic_id(size, "intake", measure)),
            "clientKey": f"bench-{size.name}-{number}",
            "observations": observations,
        }
    }


def kinds(months: list[str]) -> tuple[Kind, ...]:
    """Every request kind; `months` are the synthetic months' first days, oldest first."""
    return (
        Kind(
            "partner-dashboard",
            "a partner's 20 measures x latest 8, as the partner",
            "staff",
            PARTNER_DASHBOARD,
            lambda size, n: {"partner": partner_id(size, 0)},
        ),
        Kind(
            "member-dashboard",
            "the same, as a member of the collaborative",
            "resident",
            PARTNER_DASHBOARD,
            lambda size, n: {"partner": partner_id(size, 0)},
        ),
        Kind(
            "measures-page",
            "a page of 100 measures with their partner",
            "resident",
            MEASURES_PAGE,
            lambda size, n: {"slug": slug_of(size)},
        ),
        Kind(
            "funder-aggregate",
            "a funder's aggregate, 12 quarters x race",
            "funder",
            FUNDER_AGGREGATE,
            lambda size, n: {"of": shared_measure_id(size)},
        ),
        Kind(
            "series",
            "20 measures' series with forecasts",
            "resident",
            SERIES,
            lambda size, n: {"slug": slug_of(size), "partner": partner_id(size, 3)},
        ),
        Kind(
            "public-dashboard",
            "the public dashboard in Spanish, 8 panels",
            None,
            PUBLIC_DASHBOARD,
            lambda size, n: {"slug": slug_of(size)},
        ),
        Kind(
            "submit",
            "batches of 50 new observations, as a partner",
            "reporter",
            SUBMIT,
            lambda size, n: batch(size, n, months),
            items=BATCH_PERIODS * (1 + len(RACES)),
        ),
    )


def email(size: Size, viewer: str) -> str:
    return f"{viewer}-{size.name.lower()}@{EMAIL_DOMAIN}"


KIND_NAMES = tuple(kind.name for kind in kinds([]))


def listed(text: str, choices: Sequence[str], option: str) -> list[str]:
    """A comma-separated option's items, each one of `choices` (ValueError naming the
    option and the item otherwise)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    for item in items:
        if item not in choices:
            raise ValueError(f"{option}: {item!r} is not one of {', '.join(choices)}")
    if not items:
        raise ValueError(f"{option}: name at least one of {', '.join(choices)}")
    return items
