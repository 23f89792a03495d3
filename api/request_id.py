"""Every request has an id: the client's `X-Request-Id` when it is a sane one, else a new one.

The id names the request in log lines, in the audit trail (`audit_event.request_id`, 64
characters) and in the `X-Request-Id` answer header, so that a front end, a proxy and an
operator can follow one request across all three. A client's id is kept only when it is 1 to
64 letters, digits, `.`, `_`, `:` or `-`: anything else (spaces, control characters, a log
line's worth of text) could forge log lines or overflow the audit column, and is replaced,
not refused, so that a bad id never costs a client its answer.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from uuid import uuid4

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-Id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_current: ContextVar[str] = ContextVar("tablero_request_id", default="-")


def request_id_of(given: str | None) -> str:
    """The client's id when it is valid, else a fresh one."""
    if given is not None and _VALID.match(given):
        return given
    return uuid4().hex


def current_request_id() -> str:
    """The id of the request being answered ("-" outside of one)."""
    return _current.get()


class RequestIdFilter(logging.Filter):
    """Stamps `record.request_id` on every record a handler emits, for formats that show it
    (`%(request_id)s`): add it to the handlers of a deployment's logging configuration."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


class RequestIdMiddleware:
    """Chooses the request's id before anything else runs, and echoes it on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(Headers(scope=scope).get(HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        token = _current.set(request_id)

        async def echoing(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, echoing)
        finally:
            _current.reset(token)
