"""Which media type a GraphQL answer speaks, from the request's `Accept` header.

GraphQL over HTTP defines `application/graphql-response+json`, whose status codes mean
something (400 for a document that does not parse or validate), and keeps
`application/json` (200 for any well-formed GraphQL answer) for older clients. A client that
sends no Accept, or accepts anything, gets `application/json`; one that names
`application/graphql-response+json` at least as highly as `application/json` gets it.
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def q_values(header: str) -> dict[str, float]:
    """The items of an Accept-style header (media ranges, content codings), lowercased, with
    their q-values; parameters other than q are ignored (charset=utf-8 is the only one JSON
    has). An item named twice keeps its highest q."""
    values: dict[str, float] = {}
    for part in header.split(","):
        item, *params = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if item:
            values[item.lower()] = max(q, values.get(item.lower(), 0.0))
    return values


def answer_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when the client asks for it, else JSON."""
    if not accept:
        return JSON
    ranges = q_values(accept)
    wildcard = max(ranges.get("*/*", 0.0), ranges.get("application/*", 0.0))
    graphql = ranges.get(GRAPHQL_RESPONSE, 0.0)
    json = ranges.get(JSON, wildcard)
    return GRAPHQL_RESPONSE if graphql > 0 and graphql >= json else JSON
