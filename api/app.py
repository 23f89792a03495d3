"""The Starlette application factory. Nothing is created at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api.compression import CompressionMiddleware
from api.cors import cors_middleware
from api.dashboard_page import dashboard_route
from api.database import Database
from api.export import AggregateExport
from api.graphql import GraphQLEndpoint
from api.health import Readiness, healthz
from api.home import Home
from api.metrics import Metrics, MetricsMiddleware
from api.migrate import head_revision
from api.observe import ObserveRequests
from api.rate_limit import RateLimiter
from api.replica import with_replica
from api.request_id import RequestIdMiddleware
from api.scheduler import releasing_due_periods
from api.schema_file import SchemaFile
from api.settings import Environment, Settings
from api.spreadsheets import ObservationFiles
from api.tracing import Tracing
from schema.limits.extension import QueryLimits
from schema.root import build_schema

STATIC = Path(__file__).parent / "static"  # GraphiQL and its licences, the home page's style


def query_limits(settings: Settings) -> QueryLimits:
    return QueryLimits(
        max_cost=settings.max_query_cost,
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_document_bytes=settings.max_document_bytes,
        max_page=settings.max_page_size,
        introspection=settings.introspection,
        suggestions=settings.suggestions,
    )


def create_app(
    settings: Settings, database: Database | None = None, *, tracing: Tracing | None = None
) -> Starlette:
    """The API. Without `database`, one is connected to `settings.database_url` at start-up;
    without `tracing`, traces go where the settings say (nowhere by default)."""
    if database is None:
        if settings.database_url is None:
            raise ValueError("create_app needs a database or settings.database_url")
        database = Database.connect(
            settings.database_url,
            role=settings.database_role,
            pool_size=settings.database_pool_size,
            pool_timeout=settings.database_pool_timeout_seconds,
            statement_timeout=settings.statement_timeout_seconds,
        )
        database = with_replica(database, settings)  # queries may read a replica
    owns_database = database
    tracing = tracing or Tracing.from_settings(settings)
    tracing.watch_sql(database.bind)
    logging.getLogger("tablero").setLevel(settings.log_level.upper())
    limiter = RateLimiter(
        database,
        per_minute=settings.rate_limit_per_minute,
        sync_seconds=settings.rate_limit_sync_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        syncing = asyncio.create_task(limiter.run()) if limiter.enabled else None
        async with releasing_due_periods(owns_database, settings.release_check_seconds):
            yield
        if syncing is not None:
            syncing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await syncing
        await owns_database.dispose()
        tracing.shutdown()

    schema = build_schema(query_limits(settings))
    graphql = GraphQLEndpoint(schema, settings, database, limiter)
    files = ObservationFiles(database, graphql.verifier)
    home = Home(database, graphiql=settings.graphiql)
    routes = [
        Route("/", home.page, methods=["GET"]),
        Route("/docs/{name}", home.doc, methods=["GET"]),
        dashboard_route(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/graphql", graphql.handle, methods=["GET", "POST"]),
        Route(
            "/export/aggregate.csv",
            AggregateExport(database, graphql.verifier, limiter).handle,
            methods=["GET"],
        ),
        Route("/templates/{file}", files.template, methods=["GET"]),
        Route("/export/observations/{file}", files.export, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", Readiness(database, head_revision()).handle, methods=["GET"]),
    ]
    if settings.introspection:
        routes.append(Route("/schema.graphql", SchemaFile(schema.as_str()).handle, methods=["GET"]))
    metrics = Metrics([*(r.path for r in routes), "/metrics"], token=settings.metrics_token)
    metrics.watch_pool(database)
    if settings.metrics_token is not None or settings.environment is Environment.DEV:
        routes.append(Route("/metrics", metrics.handle, methods=["GET"]))
    # Outermost first: every answer has an id, is counted, may cross origins, is compressed.
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(ObserveRequests, tracer=tracing.tracer, metrics=metrics),
        Middleware(MetricsMiddleware, metrics=metrics),
        cors_middleware(settings.cors_origins),
        Middleware(CompressionMiddleware) if settings.compression else None,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[m for m in middleware if m is not None],
    )
    app.state.database = database
    app.state.settings = settings
    app.state.rate_limiter = limiter
    return app
