"""A Spanish-speaking member reads the demo's community dashboard in Spanish throughout."""

from __future__ import annotations

from typing import Any

import pytest

from api.auth import issue_token
from api.settings import Settings
from seeds.demo import seed_demo
from tests.factories import DEMO_TODAY, graphql

DASHBOARD = """query($language: String) {
  dashboard(collaborativeSlug: "riverside", slug: "community-dashboard", language: $language) {
    title description missingTranslations { field language }
    panels {
      title missingTranslations { field language }
      subject { name stories(language: "es") { title language }
        ... on Indicator { definition result { statement } } }
      series { breakdown { dimensionName categoryLabel } points { value } }
    } } }"""


async def read(client, settings: Settings, headers: dict[str, str], language=None) -> Any:
    token = issue_token(settings, "resident@demo.tablero.example")
    body = await graphql(
        client,
        DASHBOARD,
        {"language": language},
        {"Authorization": f"Bearer {token}", **headers},
    )
    assert "errors" not in body, body
    return body["data"]["dashboard"]


@pytest.fixture
async def demo(session) -> None:
    await seed_demo(session, today=DEMO_TODAY)


@pytest.mark.parametrize(
    ("headers", "language"),
    [({"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}, None), ({}, "es")],
)
async def test_a_spanish_speaking_member_gets_spanish_labels_throughout(
    client, settings: Settings, demo, headers, language
) -> None:
    dashboard = await read(client, settings, headers, language)
    assert dashboard["title"] == "Riverside Prospera"
    assert dashboard["description"].startswith("Cómo les va")
    assert dashboard["missingTranslations"] == []
    panels = dashboard["panels"]
    titled = [p["title"] for p in panels if p["title"]]
    assert titled == [
        "Listos para el kínder",
        "Brechas en la preparación",
        "Niños latinos listos",
        "Evaluados a tiempo (Casa)",
        "Banda ancha en casa (miembros)",
        "Evaluados a tiempo por raza y etnicidad",
    ]
    assert all(p["missingTranslations"] == [] for p in panels)
    names = [p["subject"]["name"] for p in panels]
    assert names[0] == "% de niños evaluados listos para el kínder"
    assert "Niños evaluados a tiempo" in names
    assert "Hogares conectados a internet en casa" in names
    assert panels[0]["subject"]["result"]["statement"].startswith("Todos los niños")
    latino = panels[2]["series"]["breakdown"]
    assert latino == [{"dimensionName": "Raza y etnicidad", "categoryLabel": "Latino/a"}]
    stories = [s for p in panels for s in p["subject"]["stories"]]
    assert stories
    assert {s["language"] for s in stories} == {"es"}


async def test_the_same_dashboard_answers_in_english_by_default(
    client, settings: Settings, demo
) -> None:
    dashboard = await read(client, settings, {})
    assert dashboard["title"] == "Riverside Thrives"
    assert dashboard["panels"][0]["title"] == "Ready for kindergarten"
    assert dashboard["panels"][0]["subject"]["name"] != "% de niños evaluados listos para el kínder"
