"""The demo collaborative: one account per role, several partners, visibilities that matter,
and a shared-measurement setup with three years of data (DESIGN, "Vocabulary")."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from random import Random

import pytest
from sqlmodel import select

from api.auth import issue_token
from api.settings import Settings
from seeds.demo import ACCOUNTS, SLUG, seed_demo
from seeds.demo_calendar import seeding_on
from seeds.demo_measures import INDICATORS, MEASURES
from seeds.demo_observations import generate
from services.accounts.models import Membership
from services.agenda.models import Domain, Result
from services.dimensions.models import Dimension, DimensionCategory
from services.indicators.models import Indicator, IndicatorDimension, IndicatorKind, IndicatorStatus
from services.measures.models import (
    Aggregation,
    MeasureContribution,
    MeasureDimension,
    PerformanceMeasure,
    Quadrant,
    SharedMeasure,
    SharedMeasureStatus,
)
from services.measures.units import Unit
from services.observations.models import Observation, ObservationStatus, Target
from services.observations.validation import breakdown_key
from services.partners.models import Partner, PartnerKind, ProfileVisibility
from services.periods import Granularity
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import DEMO_TODAY, graphql

PARTNERS = """
query($slug: String!) { collaborative(slug: $slug) { partners(first: 50) {
  totalCount nodes { name contact { email } } } } }
"""


async def test_the_demo_has_one_account_per_role_and_several_partners(session) -> None:
    # when
    assert await seed_demo(session, today=DEMO_TODAY) is True
    assert await seed_demo(session, today=DEMO_TODAY) is False  # a second run writes nothing
    # then
    roles = {m.role for m in (await session.exec(select(Membership))).all()}
    assert roles >= {
        Role.RESIDENT,
        Role.PARTNER_STAFF,
        Role.PARTNER_STEWARD,
        Role.BACKBONE,
        Role.FUNDER,
    }
    partners = (await session.exec(select(Partner))).all()
    assert len(partners) >= 6
    assert {p.visibility for p in partners} == set(ProfileVisibility)


ALL = "all"


@pytest.mark.parametrize(
    ("email", "sees_members_only_partners", "contacts_seen"),
    [
        ("resident@demo.tablero.example", True, ALL),
        ("staff@demo.tablero.example", True, ALL),
        ("steward@demo.tablero.example", True, ALL),
        ("backbone@demo.tablero.example", True, ALL),
        # funders see public profiles, and the contact details of their own organization only
        ("funder@demo.tablero.example", False, {"Riverside Community Foundation"}),
        ("admin@demo.tablero.example", False, set()),
        (None, False, set()),
    ],
)
async def test_each_demo_viewer_sees_what_their_role_allows(
    client,
    session,
    settings: Settings,
    email: str | None,
    sees_members_only_partners: bool,
    contacts_seen: str | set[str],
) -> None:
    # given
    await seed_demo(session, today=DEMO_TODAY)
    account = next((a for a in ACCOUNTS if a.email == email), None)
    headers = {"Authorization": f"Bearer {issue_token(settings, account.email)}"} if account else {}
    # when
    body = await graphql(client, PARTNERS, {"slug": SLUG}, headers)
    # then
    nodes = body["data"]["collaborative"]["partners"]["nodes"]
    names = {n["name"] for n in nodes}
    assert ("Tenants United Riverside" in names) is sees_members_only_partners
    assert "Casa de la Familia" in names
    with_contact = {n["name"] for n in nodes if n["contact"] is not None}
    assert with_contact == (names if contacts_seen == ALL else contacts_seen)


def test_the_demo_values_are_the_same_on_every_run() -> None:
    def values() -> list:
        rng = Random(2026)
        with seeding_on(DEMO_TODAY):
            return [
                generate(rng, s.unit, s.direction, s.granularity, s.dims, s.series)
                for s in (*INDICATORS, *MEASURES)
            ]

    assert values() == values()


async def test_partners_of_every_kind_take_part_and_organizations_report(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    kinds = {p.kind for p in (await session.exec(select(Partner))).all()}
    assert kinds >= {PartnerKind.BACKBONE, PartnerKind.FUNDER, PartnerKind.RESIDENT_GROUP}
    measures = (await session.exec(select(PerformanceMeasure))).all()
    assert len({m.partner_id for m in measures}) >= 6
    assert {m.quadrant for m in measures} == set(Quadrant)
    assert {m.visibility for m in measures} == set(Visibility)
    assert sum(m.share_in_aggregates for m in measures) > len(measures) / 2
    contributions = (await session.exec(select(MeasureContribution))).all()
    assert any(c.result_id for c in contributions)
    assert any(c.indicator_id for c in contributions)


async def test_the_common_agenda_has_results_in_several_domains(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    domains = {d.name for d in (await session.exec(select(Domain))).all()}
    assert domains >= {"Education", "Housing", "Digital inclusion", "Health"}
    results = (await session.exec(select(Result))).all()
    assert len({r.domain_id for r in results}) >= 3


async def test_indicators_and_measures_are_disaggregated_by_race_and_more(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    dimensions = {d.id: d.key for d in (await session.exec(select(Dimension))).all()}
    indicators = (await session.exec(select(Indicator))).all()
    links = (await session.exec(select(IndicatorDimension))).all()
    for indicator in indicators:
        keys = {dimensions[x.dimension_id] for x in links if x.indicator_id == indicator.id}
        assert "race_ethnicity" in keys, indicator.name
        assert len(keys) >= 2, indicator.name
        assert indicator.baseline_period_start is not None
        assert indicator.baseline_value is not None
    assert {i.status for i in indicators} == {IndicatorStatus.RATIFIED, IndicatorStatus.PROPOSED}
    assert {i.kind for i in indicators} == set(IndicatorKind)
    measure_keys = defaultdict(set)
    for x in (await session.exec(select(MeasureDimension))).all():
        measure_keys[x.measure_id].add(dimensions[x.dimension_id])
    assert sum("race_ethnicity" in k and len(k) >= 2 for k in measure_keys.values()) >= 10


async def test_detailed_categories_roll_up_to_the_standard_ones(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    categories = {c.id: c for c in (await session.exec(select(DimensionCategory))).all()}
    rolled = {
        c.key: categories[c.rolls_up_to_id].key
        for c in categories.values()
        if c.rolls_up_to_id is not None
    }
    assert rolled["mexican"] == rolled["salvadoran"] == "latino"


async def test_three_partners_adopt_one_shared_measure(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    shared = (await session.exec(select(SharedMeasure))).all()
    assert {s.status for s in shared} == {SharedMeasureStatus.RATIFIED}
    adopters = defaultdict(set)
    for m in (await session.exec(select(PerformanceMeasure))).all():
        if m.shared_measure_id is not None:
            adopters[m.shared_measure_id].add(m.partner_id)
    assert max(len(partners) for partners in adopters.values()) >= 3
    rates = [s for s in shared if s.aggregation is Aggregation.RATE]
    assert rates
    assert all(s.numerator_definition and s.denominator_definition for s in rates)


async def test_every_quarterly_subject_has_twelve_quarters(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    quarters = [date(year, month, 1) for year in (2023, 2024, 2025) for month in (1, 4, 7, 10)]
    current = (await session.exec(select(Observation).where(Observation.is_current))).all()
    totals, cells = defaultdict(set), defaultdict(set)
    for o in current:
        assert o.breakdown_key == breakdown_key(o.breakdown)
        (cells if o.breakdown else totals)[o.subject_id].add(o.period_start)
    subjects = [
        *(await session.exec(select(PerformanceMeasure))).all(),
        *(await session.exec(select(Indicator))).all(),
    ]
    quarterly = [s.id for s in subjects if s.granularity is Granularity.QUARTER]
    assert len(quarterly) >= 15
    assert all(sorted(totals[s]) == quarters for s in quarterly)
    assert sum(sorted(cells[s]) == quarters for s in quarterly) >= 10
    assert all(len(totals[s.id]) == 3 for s in subjects if s.id not in quarterly)
    assert {o.visibility for o in current} == set(Visibility)


async def test_values_agree_with_their_numerators_and_cells_add_up_to_totals(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    subjects = [
        *(await session.exec(select(PerformanceMeasure))).all(),
        *(await session.exec(select(Indicator))).all(),
    ]
    units = {s.id: s.unit for s in subjects}
    current = (await session.exec(select(Observation).where(Observation.is_current))).all()
    for o in current:
        if units[o.subject_id] is Unit.PERCENT and o.value is not None:
            assert o.value == round(100 * o.numerator / o.denominator, 1)
            assert o.n == o.denominator
    totals = {(o.subject_id, o.period_start): o for o in current if not o.breakdown}
    groups = defaultdict(list)
    for o in current:
        if o.breakdown and units[o.subject_id] in (Unit.PERCENT, Unit.COUNT):
            groups[(o.subject_id, o.period_start, *o.breakdown)].append(o)
    checked = 0
    for (subject_id, start, _), cells in groups.items():
        if any(c.value is None for c in cells):
            continue  # a suppressed cell hides its share of the total
        total = totals[(subject_id, start)]
        if units[subject_id] is Unit.COUNT:
            assert sum(c.value for c in cells) == total.value
        else:
            assert sum(c.numerator for c in cells) == total.numerator
            assert sum(c.denominator for c in cells) == total.denominator
        checked += 1
    assert checked >= 100


async def test_suppressed_cells_drafts_and_a_correction_are_kept(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    rows = (await session.exec(select(Observation))).all()
    suppressed = [o for o in rows if o.suppressed_at_source is not None]
    assert suppressed
    assert all(o.value is None and o.breakdown for o in suppressed)
    drafts = [o for o in rows if o.status is ObservationStatus.DRAFT]
    assert drafts
    assert {o.visibility for o in drafts} == {Visibility.PRIVATE}
    assert {o.period_start for o in drafts} == {date(2025, 10, 1)}
    by_id = {o.id: o for o in rows}
    (corrected,) = [o for o in rows if o.revision == 2 and o.correction_reason.startswith("July")]
    first = by_id[corrected.previous_id]
    assert corrected.is_current
    assert corrected.correction_reason
    assert (first.revision, first.is_current) == (1, False)
    assert (first.subject_id, first.period_start) == (corrected.subject_id, corrected.period_start)
    assert first.breakdown_key == corrected.breakdown_key
    assert first.value != corrected.value


async def test_targets_are_set_for_totals_and_for_a_cell(session) -> None:
    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    targets = (await session.exec(select(Target))).all()
    assert any(t.breakdown == {} and t.measure_id for t in targets)
    assert any(t.breakdown == {} and t.indicator_id for t in targets)
    equity = [t for t in targets if t.breakdown]
    assert {t.breakdown_key for t in equity} == {"race_ethnicity=latino"}
    assert all(t.breakdown_key == breakdown_key(t.breakdown) for t in targets)


FUNDER_AGGREGATE = """query($of: ID!) {
  aggregate(of: $of, by: ["race_ethnicity"], from: "2025-01-01") {
    sharedMeasure { name }
    cells { period { label } breakdown { categoryLabel } value partners n reason } } }"""


async def test_a_funders_aggregate_on_the_demo_shows_real_and_suppressed_cells(
    session, client, settings: Settings
) -> None:
    from schema.relay import to_global_id
    from seeds.demo import demo_id

    await seed_demo(session, today=DEMO_TODAY)
    await session.flush()
    token = issue_token(settings, "funder@demo.tablero.example")
    body = await graphql(
        client,
        FUNDER_AGGREGATE,
        {"of": to_global_id("SharedMeasure", demo_id("shared_measure", "screened"))},
        {"Authorization": f"Bearer {token}"},
    )
    cells = body["data"]["aggregate"]["cells"]
    shown = [c for c in cells if c["value"] is not None]
    hidden = [c for c in cells if c["value"] is None]
    assert shown
    assert all(c["partners"] >= 3 and c["n"] >= 11 for c in shown)
    assert hidden
    assert all(c["reason"] for c in hidden)
    assert {c["reason"] for c in hidden} == {
        "SUPPRESSED_AT_SOURCE",
        "COMPLEMENTARY",
        "NOT_RELEASED",  # the latest closed quarter waits for its reporting deadline
    }
    assert {c["period"]["label"] for c in hidden if c["reason"] == "NOT_RELEASED"} == {"2025-Q4"}


async def test_the_demo_ends_at_the_latest_closed_quarter_of_the_day_it_is_seeded(
    session, client, settings: Settings
) -> None:
    """Seeded on 1 December 2026: three years up to 2026-Q3; every closed quarter released
    but the latest, which waits for its deadline; one release revised with a note."""
    from schema.relay import to_global_id
    from seeds.demo import demo_id

    await seed_demo(session, today=date(2026, 12, 1))
    quarterly = (
        await session.exec(
            select(Observation).where(Observation.granularity == Granularity.QUARTER)
        )
    ).all()
    assert max(o.period_start for o in quarterly) == date(2026, 7, 1)
    assert min(o.period_start for o in quarterly) == date(2023, 10, 1)
    funder = {"Authorization": f"Bearer {issue_token(settings, 'funder@demo.tablero.example')}"}
    query = """query($of: ID!) { aggregate(of: $of) {
      releases { number period { label } summary }
      cells { period { label } value reason release { number } } } }"""
    internet = to_global_id("SharedMeasure", demo_id("shared_measure", "internet"))
    body = await graphql(client, query, {"of": internet}, funder)
    cells = {c["period"]["label"]: c for c in body["data"]["aggregate"]["cells"]}
    assert cells["2026-Q3"]["reason"] == "NOT_RELEASED"
    assert all(c["value"] is not None for p, c in cells.items() if p != "2026-Q3")
    revised = [r for r in body["data"]["aggregate"]["releases"] if r["number"] == 2]
    assert [r["period"]["label"] for r in revised] == ["2026-Q2"]
    assert "re-ran their 2026-Q2 screening counts" in revised[0]["summary"]
    # partners have reported the latest closed quarter
    accountability = """query { accountability(slug: "riverside", asOf: "2026-12-01") {
      partners { partner { name } reporting { expected reported } } } }"""
    steward = {"Authorization": f"Bearer {issue_token(settings, 'backbone@demo.tablero.example')}"}
    rows = (await graphql(client, accountability, {}, steward))["data"]["accountability"]
    reporting = {p["partner"]["name"]: p["reporting"] for p in rows["partners"]}
    assert reporting["Digital Bridge"]["expected"] == reporting["Digital Bridge"]["reported"] > 0


async def test_private_measures_adopt_a_shared_measure_and_stay_hidden_behind_each_other(
    session,
) -> None:
    await seed_demo(session, today=DEMO_TODAY)
    adopting = (
        await session.exec(
            select(PerformanceMeasure).where(
                PerformanceMeasure.shared_measure_id.is_not(None),  # type: ignore[union-attr]
                PerformanceMeasure.visibility == Visibility.PRIVATE,
            )
        )
    ).all()
    assert len(adopting) >= 3


async def test_the_demo_has_an_open_a_ratified_and_a_rejected_proposal(session) -> None:
    from services.governance.models import Proposal, ProposalStatus, ProposalVote
    from services.governance.tally import Tally

    # when
    await seed_demo(session, today=DEMO_TODAY)
    # then
    proposals = (await session.exec(select(Proposal))).all()
    assert sorted(p.status for p in proposals) == sorted(
        [ProposalStatus.OPEN, ProposalStatus.RATIFIED, ProposalStatus.REJECTED]
    )
    for p in proposals:
        if p.outcome is not None:
            assert Tally.from_record(p.outcome).ratified == (p.status == ProposalStatus.RATIFIED)
    assert len((await session.exec(select(ProposalVote))).all()) == 10


DEMO_ACCOUNTABILITY = """query { accountability(slug: "riverside", asOf: "2026-11-30") {
  partners { partner { name } open overdue doneOnTime doneLate dropped
    reporting { expected reported } } } }"""


async def test_the_demo_holds_everyone_to_action_items_the_backbone_and_funder_too(
    session, client, settings: Settings
) -> None:
    await seed_demo(session, today=DEMO_TODAY)
    await session.flush()
    token = issue_token(settings, "resident@demo.tablero.example")
    body = await graphql(client, DEMO_ACCOUNTABILITY, None, {"Authorization": f"Bearer {token}"})
    partners = {p["partner"]["name"]: p for p in body["data"]["accountability"]["partners"]}
    backbone, funder = partners["Riverside Together"], partners["Riverside Community Foundation"]
    assert (backbone["overdue"], backbone["doneOnTime"]) == (2, 1)
    assert (funder["overdue"], funder["doneLate"]) == (1, 1)
    assert partners["Riverside Housing Authority"]["dropped"] == 1
    assert partners["Casa de la Familia"]["doneOnTime"] == 1
    assert partners["Casa de la Familia"]["reporting"]["expected"] >= 3


DEMO_DASHBOARD = """query($slug: String!) { dashboard(collaborativeSlug: "riverside", slug: $slug) {
  title panels { chart subject { name stories { kind language whys } } series { points { value } } }
} }"""


@pytest.mark.parametrize("email", [None, "resident@demo.tablero.example"])
async def test_the_demo_has_a_public_dashboard_a_members_only_one_and_stories(
    client, session, settings: Settings, email: str | None
) -> None:
    # given
    await seed_demo(session, today=DEMO_TODAY)
    headers = {"Authorization": f"Bearer {issue_token(settings, email)}"} if email else {}
    # when
    public = await graphql(client, DEMO_DASHBOARD, {"slug": "community-dashboard"}, headers)
    members = await graphql(client, DEMO_DASHBOARD, {"slug": "partner-progress"}, headers)
    # then
    panels = public["data"]["dashboard"]["panels"]
    assert len(panels) >= 6
    assert {p["chart"] for p in panels} >= {"LINE", "DISPARITY", "BAR", "NUMBER", "TABLE"}
    assert all(p["series"]["points"] for p in panels if p["subject"])
    # the members-only indicator's panel is left out for anonymous readers
    assert len(panels) == (8 if email is None else 9)
    assert all(p["subject"] for p in panels)
    assert (members["data"]["dashboard"] is None) is (email is None)
    stories = [s for p in panels if p["subject"] for s in p["subject"]["stories"]]
    assert any(s["kind"] == "ROOT_CAUSE" and len(s["whys"]) >= 3 for s in stories)
    assert {s["language"] for s in stories} == {"en", "es"}


SPANISH_AGENDA = """query($slug: String!) { collaborative(slug: $slug) { language
  domains { name missingTranslations { field }
    results { statement missingTranslations { field } } }
  indicators(first: 50) { nodes { name missingTranslations { field } } }
  sharedMeasures { nodes { name missingTranslations { field } } }
  dimensions(first: 50) { nodes { name missingTranslations { field }
    categories { key label missingTranslations { field } } } }
  measures(first: 50, text: "Families enrolled") { nodes { name } } } }"""


async def test_a_spanish_speaking_member_reads_the_demo_agenda_in_spanish(
    client, session, settings: Settings
) -> None:
    # given the demo, and a resident whose browser prefers Spanish
    await seed_demo(session, today=DEMO_TODAY)
    headers = {
        "Authorization": f"Bearer {issue_token(settings, 'resident@demo.tablero.example')}",
        "Accept-Language": "es-US,es;q=0.9,en;q=0.8",
    }
    # when
    body = await graphql(client, SPANISH_AGENDA, {"slug": SLUG}, headers)
    # then the agenda, indicators, shared measures and the whole vocabulary have no gaps
    found = body["data"]["collaborative"]
    assert found["language"] == "es"
    objects = [
        *found["domains"],
        *(r for d in found["domains"] for r in d["results"]),
        *found["indicators"]["nodes"],
        *found["sharedMeasures"]["nodes"],
        *found["dimensions"]["nodes"],
        *(c for d in found["dimensions"]["nodes"] for c in d["categories"]),
    ]
    assert len(objects) == 4 + 6 + 6 + 3 + 5 + 23  # domains, results, ... categories
    assert all(o["missingTranslations"] == [] for o in objects)
    assert {d["name"] for d in found["domains"]} >= {"Educación", "Vivienda", "Salud"}
    labels = {c["key"]: c["label"] for d in found["dimensions"]["nodes"] for c in d["categories"]}
    assert labels["spanish"] == "Español"
    assert found["measures"]["nodes"] == [{"name": "Familias inscritas en visitas al hogar"}]
