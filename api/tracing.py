"""OpenTelemetry traces: a span per HTTP request, per GraphQL operation and per SQL statement.

Off unless TABLERO_OTLP_ENDPOINT names a collector (OTLP over HTTP); then spans are batched
and sent there, with `service.name` tablero (OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
add to it, OTEL_EXPORTER_OTLP_HEADERS authenticates). Each app has its own provider rather
than the process-global one, so that tests can build many apps, each with its own exporter.
SQL spans carry the statement's text, never its parameters: values are always bound.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import NoOpTracer, SpanKind, Status, StatusCode, Tracer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.settings import Settings

STATEMENT_CHARS = 2_000  # a release's SQL is long; the start says which one it is
_SPAN = "_tablero_span"  # where a statement's span waits for its end, on its execution context


class Tracing:
    """The app's tracer, a no-op one when no exporter is configured."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self.provider = provider
        self.tracer: Tracer = provider.get_tracer("tablero") if provider else NoOpTracer()

    @classmethod
    def exporting_to(cls, exporter: SpanExporter, processor: Any = BatchSpanProcessor) -> Tracing:
        provider = TracerProvider(resource=Resource.create({"service.name": "tablero"}))
        provider.add_span_processor(processor(exporter))
        return cls(provider)

    @classmethod
    def from_settings(cls, settings: Settings) -> Tracing:
        if settings.otlp_endpoint is None:
            return cls()
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return cls.exporting_to(OTLPSpanExporter(endpoint=settings.otlp_endpoint))

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def watch_sql(self, bind: AsyncEngine | AsyncConnection) -> None:
        """A span per statement `bind` runs, a child of the operation that runs it."""
        if not self.enabled:
            return
        target: Any = bind.sync_engine if isinstance(bind, AsyncEngine) else bind.sync_connection
        event.listen(target, "before_cursor_execute", self._statement_starts)
        event.listen(target, "after_cursor_execute", self._statement_ends)
        if isinstance(bind, AsyncEngine):  # SQLAlchemy hears errors per engine only
            event.listen(target, "handle_error", self._statement_fails)

    def shutdown(self) -> None:
        """Send what is still batched."""
        if self.provider is not None:
            self.provider.shutdown()

    def _statement_starts(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        keyword = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = self.tracer.start_span(
            keyword,
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": "postgresql",
                "db.operation.name": keyword,
                "db.query.text": statement[:STATEMENT_CHARS],
            },
        )
        setattr(context, _SPAN, span)

    def _statement_ends(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        span = getattr(context, _SPAN, None)
        if span is not None:
            setattr(context, _SPAN, None)
            span.end()

    def _statement_fails(self, exception_context: Any) -> None:
        context = exception_context.execution_context
        span = getattr(context, _SPAN, None)
        if span is not None:
            setattr(context, _SPAN, None)
            error = exception_context.original_exception
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.end()
