"""Charts (series with a baseline forecast) and disparities through the API, hand-computed.

Indicator "children screened", percent, higher is better, quarterly; race cells:

               asian    black    latino   other   white   total
    2024-Q4    90/120   50/100   70/110   45/90   4/5     259/425
    2025-Q1    96/120   60/100   74/110   45/90   4/5     279/425

white (5 people) is hidden; "other" (90) is the smallest shown part, hidden with it.
In adverse terms (100 - percent) at 2025-Q1: asian 20, black 40, latino 32.73 (best: asian).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from api.settings import Settings
from schema.relay import to_global_id
from services.observations.models import Observation, ObservationStatus, Target
from services.periods import Granularity
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import (
    make_dimension,
    make_indicator,
    make_measure,
    make_result,
    make_shared_measure,
)

Q4, Q1 = date(2024, 10, 1), date(2025, 1, 1)
RACES = {
    "asian": "Asian",
    "black": "Black",
    "latino": "Latino/a",
    "other": "Other",
    "white": "White",
}
ORDER = ("asian", "black", "latino", "other", "white")
CELLS = {
    Q4: dict(zip(ORDER, [(90, 120), (50, 100), (70, 110), (45, 90), (4, 5)], strict=True)),
    Q1: dict(zip(ORDER, [(96, 120), (60, 100), (74, 110), (45, 90), (4, 5)], strict=True)),
}

DISPARITIES = """query($of: ID!, $reference: DisparityReference, $category: String, $period: Date) {
  disparities(of: $of, by: "race_ethnicity", reference: $reference, category: $category,
              period: $period) {
    period { label } previousPeriod { label } reference referenceCategory referenceValue
    maxRateDifference maxRateRatio summaryRateRatio indexOfDisparity method
    groups { category { category categoryLabel } value suppressed reason rateRatio
      rateDifference isReference gapNarrowed equityTarget progressTowardTarget targetMet } } }"""

SERIES = """query($id: ID!, $breakdown: [BreakdownInput!]) { node(id: $id) { ... on Series {
  series(breakdown: $breakdown) {
    points { label value suppressedAtSource } baseline { label value } baselineDeclared
    target { label value } latestVsForecast
    forecast { method fittedFrom fittedTo slopePerPeriod points { label value } } } } } }"""


def percent_row(subject: dict[str, Any], collaborative_id, start: date, a: int, b: int, **cell):
    return Observation(
        collaborative_id=collaborative_id,
        granularity=Granularity.QUARTER,
        period_start=start,
        breakdown=cell,
        breakdown_key=";".join(f"{k}={v}" for k, v in sorted(cell.items())),
        value=round(100 * a / b, 2),
        numerator=a,
        denominator=b,
        n=b,
        **subject,
    )


@pytest.fixture
async def indicator(session) -> Any:
    collaborative = await make_collaborative(session)
    race = await make_dimension(session, collaborative, "race_ethnicity", RACES)
    result = await make_result(session, collaborative)
    indicator = await make_indicator(
        session, result, granularity=Granularity.QUARTER, dimensions=(race,)
    )
    subject = {"indicator_id": indicator.id}
    rows = []
    for start, cells in CELLS.items():
        a, b = sum(c[0] for c in cells.values()), sum(c[1] for c in cells.values())
        rows.append(percent_row(subject, collaborative.id, start, a, b))
        rows += [
            percent_row(subject, collaborative.id, start, a, b, race_ethnicity=race)
            for race, (a, b) in cells.items()
        ]
    rows.append(
        Target(
            collaborative_id=collaborative.id,
            indicator_id=indicator.id,
            period_start=date(2026, 10, 1),
            breakdown={"race_ethnicity": "latino"},
            breakdown_key="race_ethnicity=latino",
            value=80.0,
        )
    )
    session.add_all(rows)
    await session.flush()
    return indicator


async def disparities(client, indicator, **variables: Any) -> dict[str, Any]:
    body = await graphql(
        client, DISPARITIES, {"of": to_global_id("Indicator", indicator.id), **variables}
    )
    assert "errors" not in body, body
    return body["data"]["disparities"]


def group(result: dict[str, Any], category: str) -> dict[str, Any]:
    return next(g for g in result["groups"] if g["category"]["category"] == category)


async def test_disparities_against_the_best_group(client, indicator) -> None:
    result = await disparities(client, indicator)
    assert (result["period"]["label"], result["previousPeriod"]["label"]) == ("2025-Q1", "2024-Q4")
    assert (result["reference"], result["referenceCategory"]) == ("BEST", "asian")
    assert result["referenceValue"] == pytest.approx(80)
    black, latino = group(result, "black"), group(result, "latino")
    assert black["rateRatio"] == pytest.approx(40 / 20)
    assert black["rateDifference"] == pytest.approx(20)
    latino_adverse = 100 - 100 * 74 / 110
    assert latino["rateRatio"] == pytest.approx(latino_adverse / 20)
    assert group(result, "asian")["isReference"] is True
    assert result["maxRateDifference"] == pytest.approx(20)
    assert result["maxRateRatio"] == pytest.approx(2)
    assert result["summaryRateRatio"] == pytest.approx((2 + latino_adverse / 20) / 2)
    assert result["indexOfDisparity"] == pytest.approx((20 + latino_adverse - 20) / 2 / 20 * 100)
    assert "adverse" in result["method"] or "100" in result["method"]


async def test_suppressed_groups_stay_suppressed_and_out_of_the_summaries(
    client, indicator
) -> None:
    result = await disparities(client, indicator)
    white, other = group(result, "white"), group(result, "other")
    assert (white["value"], white["reason"], white["rateRatio"]) == (None, "SMALL_CELL", None)
    assert (other["value"], other["reason"]) == (None, "COMPLEMENTARY")


async def test_gaps_are_compared_with_the_previous_period(client, indicator) -> None:
    result = await disparities(client, indicator)
    # black: 50 -> 40 adverse against 25 -> 20: gap 25 -> 20, narrowed
    assert group(result, "black")["gapNarrowed"] is True
    # latino: gap 36.36 - 25 = 11.36 -> 32.73 - 20 = 12.73, widened
    assert group(result, "latino")["gapNarrowed"] is False


async def test_an_equity_target_shows_the_progress_of_its_group(client, indicator) -> None:
    latino = group(await disparities(client, indicator), "latino")
    first, latest = 100 * 70 / 110, 100 * 74 / 110
    assert latino["equityTarget"] == 80
    assert latino["progressTowardTarget"] == pytest.approx((latest - first) / (80 - first))
    assert latino["targetMet"] is False
    assert group(await disparities(client, indicator), "black")["equityTarget"] is None


async def test_the_overall_and_a_chosen_category_can_be_the_reference(client, indicator) -> None:
    overall = await disparities(client, indicator, reference="OVERALL")
    total_adverse = 100 - 100 * 279 / 425
    assert group(overall, "black")["rateRatio"] == pytest.approx(40 / total_adverse)
    chosen = await disparities(client, indicator, reference="CATEGORY", category="black")
    assert group(chosen, "black")["isReference"] is True
    assert group(chosen, "asian")["rateRatio"] == pytest.approx(20 / 40)


async def test_a_reference_category_must_be_named(client, indicator) -> None:
    body = await graphql(
        client,
        DISPARITIES,
        {"of": to_global_id("Indicator", indicator.id), "reference": "CATEGORY"},
    )
    assert "category" in body["errors"][0]["message"]


async def test_a_period_without_data_is_refused(client, indicator) -> None:
    body = await graphql(
        client,
        DISPARITIES,
        {"of": to_global_id("Indicator", indicator.id), "period": "2020-01-01"},
    )
    assert "period" in body["errors"][0]["message"]


async def test_disparities_of_a_shared_measure_are_for_members_and_funders_only(
    client, session, settings: Settings
) -> None:
    collaborative = await make_collaborative(session)
    await make_dimension(session, collaborative, "race_ethnicity", RACES)
    shared = await make_shared_measure(session, collaborative)
    outsider = await make_member(session, await make_collaborative(session), Role.RESIDENT)
    answers = []
    for of in (shared.id, collaborative.id):  # a real one, and an id of nothing
        for headers in ({}, bearer(settings, outsider)):
            body = await graphql(
                client, DISPARITIES, {"of": to_global_id("SharedMeasure", of)}, headers
            )
            answers.append(body["errors"][0]["message"])
    assert len(set(answers)) == 1
    assert "no shared measure or indicator with this id" in answers[0]


# -- series --------------------------------------------------------------------------------


async def series(client, subject_id: str, headers=None, **variables: Any) -> dict[str, Any]:
    body = await graphql(client, SERIES, {"id": subject_id, **variables}, headers or {})
    assert "errors" not in body, body
    return body["data"]["node"]["series"]


async def test_a_linear_history_forecasts_where_the_curve_was_heading(
    client, session, settings: Settings
) -> None:
    """Totals 10, 12, 14, 16, then 20: the line fitted to the first four says 18."""
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative, name="Casa")
    measure = await make_measure(session, partner, visibility=Visibility.PUBLIC)
    start = date(2024, 1, 1)
    starts = [date(2024, m, 1) for m in (1, 4, 7, 10)] + [Q1]
    session.add_all(
        Observation(
            collaborative_id=collaborative.id,
            measure_id=measure.id,
            granularity=Granularity.QUARTER,
            period_start=s,
            value=v,
            n=100,
        )
        for s, v in zip(starts, (10, 12, 14, 16, 20), strict=True)
    )
    session.add(
        Target(
            collaborative_id=collaborative.id,
            measure_id=measure.id,
            period_start=date(2025, 10, 1),
            value=30,
        )
    )
    await session.flush()
    chart = await series(client, to_global_id("Measure", measure.id))
    assert [p["value"] for p in chart["points"]] == [10, 12, 14, 16, 20]
    assert chart["baseline"] == {"label": "2024-Q1", "value": 10}
    assert chart["baselineDeclared"] is False
    assert chart["target"] == {"label": "2025-Q4", "value": 30}
    forecast = chart["forecast"]
    assert forecast["slopePerPeriod"] == pytest.approx(2)
    assert (forecast["fittedFrom"], forecast["fittedTo"]) == (str(start), "2024-10-01")
    by_label = {p["label"]: p["value"] for p in forecast["points"]}
    assert by_label["2025-Q1"] == pytest.approx(18)
    assert by_label["2025-Q4"] == pytest.approx(24)  # projected to the target's period
    assert "least squares" in forecast["method"]
    assert chart["latestVsForecast"] == "BETTER"


async def test_an_indicator_series_uses_its_declared_baseline_and_a_cells_target(
    client, session, indicator
) -> None:
    indicator.baseline_period_start = Q4
    indicator.baseline_value = 60.9
    session.add(indicator)
    await session.flush()
    total = await series(client, to_global_id("Indicator", indicator.id))
    assert total["baselineDeclared"] is True
    assert total["baseline"] == {"label": "2024-Q4", "value": 60.9}
    latino = await series(
        client,
        to_global_id("Indicator", indicator.id),
        breakdown=[{"dimension": "race_ethnicity", "category": "latino"}],
    )
    assert [p["value"] for p in latino["points"]] == [
        pytest.approx(100 * 70 / 110, abs=0.01),
        pytest.approx(100 * 74 / 110, abs=0.01),
    ]
    assert latino["target"]["value"] == 80
    assert latino["forecast"] is None  # one value before the latest: nothing to fit


async def test_a_series_shows_only_what_the_viewer_may_see(
    client, session, settings: Settings
) -> None:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative, name="Casa")
    measure = await make_measure(session, partner, visibility=Visibility.COLLABORATIVE)
    for s, status in ((Q4, ObservationStatus.PUBLISHED), (Q1, ObservationStatus.DRAFT)):
        session.add(
            Observation(
                collaborative_id=collaborative.id,
                measure_id=measure.id,
                granularity=Granularity.QUARTER,
                period_start=s,
                value=5,
                status=status,
            )
        )
    await session.flush()
    staff = bearer(settings, await make_member(session, collaborative, Role.PARTNER_STAFF, partner))
    resident = bearer(settings, await make_member(session, collaborative, Role.RESIDENT))
    mid = to_global_id("Measure", measure.id)
    assert len((await series(client, mid, staff))["points"]) == 2  # the owner sees its draft
    assert len((await series(client, mid, resident))["points"]) == 1
    hidden = await graphql(client, SERIES, {"id": mid})  # anonymous: no such node at all
    assert hidden["data"]["node"] is None


async def test_an_unknown_dimension_is_named_as_the_by_argument(client, indicator) -> None:
    query = DISPARITIES.replace('by: "race_ethnicity"', 'by: "shoe_size"')
    body = await graphql(client, query, {"of": to_global_id("Indicator", indicator.id)})
    assert body["errors"][0]["message"] == "by: no dimension with the key 'shoe_size'"


async def test_a_category_without_the_category_reference_is_refused(client, indicator) -> None:
    body = await graphql(
        client,
        DISPARITIES,
        {"of": to_global_id("Indicator", indicator.id), "category": "black"},
    )
    assert body["errors"][0]["message"].startswith("category: ")
    assert "CATEGORY" in body["errors"][0]["message"]
