"""GET /graphql in a browser: GraphiQL, served from Tablero's own files (api/static/vendor/),
preloaded with a query on the demo collaborative. It loads nothing from any other host, and
its Content-Security-Policy holds it to that.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import HTMLResponse

EXAMPLE_QUERY = """# Welcome to Tablero. Run this query with ▶ (or Ctrl-Enter).
#
# It runs as an anonymous visitor: public rows only.
# To read as a member of the demo, print a token with
#   .venv/bin/tablero token --email backbone@demo.tablero.example
# and add it under Headers, below:
#   {"Authorization": "Bearer <the token>"}
# Another language: {"Accept-Language": "es"}.

query Riverside {
  collaborative(slug: "riverside") {
    name
    language
    measures(first: 5) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        name
        quadrant
        partner { name }
        latestObservations(count: 4) { period { label } value }
      }
    }
  }
}
"""

# GraphiQL sets styles inline; everything else comes from this origin, and nothing leaves it.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tablero · GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/vendor/graphiql/graphiql.min.css">
  <link rel="stylesheet" href="/static/graphiql.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script type="application/json" id="tablero-graphiql">{config}</script>
  <script src="/static/vendor/react/react.production.min.js"></script>
  <script src="/static/vendor/react/react-dom.production.min.js"></script>
  <script src="/static/vendor/graphiql/graphiql.min.js"></script>
  <script src="/static/graphiql.js"></script>
</body>
</html>
"""


def wants_graphiql(request: Request) -> bool:
    """A browser (or anyone accepting anything) asking GET /graphql for no operation."""
    accept = request.headers.get("accept", "")
    asks_nothing = not any(
        name in request.query_params for name in ("query", "documentId", "extensions")
    )
    return request.method == "GET" and asks_nothing and ("text/html" in accept or "*/*" in accept)


# `<` escaped so that no text in the configuration can close the script element
FILLED_PAGE = PAGE.replace("{config}", json.dumps({"query": EXAMPLE_QUERY}).replace("<", "\\u003c"))


def graphiql_page() -> HTMLResponse:
    return HTMLResponse(FILLED_PAGE, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})
