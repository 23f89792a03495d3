"""Translated names and labels cost a fixed number of SQL statements, however many rows."""

from __future__ import annotations

from api.settings import Settings
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_dimension, make_measure, make_shared_measure
from tests.test_translations_api import spanish

PAGE = """query($slug: String!) { collaborative(slug: $slug) { language
  measures(first: 50) { nodes {
    name description translations { field language text } missingTranslations { field }
    sharedMeasure { name definition translations { text } }
    dimensions { name categories { label translations { text } } } } } } }"""


async def statements_for_a_page(
    session, client, settings: Settings, count_statements, n: int
) -> int:
    collaborative = await make_collaborative(session)
    race = await make_dimension(session, collaborative, "race", {"latino": "Latino/a"})
    shared = await make_shared_measure(session, collaborative)
    for p in range(n):
        partner = await make_partner(session, collaborative)
        measure = await make_measure(
            session,
            partner,
            name=f"M{p}",
            visibility=Visibility.COLLABORATIVE,
            dimensions=(race,),
            shared_measure_id=shared.id,
        )
        session.add(spanish(measure, "name", f"Medida {p}"))
    await session.flush()
    member = await make_member(session, collaborative, Role.RESIDENT)
    headers = {**bearer(settings, member), "Accept-Language": "es-MX, en;q=0.5"}
    with count_statements() as counter:
        body = await graphql(client, PAGE, {"slug": collaborative.slug}, headers)
    nodes = body["data"]["collaborative"]["measures"]["nodes"]
    assert sorted(node["name"] for node in nodes) == sorted(f"Medida {p}" for p in range(n))
    assert all(node["missingTranslations"] == [] for node in nodes)  # descriptions are empty
    return counter.count


async def test_a_translated_page_costs_the_same_statements_for_2_or_12_measures(
    session, client, settings: Settings, count_statements
) -> None:
    few = await statements_for_a_page(session, client, settings, count_statements, 2)
    many = await statements_for_a_page(session, client, settings, count_statements, 12)
    assert few == many, (few, many)
