"""The Starlette application factory. Nothing is created at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from api.database import Database
from api.export import AggregateExport
from api.graphql import GraphQLEndpoint
from api.health import Readiness, healthz
from api.metrics import Metrics, MetricsMiddleware
from api.migrate import head_revision
from api.scheduler import releasing_due_periods
from api.settings import Settings
from api.spreadsheets import ObservationFiles
from schema.root import build_schema


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """The API. Without `database`, one is connected to `settings.database_url` at start-up."""
    if database is None:
        if settings.database_url is None:
            raise ValueError("create_app needs a database or settings.database_url")
        database = Database.connect(
            settings.database_url,
            role=settings.database_role,
            pool_size=settings.database_pool_size,
        )
    owns_database = database
    logging.getLogger("tablero").setLevel(settings.log_level.upper())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with releasing_due_periods(owns_database, settings.release_check_seconds):
            yield
        await owns_database.dispose()

    graphql = GraphQLEndpoint(build_schema(), settings, database)
    files = ObservationFiles(database, graphql.verifier)
    routes = [
        Route("/graphql", graphql.handle, methods=["GET", "POST"]),
        Route(
            "/export/aggregate.csv",
            AggregateExport(database, graphql.verifier).handle,
            methods=["GET"],
        ),
        Route("/templates/{file}", files.template, methods=["GET"]),
        Route("/export/observations/{file}", files.export, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", Readiness(database, head_revision()).handle, methods=["GET"]),
    ]
    metrics = Metrics([*(r.path for r in routes), "/metrics"])
    routes.append(Route("/metrics", metrics.handle, methods=["GET"]))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(MetricsMiddleware, metrics=metrics)],
    )
    app.state.database = database
    app.state.settings = settings
    return app
