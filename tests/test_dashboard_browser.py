"""The community dashboard page in a real browser, on the demo as `tablero serve` seeds it.

Every expectation is read from the API at test time: the demo's periods move with the day
it is seeded, so the test compares the page with what /graphql answers, not with fixed
numbers. Screenshots go to test-artifacts/dashboard/.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.dashboard_page import STATIC
from tests.browser import ARTIFACTS, CHROMIUM, FLAGS, require_chromium
from tests.database import TestServer
from tests.processes import clean_env, free_port, serving, tablero

pytestmark = pytest.mark.served

QUERIES = STATIC / "queries"
PUBLIC = "/c/riverside/community-dashboard"
MEMBERS = "/c/riverside/partner-progress"
SHOTS = ARTIFACTS / "dashboard"
NOT_SHOWN = {"en": "Not shown", "es": "No se muestra"}
READY = "#dashboard[data-state]:not([data-state=loading])"


@pytest.fixture(scope="module")
async def served(migrated: TestServer) -> AsyncIterator[tuple[str, dict[str, str]]]:
    require_chromium()
    await migrated.create_database("tablero_browser")
    port = free_port()
    env = clean_env(
        TABLERO_DATABASE_URL=migrated.api_url("tablero_browser"),
        TABLERO_OWNER_DATABASE_URL=migrated.owner_url("tablero_browser"),
        TABLERO_PORT=str(port),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    with serving(env, port):
        yield f"http://127.0.0.1:{port}", env


@pytest.fixture(scope="module")
async def browser(served) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == [], errors


def ask(url: str, document: str, variables: dict, language: str, token: str | None = None) -> dict:
    """The API's answer to one of the page's own documents."""
    headers = {"accept-language": language}
    if token:
        headers["authorization"] = f"Bearer {token}"
    query = (QUERIES / f"{document}.graphql").read_text()
    body = {"query": query, "variables": variables}
    answer = httpx.post(f"{url}/graphql", json=body, headers=headers, timeout=30).json()
    assert "errors" not in answer, answer
    return answer["data"]


def expected_groups(url: str, panel: dict, language: str) -> list[dict]:
    """The groups the page should draw for a panel with a dimension: label and hidden mark."""
    subject = panel["subject"]
    if subject["__typename"] == "Indicator":
        variables = {"indicator": subject["id"], "dimension": panel["dimension"]}
        groups = ask(url, "IndicatorGroups", variables, language)["disparities"]["groups"]
        return [
            {"label": g["category"]["categoryLabel"], "hidden": g["suppressed"], "mark": None}
            for g in groups
        ]
    variables = {"measure": subject["id"], "period": panel["series"]["points"][-1]["start"]}
    cells = ask(url, "MeasureGroups", variables, language)["node"]["observations"]
    return [
        {
            "label": c["breakdown"][0]["categoryLabel"],
            "hidden": c["value"] is None,
            "mark": c["suppressedAtSource"],
        }
        for c in cells
        if len(c["breakdown"]) == 1 and c["breakdown"][0]["dimension"] == panel["dimension"]
    ]


DRAWN = """canvas => {
  const chart = Chart.getChart(canvas);
  return {
    labels: chart.data.labels,
    datasets: chart.data.datasets.map(d => ({
      label: d.label, points: chart.getDatasetMeta(chart.data.datasets.indexOf(d)).data.length,
      values: d.data.filter(v => v !== null).length })),
    hidden: (chart.options.plugins.hiddenMarks || {}).rows || [],
  };
}"""


async def open_dashboard(page, url: str, path: str, language: str) -> None:
    await page.goto(f"{url}{path}?lang={language}")
    await page.wait_for_selector(READY, timeout=30_000, state="attached")


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_public_dashboard_draws_what_the_api_answers_in_english_and_spanish(
    served, page, language: str
) -> None:
    # given: what the API answers an anonymous reader in this language
    url, _ = served
    variables = {"collaborative": "riverside", "dashboard": "community-dashboard"}
    answer = ask(url, "DashboardPage", variables, language)
    panels = answer["dashboard"]["panels"]
    # when
    await open_dashboard(page, url, PUBLIC, language)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SHOTS / f"community-dashboard-{language}.png", full_page=True)
    # then: in the reader's language, the switch saying which
    assert await page.get_attribute("html", "lang") == language
    assert await page.get_attribute(f"#languages button[lang={language}]", "aria-pressed") == "true"
    assert await page.text_content("h1") == answer["dashboard"]["title"]
    assert await page.locator("section.panel").count() == len(panels)
    hidden_marks = 0
    for panel in panels:
        section = page.locator(f"section.panel[data-position='{panel['position']}']")
        heading = panel["title"] or panel["subject"]["name"]
        assert await section.locator("h2").text_content() == heading
        if panel["dimension"] and not panel["category"]:
            hidden_marks += await check_groups(url, panel, section, language)
        elif panel["chart"] in ("LINE", "BAR"):
            await check_curve(panel, section)
    assert hidden_marks >= 1  # the demo's "<5" cell is marked, in the chart and the table
    kinds = await page.locator("article.story").evaluate_all("a => a.map(s => s.lang)")
    assert language in kinds  # stories in the reader's language come first


async def check_curve(panel: dict, section) -> None:
    """Actual, forecast and target drawn with as many points as the API's series has."""
    series = panel["series"]
    drawn = await section.locator("canvas").evaluate(DRAWN)
    actual, *others = drawn["datasets"]  # then the forecast and the target, when there are
    assert actual["values"] == sum(p["value"] is not None for p in series["points"])
    assert actual["points"] == len(drawn["labels"])
    if series["forecast"]:
        forecast, *others = others
        assert forecast["values"] == len(series["forecast"]["points"])
    assert [target["values"] for target in others] == ([1] if series["target"] else [])
    label = await section.locator("canvas").get_attribute("aria-label")
    assert series["points"][-1]["label"] in label  # the chart describes itself in words


async def check_groups(url: str, panel: dict, section, language: str) -> int:
    """One bar per group; hidden groups have no bar, a mark on the chart and a reason."""
    expected = expected_groups(url, panel, language)
    drawn = await section.locator("canvas").evaluate(DRAWN)
    assert drawn["labels"] == [group["label"] for group in expected]
    hidden = [i for i, group in enumerate(expected) if group["hidden"]]
    assert drawn["hidden"] == hidden
    assert drawn["datasets"][0]["values"] == len(expected) - len(hidden)
    rows = section.locator("tbody tr[data-hidden]")
    assert await rows.count() == len(hidden)
    for index in hidden:
        row = section.locator("tbody tr").nth(index)
        text = await row.text_content()
        assert NOT_SHOWN[language] in text
        if expected[index]["mark"]:
            assert expected[index]["mark"] in text  # "<5", as the source marked it
    return len(hidden)


async def test_a_members_only_dashboard_shows_only_to_a_signed_in_member(served, page) -> None:
    # given
    url, env = served
    token = tablero("token", "--email", "resident@demo.tablero.example", env=env).stdout.strip()
    # when: anonymous
    await open_dashboard(page, url, MEMBERS, "en")
    # then: nothing of it, and the same words as for a dashboard that does not exist
    assert await page.get_attribute("#dashboard", "data-state") == "not-found"
    assert await page.locator("section.panel").count() == 0
    assert "Partner progress" not in await page.content()
    # when: the resident signs in with a token
    await page.click("#sign-in-toggle")
    await page.fill("#token", token)
    await page.press("#token", "Enter")
    await page.wait_for_selector("#dashboard[data-state=ready]", timeout=30_000, state="attached")
    # then
    assert await page.text_content("h1") == "Partner progress"
    assert await page.locator("section.panel").count() == 3
    assert token not in page.url
    stored = await page.evaluate(
        "() => [sessionStorage.length, localStorage.getItem('tablero.token')]"
    )
    assert stored == [1, None]  # this tab only
    await page.screenshot(path=SHOTS / "partner-progress-signed-in.png", full_page=True)
    # when: signing out
    await page.click("#sign-in-toggle")
    await page.wait_for_selector(
        "#dashboard[data-state=not-found]", timeout=30_000, state="attached"
    )


async def test_the_page_is_usable_with_a_keyboard_on_a_phone(served, browser) -> None:
    url, _ = served
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = await context.new_page()
    try:
        await open_dashboard(page, url, PUBLIC, "en")
        # one column, nothing wider than the screen
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        # the first Tab reaches the skip link, then the language switch
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.lang") == "en"
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")  # Español, from the keyboard
        await page.wait_for_selector("html[lang=es]", timeout=30_000, state="attached")
        await page.wait_for_selector(
            "#dashboard[data-state=ready]", timeout=30_000, state="attached"
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SHOTS / "community-dashboard-phone-es.png", full_page=True)
        labelled = await page.locator("canvas").evaluate_all(
            "cs => cs.every(c => c.getAttribute('role') === 'img' && c.getAttribute('aria-label'))"
        )
        assert labelled
    finally:
        await context.close()


async def test_text_from_the_api_is_shown_as_text_never_run_as_markup(served, page) -> None:
    # given: the backbone names an indicator of the public dashboard with markup in it
    url, env = served
    token = tablero("token", "--email", "backbone@demo.tablero.example", env=env).stdout.strip()
    variables = {"collaborative": "riverside", "dashboard": "community-dashboard"}
    panel = ask(url, "DashboardPage", variables, "en")["dashboard"]["panels"][0]
    hostile = '<img src=x onerror="window.pwned=1">Ready <b>for</b> <script>window.pwned=2</script>'
    rename = """mutation($input: UpdateIndicatorInput!) {
      updateIndicator(input: $input) { userErrors { code } } }"""

    def name(text: str) -> None:
        body = {
            "query": rename,
            "variables": {"input": {"id": panel["subject"]["id"], "name": text}},
        }
        headers = {"authorization": f"Bearer {token}"}
        answer = httpx.post(f"{url}/graphql", json=body, headers=headers, timeout=30).json()
        assert answer["data"]["updateIndicator"]["userErrors"] == [], json.dumps(answer)

    name(hostile)
    try:
        # when
        await open_dashboard(page, url, PUBLIC, "en")
        # then: the name reads as written, and none of it ran or became an element
        first = page.locator("section.panel[data-position='0']")
        assert hostile in await first.locator(".subject").text_content()
        assert await page.evaluate("window.pwned") is None
        assert await page.locator("#dashboard img, #dashboard script, #dashboard b").count() == 0
    finally:
        name(panel["subject"]["name"])
