"""The community dashboard page: GET /c/<collaborative>/<dashboard>.

The page is the same shell for every path: it holds no data. Its scripts read the dashboard
from the public GraphQL API like any other front end, so a members-only dashboard reaches
only a reader whose token the API accepts. The shell's Content-Security-Policy lets the
page run only Tablero's own scripts and talk only to Tablero, so text from the API that
looks like markup could not run even if the page ever inserted it as HTML (it does not).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

STATIC = Path(__file__).parent / "static" / "dashboard"

POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class DashboardPage:
    """Serves the shell; everything it shows comes from /graphql, read in the browser."""

    def __init__(self) -> None:
        self.shell = (STATIC / "index.html").read_text(encoding="utf-8")

    async def handle(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self.shell, headers=HEADERS)


def dashboard_route() -> Route:
    """The page; its assets (scripts, styles, GraphQL documents, Chart.js) are under
    /static/dashboard/, served with the rest of api/static/."""
    return Route("/c/{collaborative}/{dashboard}", DashboardPage().handle, methods=["GET"])
