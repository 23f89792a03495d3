"""One record per HTTP request, and what is made of it: a log line, a trace span, metrics.

The middleware opens the record and the request's span; the GraphQL endpoint adds who asked
(the viewer's kind, never who) and what ran (the operation's name, type, cost and error
codes); once the answer is sent the middleware writes one access line and counts the
operation. Nothing here reads a header other than the trace context and X-Request-Id, a
query string, a body or a variable: tokens, keys and personal data never reach a log.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics
from schema.telemetry import OperationRecord
from services.viewer import Viewer

access_log = logging.getLogger("tablero.access")
RECORD = "record"  # its key in the request's state


@dataclass
class RequestRecord:
    operation: OperationRecord = field(default_factory=OperationRecord)
    graphql: bool = False  # the GraphQL endpoint took it (GraphiQL's page aside)
    viewer: str | None = None  # anonymous, person or api_key; None: refused before known


def viewer_kind(viewer: Viewer) -> str:
    if viewer.api_key_id is not None:
        return "api_key"
    return "anonymous" if viewer.is_anonymous else "person"


def record_of(request: Request) -> RequestRecord:
    """The request's record (a detached one when no middleware opened it, as in unit use)."""
    record = request.scope.get("state", {}).get(RECORD)
    return record if isinstance(record, RequestRecord) else RequestRecord()


def route_of(scope: Scope) -> str:
    """The route's template (`/templates/{file}`), never the path itself: `other` unmatched."""
    route = scope.get("route")
    return str(getattr(route, "path", "other")) if route is not None else "other"


class ObserveRequests:
    """Records, spans, logs and counts every HTTP request."""

    def __init__(self, app: ASGIApp, tracer: Tracer, metrics: Metrics) -> None:
        self.app = app
        self.tracer = tracer
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(operation=OperationRecord(tracer=self.tracer))
        scope.setdefault("state", {})[RECORD] = record
        started = time.perf_counter()
        # api/request_id.py chose the id before this runs (its header comes after, outside)
        answer: dict[str, Any] = {"status": 500, "request_id": scope["state"].get("request_id")}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        answer["request_id"] = value.decode("latin-1")
            await send(message)

        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        with self.tracer.start_as_current_span(
            scope["method"], kind=SpanKind.SERVER, context=extract(carrier)
        ) as span:
            try:
                await self.app(scope, receive, sending)
            finally:
                route = route_of(scope)
                status = answer["status"]
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.request.method", scope["method"])
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                seconds = time.perf_counter() - started
                if record.graphql:
                    self.metrics.count_operation(record.operation, status, seconds)
                self._log(scope["method"], route, status, seconds, answer["request_id"], record)

    def _log(
        self,
        method: str,
        route: str,
        status: int,
        seconds: float,
        request_id: str | None,
        record: RequestRecord,
    ) -> None:
        fields: dict[str, Any] = {
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        if record.graphql:
            operation = record.operation
            fields |= {
                "operation": operation.name,
                "operation_type": operation.type,
                "viewer": record.viewer,
                "cost": operation.cost,
                "errors": list(operation.error_codes),
            }
        access_log.info("%s %s %s", method, route, status, extra={"fields": fields})
