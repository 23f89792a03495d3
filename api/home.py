"""GET /: a small page for people who open the API's address in a browser.

It links GraphiQL (when it is on), the documentation in docs/ (when the server runs from
a checkout of the repository, which holds it) and the public dashboards of every
collaborative on the instance. It runs no script.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from api.database import Database
from services.dashboards import service as dashboards
from services.faults import is_unavailable
from services.viewer import ANONYMOUS

DOCS = Path(__file__).resolve().parent.parent / "docs"
LISTED_DASHBOARDS = 50
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self' data:"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tablero</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/tablero.css">
</head>
<body>
  <main>
    <h1>Tablero</h1>
    <p>The shared measurement system of collective-impact collaboratives, as a GraphQL API:
    <code>POST /graphql</code> (or <code>GET</code> for queries).</p>
    {graphiql}
    <h2>Public dashboards</h2>
    {dashboards}
    <h2>Documentation</h2>
    {docs}
    <p class="quiet"><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></p>
  </main>
</body>
</html>
"""


def read_guides() -> dict[str, str]:
    """The guides in docs/ by file name (none when Tablero runs from an installed package)."""
    if not DOCS.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md"))}


def title_of(text: str, name: str) -> str:
    first = text.splitlines()[:1]
    return first[0].lstrip("# ").strip() if first else name


def dashboard_link(collaborative: str, slug: str) -> str:
    """Where people read a public dashboard: its page (api/dashboard_page.py)."""
    return f"/c/{quote(collaborative, safe='')}/{quote(slug, safe='')}"


class Home:
    def __init__(self, database: Database, *, graphiql: bool) -> None:
        self.database = database
        self.graphiql = graphiql
        self.guides = read_guides()  # read once: they do not change while serving

    async def page(self, request: Request) -> Response:
        try:
            async with self.database.unit_of_work(ANONYMOUS) as session:
                found = await dashboards.readable_everywhere(
                    session=session, viewer=ANONYMOUS, limit=LISTED_DASHBOARDS
                )
        except Exception as e:
            if not is_unavailable(e):
                raise
            found = []  # the rest of the page still helps while the database is away
        items = [
            f'<li><a href="{escape(dashboard_link(c.slug, d.slug))}">'
            f"{escape(d.title)}</a> <span class=quiet>{escape(c.name)}</span></li>"
            for c, d in found
        ]
        docs = [
            f'<li><a href="/docs/{escape(name)}">{escape(title_of(text, name))}</a></li>'
            for name, text in self.guides.items()
        ]
        graphiql = (
            '<p><a href="/graphql">GraphiQL</a>: write and run queries in the browser.</p>'
            if self.graphiql
            else ""
        )
        html = PAGE.format(
            graphiql=graphiql,
            dashboards=f"<ul>{''.join(items)}</ul>" if items else "<p>None yet.</p>",
            docs=f"<ul>{''.join(docs)}</ul>"
            if docs
            else "<p>In the repository's <code>docs/</code> folder.</p>",
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    async def doc(self, request: Request) -> Response:
        text = self.guides.get(request.path_params["name"])  # no path reaches anything else
        if text is None:
            return PlainTextResponse("no such guide\n", status_code=404)
        return PlainTextResponse(text)  # text/plain: every browser shows it
