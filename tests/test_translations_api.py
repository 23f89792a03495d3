"""Two languages (at least): the request's language selects names and labels, falling back
to the collaborative's default; editors see every translation and the gaps."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlmodel import select

from api.settings import Settings
from schema.relay import to_global_id
from services.agenda.models import Domain
from services.dimensions.models import DimensionCategory
from services.observations.models import Observation, ObservationStatus
from services.partners.models import PartnerKind
from services.periods import Granularity
from services.translations.models import Translation
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import (
    bearer,
    graphql,
    make_collaborative,
    make_member,
    make_partner,
    translation_of,
)
from tests.measurement_factories import (
    make_dimension,
    make_indicator,
    make_measure,
    make_result,
    make_shared_measure,
)

AGENDA = """query($slug: String!, $language: String) {
  collaborative(slug: $slug, language: $language) { language languages defaultLanguage
    domains { name results { statement indicators { name definition } } }
    dimensions(first: 5) { nodes { name categories { key label } } }
    sharedMeasures { nodes { name } } } }"""
EDITOR = """query($id: ID!) { node(id: $id) { ... on Indicator { name
  translations { field language text } missingTranslations { field language } } } }"""
BREAKDOWN = """query($id: ID!) { node(id: $id) {
  ... on Measure { name observations(allCells: true) {
    breakdown { dimension category dimensionName categoryLabel } } } } }"""
SET = """mutation($input: SetTranslationsInput!) { setTranslations(input: $input) {
  subject { translations { field language text } missingTranslations { field language } }
  userErrors { field code message } } }"""
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def spanish(row, field: str, text: str) -> Translation:
    """The Spanish text of one field of a row (its subject kind derived from the row)."""
    return translation_of(row, field, text)


@pytest.fixture
async def world(session, settings: Settings) -> SimpleNamespace:
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    partner = await make_partner(session, collaborative)
    other = await make_partner(session, collaborative)
    result = await make_result(session, collaborative)
    race = await make_dimension(
        session, collaborative, "race", {"latino": "Latino/a", "white": "White"}
    )
    indicator = await make_indicator(
        session, result, definition="Share of children assessed ready", dimensions=(race,)
    )
    shared = await make_shared_measure(session, collaborative)
    measure = await make_measure(
        session, partner, name="Families served", visibility=Visibility.PUBLIC, dimensions=(race,)
    )
    secret = await make_measure(session, partner, name="Evictions averted")
    outsider_home = await make_collaborative(session)
    domain = await session.get_one(Domain, (collaborative.id, result.domain_id))
    latino = (
        await session.exec(
            select(DimensionCategory).where(
                DimensionCategory.dimension_id == race.id, DimensionCategory.key == "latino"
            )
        )
    ).one()
    session.add_all(
        [
            spanish(domain, "name", "Dominio"),
            spanish(result, "statement", "Los niños prosperan"),
            spanish(indicator, "name", "Niños listos para el kínder"),
            spanish(shared, "name", "Familias que completan visitas"),
            spanish(race, "name", "raza"),
            spanish(latino, "label", "Latino/a (es)"),
            spanish(measure, "name", "Familias atendidas"),
            spanish(secret, "name", "Desalojos evitados"),
        ]
    )
    for breakdown in ({}, {"race": "latino"}):
        session.add(
            Observation(
                collaborative_id=collaborative.id,
                measure_id=measure.id,
                granularity=Granularity.QUARTER,
                period_start=date(2025, 1, 1),
                breakdown=breakdown,
                breakdown_key=";".join(f"{k}={v}" for k, v in breakdown.items()),
                value=3,
                status=ObservationStatus.PUBLISHED,
            )
        )
    await session.flush()

    async def member(role: Role, of=None, home=collaborative) -> dict[str, str]:
        return bearer(settings, await make_member(session, home, role, of))

    return SimpleNamespace(
        collaborative=collaborative,
        domain=domain,
        result=result,
        shared=shared,
        race=race,
        indicator=indicator,
        measure=measure,
        secret=secret,
        latino=latino,
        backbone=await member(Role.BACKBONE, backbone),
        owner=await member(Role.PARTNER_STAFF, partner),
        other_staff=await member(Role.PARTNER_STEWARD, other),
        resident=await member(Role.RESIDENT),
        outsider=await member(Role.RESIDENT, home=outsider_home),
    )


async def agenda(client, world, headers=None, language=None) -> dict:
    body = await graphql(
        client, AGENDA, {"slug": world.collaborative.slug, "language": language}, headers
    )
    assert "errors" not in body, body
    return body["data"]["collaborative"]


async def test_accept_language_selects_spanish_and_falls_back_to_the_default(client, world) -> None:
    # given a resident whose browser prefers Mexican Spanish
    # when they read the common agenda
    found = await agenda(client, world, {**world.resident, **SPANISH})
    # then every translated text is Spanish, and untranslated texts are the default's
    assert found["language"] == "es"
    domain = found["domains"][0]
    assert domain["name"] == "Dominio"
    assert domain["results"][0]["statement"] == "Los niños prosperan"
    indicator = domain["results"][0]["indicators"][0]
    assert indicator == {
        "name": "Niños listos para el kínder",
        "definition": "Share of children assessed ready",  # nobody translated it yet
    }
    race = found["dimensions"]["nodes"][0]
    assert race["name"] == "raza"
    assert race["categories"] == [
        {"key": "latino", "label": "Latino/a (es)"},
        {"key": "white", "label": "White"},
    ]
    assert found["sharedMeasures"]["nodes"][0]["name"] == "Familias que completan visitas"


async def test_without_a_preference_or_with_an_unlisted_one_the_default_answers(
    client, world
) -> None:
    for headers in ({}, {"Accept-Language": "fr-CA, de;q=0.8"}, {"Accept-Language": "es;q=0"}):
        found = await agenda(client, world, headers)
        assert found["language"] == "en"
        assert found["domains"][0]["results"][0]["statement"] == "Children thrive"
        assert found["dimensions"]["nodes"][0]["categories"][0]["label"] == "Latino/a"


async def test_q_values_choose_between_listed_languages(client, world) -> None:
    found = await agenda(client, world, {"Accept-Language": "fr, en;q=0.4, es;q=0.6"})
    assert found["language"] == "es"
    found = await agenda(client, world, {"Accept-Language": "fr, en;q=0.7, es;q=0.6"})
    assert found["language"] == "en"


async def test_the_language_argument_wins_over_the_header(client, world) -> None:
    found = await agenda(client, world, SPANISH, language="en")
    assert (found["language"], found["domains"][0]["name"]) == (
        "en",
        f"Domain of {world.collaborative.slug}",
    )
    found = await agenda(client, world, {}, language="es")
    assert (found["language"], found["domains"][0]["name"]) == ("es", "Dominio")
    # a language it does not list gives way to the header, then to the default
    found = await agenda(client, world, SPANISH, language="fr")
    assert found["language"] == "es"
    found = await agenda(client, world, {}, language="fr")
    assert found["language"] == "en"


async def test_a_malformed_or_second_language_argument_is_refused(client, world) -> None:
    body = await graphql(
        client, AGENDA, {"slug": world.collaborative.slug, "language": "es MX"}, world.resident
    )
    assert body["errors"][0]["message"] == "language: not a language tag"
    two = """query($slug: String!) { a: collaborative(slug: $slug, language: "es") { language }
      b: collaborative(slug: $slug, language: "en") { language } }"""
    body = await graphql(client, two, {"slug": world.collaborative.slug}, world.resident)
    assert "one language per request" in body["errors"][0]["message"]


async def test_breakdown_labels_speak_the_request_language(client, world) -> None:
    measure_id = to_global_id("Measure", world.measure.id)
    spanish = {**world.resident, "Accept-Language": "es"}
    body = await graphql(client, BREAKDOWN, {"id": measure_id}, spanish)
    node = body["data"]["node"]
    assert node["name"] == "Familias atendidas"
    cells = [c for o in node["observations"] for c in o["breakdown"]]
    assert cells == [
        {
            "dimension": "race",
            "category": "latino",
            "dimensionName": "raza",
            "categoryLabel": "Latino/a (es)",
        }
    ]
    body = await graphql(client, BREAKDOWN, {"id": measure_id}, world.resident)
    cells = [c for o in body["data"]["node"]["observations"] for c in o["breakdown"]]
    assert cells[0]["categoryLabel"] == "Latino/a"


async def test_editors_see_every_translation_and_what_is_missing(client, world) -> None:
    body = await graphql(
        client, EDITOR, {"id": to_global_id("Indicator", world.indicator.id)}, world.backbone
    )
    node = body["data"]["node"]
    assert node["name"] == "Children ready for kindergarten"
    assert node["translations"] == [
        {"field": "name", "language": "es", "text": "Niños listos para el kínder"}
    ]
    assert node["missingTranslations"] == [{"field": "definition", "language": "es"}]


def set_input(subject_id: str, field: str, *translations: tuple[str, str]) -> dict:
    return {
        "input": {
            "subjectId": subject_id,
            "field": field,
            "translations": [{"language": lang, "text": text} for lang, text in translations],
        }
    }


async def test_the_backbone_translates_an_indicator_and_empty_text_removes_it(
    client, world
) -> None:
    indicator_id = to_global_id("Indicator", world.indicator.id)
    body = await graphql(
        client,
        SET,
        set_input(indicator_id, "definition", ("ES", "  Porcentaje de niños evaluados listos ")),
        world.backbone,
    )
    payload = body["data"]["setTranslations"]
    assert payload["userErrors"] == []
    assert {
        "field": "definition",
        "language": "es",
        "text": "Porcentaje de niños evaluados listos",
    } in payload["subject"]["translations"]
    assert payload["subject"]["missingTranslations"] == []
    body = await graphql(client, SET, set_input(indicator_id, "name", ("es", "")), world.backbone)
    assert body["data"]["setTranslations"]["subject"]["translations"] == [
        {"field": "definition", "language": "es", "text": "Porcentaje de niños evaluados listos"}
    ]
    found = await agenda(client, world, SPANISH)
    indicator = found["domains"][0]["results"][0]["indicators"][0]
    assert indicator["name"] == "Children ready for kindergarten"
    assert indicator["definition"] == "Porcentaje de niños evaluados listos"


async def test_a_category_label_is_translated_through_its_node_id(client, world) -> None:
    category_id = to_global_id("Category", world.latino.id)
    body = await graphql(
        client, SET, set_input(category_id, "label", ("es", "Latino/a o hispano/a")), world.backbone
    )
    assert body["data"]["setTranslations"]["userErrors"] == []
    found = await agenda(client, world, SPANISH)
    assert found["dimensions"]["nodes"][0]["categories"][0]["label"] == "Latino/a o hispano/a"


async def test_wrong_input_names_the_field_and_writes_nothing(client, world) -> None:
    indicator_id = to_global_id("Indicator", world.indicator.id)
    body = await graphql(
        client,
        SET,
        set_input(
            indicator_id,
            "name",
            ("es", "Nuevo nombre"),
            ("fr", "Nouveau"),
            ("en", "New"),
            ("es", "Otra"),
        ),
        world.backbone,
    )
    errors = body["data"]["setTranslations"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["translations", "1", "language"], "INVALID"),
        (["translations", "2", "language"], "INVALID"),
        (["translations", "3", "language"], "DUPLICATE"),
    ]
    assert "(en, es)" in errors[0]["message"]
    assert "default language" in errors[1]["message"]
    body = await graphql(client, SET, set_input(indicator_id, "unit", ("es", "x")), world.backbone)
    assert body["data"]["setTranslations"]["userErrors"][0]["field"] == ["field"]
    body = await graphql(client, EDITOR, {"id": indicator_id}, world.backbone)
    assert body["data"]["node"]["translations"] == [
        {"field": "name", "language": "es", "text": "Niños listos para el kínder"}
    ]


async def test_only_whoever_edits_the_subject_translates_it(client, world) -> None:
    indicator_id = to_global_id("Indicator", world.indicator.id)
    measure_id = to_global_id("Measure", world.measure.id)
    secret_id = to_global_id("Measure", world.secret.id)
    refused = [
        (indicator_id, world.resident),
        (indicator_id, world.owner),
        (indicator_id, world.outsider),  # anonymous: UNAUTHENTICATED (test_frontend_errors)
        (measure_id, world.backbone),  # the backbone cannot edit a partner's measure
        (measure_id, world.other_staff),
        (secret_id, world.other_staff),
        (secret_id, world.resident),
        (to_global_id("Measure", world.indicator.id), world.backbone),  # a foreign id
        ("not-an-id", world.backbone),
    ]
    for subject_id, headers in refused:
        body = await graphql(client, SET, set_input(subject_id, "name", ("es", "X")), headers)
        payload = body["data"]["setTranslations"]
        assert payload["subject"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["subjectId"], "NOT_FOUND")
        ], (subject_id, headers)
    # the partner's own people translate its measures, private ones included
    body = await graphql(
        client, SET, set_input(secret_id, "description", ("es", "Hogares")), world.owner
    )
    assert body["data"]["setTranslations"]["userErrors"] == []


async def test_a_too_long_text_or_an_unknown_field_is_named_and_writes_nothing(
    client, world
) -> None:
    indicator_id = to_global_id("Indicator", world.indicator.id)
    body = await graphql(
        client, SET, set_input(indicator_id, "name", (" ES ", "x" * 4001)), world.backbone
    )
    errors = body["data"]["setTranslations"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["translations", "0", "text"], "TOO_LONG")
    ]
    body = await graphql(client, SET, set_input(indicator_id, "label", ("es", "x")), world.backbone)
    errors = body["data"]["setTranslations"]["userErrors"]
    assert [e["field"] for e in errors] == [["field"]]
    assert "name, definition" in errors[0]["message"]
    body = await graphql(client, EDITOR, {"id": indicator_id}, world.backbone)
    assert body["data"]["node"]["translations"] == [
        {"field": "name", "language": "es", "text": "Niños listos para el kínder"}
    ]


@pytest.mark.parametrize(
    ("type_name", "attribute", "field"),
    [
        ("Domain", "domain", "description"),
        ("Result", "result", "description"),
        ("SharedMeasure", "shared", "definition"),
        ("Dimension", "race", "name"),
        ("Category", "latino", "label"),
    ],
)
async def test_only_the_backbone_translates_the_agenda_and_the_dimensions(
    client, world, type_name, attribute, field
) -> None:
    subject_id = to_global_id(type_name, getattr(world, attribute).id)
    for headers in (world.resident, world.owner, world.other_staff, world.outsider):
        body = await graphql(client, SET, set_input(subject_id, field, ("es", "X")), headers)
        assert [(e["field"], e["code"]) for e in body["data"]["setTranslations"]["userErrors"]] == [
            (["subjectId"], "NOT_FOUND")
        ], headers
    body = await graphql(client, SET, set_input(subject_id, field, ("es", "X")), world.backbone)
    assert body["data"]["setTranslations"]["userErrors"] == []
    assert {"field": field, "language": "es", "text": "X"} in body["data"]["setTranslations"][
        "subject"
    ]["translations"]
