"""GET / for people who open the API in a browser, the guides it links, and GraphiQL served
from Tablero's own files."""

from __future__ import annotations

import re
from pathlib import Path

from api.app import STATIC
from api.graphiql import EXAMPLE_QUERY
from services.partners.models import ProfileVisibility
from services.viewer import Role
from tests.apps import client_with
from tests.factories import make_collaborative, make_member
from tests.story_factories import make_dashboard

DOCS = Path(__file__).parent.parent / "docs"


async def test_the_home_page_links_graphiql_the_guides_and_public_dashboards_only(
    client, session
) -> None:
    # given one public and one members-only dashboard
    collaborative = await make_collaborative(session, name="Eastside Rising")
    creator = await make_member(session, collaborative, Role.RESIDENT)
    for slug, visibility in (
        ("open", ProfileVisibility.PUBLIC),
        ("inner", ProfileVisibility.COLLABORATIVE),
    ):
        title = f"The {slug} board"
        await make_dashboard(
            session, collaborative, creator, [], slug=slug, title=title, visibility=visibility
        )
    # when
    response = await client.get("/")
    # then
    assert response.status_code == 200
    page = response.text
    assert '<a href="/graphql">GraphiQL</a>' in page
    assert "The open board" in page
    assert f'href="/c/{collaborative.slug}/open"' in page
    assert "Eastside Rising" in page
    assert "The inner board" not in page
    for guide in DOCS.glob("*.md"):
        assert f'href="/docs/{guide.name}"' in page
    assert "<script" not in page
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_a_guide_is_served_as_text_and_nothing_else_is(client) -> None:
    guide = await client.get("/docs/frontend.md")
    assert guide.status_code == 200
    assert guide.headers["content-type"] == "text/plain; charset=utf-8"
    assert guide.text == (DOCS / "frontend.md").read_text(encoding="utf-8")
    for path in ("/docs/..%2FSECURITY.md", "/docs/missing.md", "/docs/%2E%2E%2Fpyproject.toml"):
        assert (await client.get(path)).status_code == 404, path


async def test_in_prod_dashboards_link_their_page_and_graphiql_is_not_offered(
    settings, database, connection, session
) -> None:
    collaborative = await make_collaborative(session)
    creator = await make_member(session, collaborative, Role.RESIDENT)
    await make_dashboard(
        session,
        collaborative,
        creator,
        [],
        slug="open",
        title="Open",
        visibility=ProfileVisibility.PUBLIC,
    )
    async with client_with(settings, database, connection, graphiql=False) as client:
        page = (await client.get("/")).text
        [link] = re.findall(r'href="(/c/[^"]+)"', page)
        shell = await client.get(link)
    assert "GraphiQL" not in page
    assert link == f"/c/{collaborative.slug}/open"
    assert shell.status_code == 200
    assert shell.headers["content-type"].startswith("text/html")


async def test_graphiql_loads_only_tablero_s_own_files_with_their_licences(client) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources
    assert all(s.startswith("/static/") or s == "data:," for s in sources)
    for source in sources:
        if source.startswith("/static/"):
            asset = await client.get(source)
            assert asset.status_code == 200, source
    assert "query Riverside" in page.text
    assert "Riverside" in EXAMPLE_QUERY
    for licence in ("vendor/graphiql/LICENSE", "vendor/react/LICENSE"):
        assert "MIT License" in (STATIC / licence).read_text()
