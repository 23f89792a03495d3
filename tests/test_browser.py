"""A real browser: a page on another origin calls the API and renders what it answered,
and GraphiQL runs with every other host out of reach.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright, which never downloads a
browser here; where either is missing these tests skip and say why (`.ci/run` installs
Chromium with apt).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.demo_server import REPOSITORY, Demo
from tests.processes import free_port, tablero

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.served,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no Chromium at /usr/bin/chromium: `apt-get install chromium` (.ci/run does)",
    ),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGE = REPOSITORY / "tests" / "frontend" / "browser"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """The page's server says nothing: the test says what matters."""


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """tests/frontend/browser/ served from an origin of its own (not the API's)."""
    port = free_port()
    handler = functools.partial(QuietHandler, directory=str(PAGE))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: `make .venv/.installed-dev` installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        await launched.close()


async def only(page: Any, *origins: str) -> list[str]:
    """Let the page reach `origins` alone; the list fills with everything else it tried."""
    elsewhere: list[str] = []

    async def route(request_route: Any) -> None:
        url = request_route.request.url
        if any(url.startswith(origin + "/") for origin in origins):
            await request_route.continue_()
        else:
            elsewhere.append(url)
            await request_route.abort()

    await page.route("**/*", route)
    return elsewhere


async def test_a_page_on_another_origin_calls_the_api_and_renders_its_answer(
    demo: Demo, browser: Any, page_origin: str
) -> None:
    # given a member's token, handed to a page served from another origin
    token = tablero("token", "--email", "resident@demo.tablero.example", env=demo.env)
    page = await browser.new_page()
    elsewhere = await only(page, demo.url, page_origin)
    # when
    await page.goto(f"{page_origin}/index.html#api={demo.graphql}&token={token.stdout.strip()}")
    await page.locator("#measures li").first.wait_for(timeout=20_000)
    # then
    assert await page.locator("#error").text_content() == ""
    assert await page.locator("#collaborative").text_content() == "Riverside Thrives"
    assert await page.locator("#language").text_content() == "es"
    assert await page.locator("#request-id").text_content() == "browser-page-1"
    names = await page.locator("#measures li").all_text_contents()
    assert len(names) == 10
    assert any("Casa de la Familia" in name for name in names)
    assert elsewhere == []


async def test_a_page_on_an_origin_not_listed_cannot_read_the_api(
    demo: Demo, browser: Any, page_origin: str
) -> None:
    # the demo lists http://localhost:*, not 127.0.0.1: the same page from there is refused
    other = page_origin.replace("localhost", "127.0.0.1")
    page = await browser.new_page()
    await page.goto(f"{other}/index.html#api={demo.graphql}")
    await page.locator("#error", has_text="error").wait_for(timeout=20_000)
    assert await page.locator("#measures li").count() == 0


async def test_graphiql_runs_the_example_query_with_no_other_host_reachable(
    demo: Demo, browser: Any
) -> None:
    page = await browser.new_page()
    elsewhere = await only(page, demo.url)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.goto(f"{demo.url}/graphql")
    await page.locator(".graphiql-container").wait_for(timeout=30_000)
    await page.locator(".graphiql-execute-button").click()
    await page.locator(".result-window", has_text="Riverside Thrives").wait_for(timeout=30_000)
    assert elsewhere == []
    assert problems == []
