"""The one list of `extensions.code` values an error in a GraphQL response may carry.

Clients branch on these codes, never on messages (which are for people and may change).
Mutations' expected failures are not here: they are data, in each payload's `userErrors`.
Add a code here, and to the table in README.md, before any module answers with it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from graphql import GraphQLError


class GraphQLErrorCode(StrEnum):
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # the document is not GraphQL
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # not valid against the schema
    BAD_USER_INPUT = "BAD_USER_INPUT"  # a body, variable or argument the API cannot take
    UNAUTHENTICATED = "UNAUTHENTICATED"  # credentials were sent but are not acceptable
    FORBIDDEN = "FORBIDDEN"  # the viewer may not do this (an API key's scopes, for one)
    NOT_FOUND = "NOT_FOUND"  # unknown, or hidden from the viewer: the two look the same
    COST_LIMIT = "COST_LIMIT"  # the request asks for more than one request may
    RATE_LIMITED = "RATE_LIMITED"  # the client spent its budget for this minute (HTTP 429)
    UNAVAILABLE = "UNAVAILABLE"  # the database cannot serve now: retry later (HTTP 503)
    INTERNAL = "INTERNAL"  # a bug on our side, logged with the request id
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"  # the body is over the limit (HTTP 413)
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # no document has this id or hash
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"  # APQ is off: send the text


def coded_error(code: GraphQLErrorCode, message: str, **extensions: Any) -> GraphQLError:
    """An error for the response's `errors`, carrying its code."""
    return GraphQLError(message, extensions={"code": code.value, **extensions})


def error_body(code: GraphQLErrorCode, message: str, **extensions: Any) -> dict[str, Any]:
    """A whole response body for a request refused before any operation ran."""
    return {"errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]}
