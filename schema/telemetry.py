"""What a GraphQL operation was, for the API's logs, metrics and traces.

The record holds the operation's name and type, its cost and its error codes: never its
variables, its document or its answer, which may hold personal data. The extension names
the operation once its document is parsed and spans it, so that the SQL statements it runs
nest inside in a trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, get_operation_ast
from opentelemetry.trace import NoOpTracer, Span, Tracer
from strawberry.extensions import SchemaExtension


@dataclass
class OperationRecord:
    """Filled in as the request runs; the API reads it once the answer is sent."""

    tracer: Tracer = field(default_factory=NoOpTracer)
    name: str | None = None  # as the document names it; client-chosen, so bound its use
    type: str | None = None  # query or mutation; None when the document did not parse
    cost: int | None = None
    error_codes: tuple[str, ...] = ()

    def settle(self, errors: list[GraphQLError] | None, extensions: dict[str, Any] | None) -> None:
        """Keep the cost the limits reported and the code of every error answered."""
        cost = (extensions or {}).get("cost", {}).get("requested")
        self.cost = cost if isinstance(cost, int) else None
        self.error_codes = tuple(
            str((error.extensions or {}).get("code", "INTERNAL")) for error in errors or ()
        )


class OperationTelemetry(SchemaExtension):
    """Names the request's operation in its record and spans it."""

    def on_operation(self) -> Iterator[None]:
        record: OperationRecord | None = getattr(self.execution_context.context, "operation", None)
        if record is None:
            yield
            return
        with record.tracer.start_as_current_span("graphql.operation") as span:
            yield
            self._identify(record, span)

    def _identify(self, record: OperationRecord, span: Span) -> None:
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:
            return
        record.type = operation.operation.value
        record.name = operation.name.value if operation.name else None
        span.update_name(f"{record.type} {record.name}" if record.name else record.type)
        span.set_attribute("graphql.operation.type", record.type)
        if record.name:
            span.set_attribute("graphql.operation.name", record.name)
