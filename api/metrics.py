"""GET /metrics: requests, GraphQL operations and the database pool, for Prometheus.

One registry per app (tests build many apps in one process). Routes are labelled by their
template, and every unknown path as `other`, so a scanner cannot grow the label set.
Operation names are the client's choice: only valid GraphQL names are labels, the first
MAX_OPERATION_NAMES seen by the process, and every later one counts as `(other)`. With
TABLERO_METRICS_TOKEN set, only `Authorization: Bearer <token>` reads them; in prod they are
not served at all without one.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.database import Database
from schema.error_codes import GraphQLErrorCode
from schema.telemetry import OperationRecord

MAX_OPERATION_NAMES = 100
GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
UNNAMED, OTHER = "(none)", "(other)"  # parentheses: no GraphQL name can be either
CODES = frozenset(code.value for code in GraphQLErrorCode)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class OperationNames:
    """Bounds the label values that operation names may become."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return UNNAMED
        if name in self.seen:
            return name
        if len(self.seen) < self.limit and GRAPHQL_NAME.fullmatch(name):
            self.seen.add(name)
            return name
        return OTHER


class PoolCollector(Collector):
    """The database pool, read when scraped: connections in use, idle, and the most it opens."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.database.pool_status()
        if pool is None:  # a single connection (tests), not a pool
            return
        connections = GaugeMetricFamily(
            "tablero_db_pool_connections",
            "Database connections of this process's pool, by state.",
            labels=("state",),
        )
        connections.add_metric(("in_use",), pool.in_use)
        connections.add_metric(("idle",), pool.idle)
        yield connections
        yield GaugeMetricFamily(
            "tablero_db_pool_max_connections",
            "The most connections the pool opens (pool size plus overflow); past it, requests "
            "wait up to TABLERO_DATABASE_POOL_TIMEOUT_SECONDS, then get a 503.",
            value=pool.capacity,
        )


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
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.names = OperationNames()
        self.operations = Counter(
            "tablero_graphql_operations",
            "GraphQL requests by operation name, type and outcome (ok, or error when any "
            "error was answered).",
            ("operation", "type", "outcome"),
            registry=self.registry,
        )
        self.operation_errors = Counter(
            "tablero_graphql_errors",
            "Errors answered to GraphQL requests, by operation name and error code.",
            ("operation", "code"),
            registry=self.registry,
        )
        self.operation_duration = Histogram(
            "tablero_graphql_operation_duration_seconds",
            "Time to answer a GraphQL request, by operation name.",
            ("operation",),
            buckets=BUCKETS,
            registry=self.registry,
        )

    def watch_pool(self, database: Database) -> None:
        self.registry.register(PoolCollector(database))

    def count_operation(self, operation: OperationRecord, status: int, seconds: float) -> None:
        name = self.names.label(operation.name)
        failed = bool(operation.error_codes) or status >= 400
        kind = operation.type or "unknown"
        self.operations.labels(name, kind, "error" if failed else "ok").inc()
        self.operation_duration.labels(name).observe(seconds)
        for code in operation.error_codes:
            self.operation_errors.labels(name, code if code in CODES else "OTHER").inc()

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
