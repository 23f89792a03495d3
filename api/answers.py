"""How a GraphQL result becomes an HTTP answer: status, body and headers.

- A request error (the document does not parse or validate, a variable does not fit, a
  limit refuses it: errors without a `path`) answers without `data`, as GraphQL over HTTP
  says. With `application/graphql-response+json` its status says so (400, or 403 for a
  scope the viewer lacks); with `application/json` it is a 200, as older clients expect.
- Whatever the media type, RATE_LIMITED is a 429, UNAVAILABLE a 503 (without `data`: the
  transaction was rolled back, retry) and UNAUTHENTICATED a 401.
- Every answer varies by `Accept-Language` and by credentials, and says which languages
  its texts are in (`Content-Language`) when the client asked for one; a mutation's answer
  is `Cache-Control: no-store, no-transform` (never cached, never compressed).
- An answer larger than TABLERO_MAX_RESPONSE_BYTES is refused with COST_LIMIT instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError
from strawberry.http import process_result
from strawberry.types import ExecutionResult

from api.media import GRAPHQL_RESPONSE
from schema.error_codes import GraphQLErrorCode, error_body

RETRY_AFTER_SECONDS = 5  # what a 503 suggests: long enough for a restart, short for a blip
STATUS_OF_CODE = {
    GraphQLErrorCode.RATE_LIMITED.value: 429,
    GraphQLErrorCode.UNAVAILABLE.value: 503,
    GraphQLErrorCode.UNAUTHENTICATED.value: 401,
}
REQUEST_ERROR_STATUS = {GraphQLErrorCode.FORBIDDEN.value: 403}  # else 400 (graphql-response)
VARY = "Accept-Language, Authorization, X-Api-Key"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    whole: bool  # False: the result was too large and was refused instead
    headers: dict[str, str] = field(default_factory=dict)


def code_of(error: GraphQLError) -> str | None:
    return (error.extensions or {}).get("code")


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: every error is about the request, none about a field."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


def answer_of(
    result: ExecutionResult,
    *,
    media_type: str,
    max_bytes: int,
    mutation: bool,
    languages: Sequence[str],
) -> Answer:
    errors = result.errors or []
    codes = [code_of(e) for e in errors]
    payload: dict[str, Any] = dict(process_result(result))
    unavailable = GraphQLErrorCode.UNAVAILABLE.value in codes
    if is_request_error(result) or unavailable:
        payload.pop("data", None)
    status = _status(codes, request_error=is_request_error(result), media_type=media_type)
    headers = {"Vary": VARY, **_headers(errors, status)}
    if languages:
        headers["Content-Language"] = ", ".join(languages)
    if mutation:
        headers["Cache-Control"] = "no-store, no-transform"
    body = _dump(payload)
    if len(body) <= max_bytes:
        return Answer(status, body, True, headers)
    refused = error_body(
        GraphQLErrorCode.COST_LIMIT,
        f"the answer would be {len(body)} bytes; the limit is {max_bytes}: ask for less",
        bytes=len(body),
        limit=max_bytes,
    )
    status = 400 if media_type == GRAPHQL_RESPONSE else 200
    return Answer(status, _dump(refused), False, {"Vary": VARY, "Cache-Control": "no-store"})


def _status(codes: Sequence[str | None], *, request_error: bool, media_type: str) -> int:
    fixed = [STATUS_OF_CODE[c] for c in codes if c in STATUS_OF_CODE]
    if fixed:
        return max(fixed)
    if request_error and media_type == GRAPHQL_RESPONSE:
        return max(REQUEST_ERROR_STATUS.get(c or "", 400) for c in codes)
    return 200


def _headers(errors: Sequence[GraphQLError], status: int) -> dict[str, str]:
    headers: dict[str, str] = {}
    if status != 200:
        headers["Cache-Control"] = "no-store"
    for error in errors:
        code = code_of(error)
        if code == GraphQLErrorCode.RATE_LIMITED.value:
            headers["Retry-After"] = str((error.extensions or {}).get("retryAfter", 60))
        elif code == GraphQLErrorCode.UNAVAILABLE.value:
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        elif code == GraphQLErrorCode.UNAUTHENTICATED.value:
            headers["WWW-Authenticate"] = 'Bearer realm="tablero"'
    return headers


def _dump(payload: Any) -> bytes:
    try:
        return orjson.dumps(payload)
    except TypeError:  # a lone surrogate a client sent, echoed in a message: ASCII escapes it
        return json.dumps(payload, separators=(",", ":")).encode()
