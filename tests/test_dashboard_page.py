"""The community dashboard page's server side: one data-free shell, its assets, its documents.

What the page shows is tested in a browser (tests/test_dashboard_browser.py); these tests
hold what must be true whether or not a browser is at hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.dashboard_page import STATIC
from api.documents_registry import read_documents

SCRIPTS = sorted(STATIC.glob("*.js"))


async def test_every_dashboard_path_gets_the_same_shell_without_any_dashboard_data(client) -> None:
    # given: a members-only dashboard, a public one and one that does not exist
    paths = ("/c/riverside/partner-progress", "/c/riverside/community-dashboard", "/c/x/y")
    # when
    pages = [await client.get(path) for path in paths]
    # then: the shell is static; what it shows is read from /graphql by the reader's browser
    assert {page.status_code for page in pages} == {200}
    assert len({page.text for page in pages}) == 1
    assert "Partner progress" not in pages[0].text
    policy = pages[0].headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert pages[0].headers["x-content-type-options"] == "nosniff"
    assert pages[0].headers["referrer-policy"] == "no-referrer"


async def test_the_page_serves_its_scripts_styles_documents_and_chart_library(client) -> None:
    shell = (await client.get("/c/riverside/community-dashboard")).text
    assets = re.findall(r'(?:src|href)="(/static/dashboard/[^"]+)"', shell)
    assert len(assets) == 3  # the stylesheet, Chart.js and the page's entry module
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200, asset
    script = await client.get("/static/dashboard/main.js")
    assert "javascript" in script.headers["content-type"]
    library = await client.get("/static/dashboard/vendor/chart.js/chart.umd.min.js")
    assert library.text.startswith("/*!\n * Chart.js v4.")
    assert "MIT License" in (STATIC / "vendor" / "chart.js" / "LICENSE.md").read_text()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_the_page_never_turns_text_into_markup_or_code(script: Path) -> None:
    # Text from the API (names, titles, stories) goes in as text nodes only (dom.js).
    source = script.read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, f"{script.name} uses {sink}"
    assert "new Function" not in source


def test_the_page_keeps_tokens_out_of_urls_and_lasting_storage() -> None:
    source = "\n".join(path.read_text() for path in SCRIPTS)
    assert "sessionStorage.setItem(TOKEN_KEY" in source
    assert "localStorage.setItem(TOKEN_KEY" not in source
    assert "headers.authorization = `Bearer ${token}`" in source
    assert not re.search(r"searchParams\.set\([^)]*token", source, re.IGNORECASE)


def test_the_page_documents_validate_and_can_be_registered_as_trusted_documents() -> None:
    documents = read_documents(STATIC / "queries")  # raises with every problem
    assert set(documents) == {
        "DashboardPage.graphql",
        "IndicatorGroups.graphql",
        "MeasureGroups.graphql",
    }
