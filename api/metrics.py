"""GET /metrics: request counts and latencies in Prometheus' text format.

One registry per app (tests build many apps in one process). Routes are labelled by their
template, and every unknown path as `other`, so a scanner cannot grow the label set. With
TABLERO_METRICS_TOKEN set, only `Authorization: Bearer <token>` reads them; in prod they are
not served at all without one.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    def __init__(self, routes: Iterable[str], token: SecretStr | None = None) -> None:
        self.routes = frozenset(routes)
        self.token = token
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "tablero_http_requests",
            "HTTP requests answered, by method, route and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "tablero_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ("route",),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )

    def route_of(self, path: str) -> str:
        return path if path in self.routes else "other"

    async def handle(self, request: Request) -> Response:
        if self.token is not None and not self._authorized(request):
            return Response(
                "a metrics token is required\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="tablero-metrics"'},
            )
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    def _authorized(self, request: Request) -> bool:
        assert self.token is not None
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = self.token.get_secret_value()
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)


class MetricsMiddleware:
    """Counts and times every HTTP request (lifespan and websockets pass through)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = self.metrics.route_of(scope["path"])
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.duration.labels(route).observe(time.perf_counter() - started)
