"""Traces: the HTTP request, the GraphQL operation inside it and the SQL statements inside
that, continuing the caller's trace, with no value a client sent in any attribute."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.database import Database
from api.settings import Settings
from api.tracing import Tracing
from tests.factories import make_collaborative

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
SECRET_SLUG = "jane.doe@example.org"
QUERY = "query Readiness($slug: String!) { collaborative(slug: $slug) { name } }"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced(
    settings: Settings, database: Database, connection: AsyncConnection, session, exporter
) -> AsyncIterator[httpx.AsyncClient]:
    async def back_to_owner(response: httpx.Response) -> None:
        await connection.exec_driver_sql("RESET ROLE")

    await session.flush()
    tracing = Tracing.exporting_to(exporter, SimpleSpanProcessor)
    app = create_app(settings, database=database, tracing=tracing)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        event_hooks={"response": [back_to_owner]},
    ) as client:
        yield client


def one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (found,) = [span for span in spans if span.name == name]
    return found


async def test_a_request_traces_its_operation_and_each_sql_statement_within_the_callers_trace(
    traced, session, exporter
) -> None:
    # given
    collaborative = await make_collaborative(session)
    traceparent = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
    # when
    response = await traced.post(
        "/graphql",
        json={"query": QUERY, "variables": {"slug": collaborative.slug}},
        headers={"traceparent": traceparent},
    )
    # then
    assert response.status_code == 200
    spans = list(exporter.get_finished_spans())
    http = one(spans, "POST /graphql")
    operation = one(spans, "query Readiness")
    sql = [  # the test's own statements on its connection are traces of their own
        span
        for span in spans
        if span.attributes.get("db.system.name") == "postgresql"
        and span.context.trace_id == http.context.trace_id
    ]
    assert http.kind is SpanKind.SERVER
    assert format(http.context.trace_id, "032x") == TRACE_ID  # the caller's trace goes on
    assert format(http.parent.span_id, "016x") == CALLER_SPAN
    assert http.attributes["http.route"] == "/graphql"
    assert http.attributes["http.response.status_code"] == 200
    assert operation.parent.span_id == http.context.span_id
    assert operation.attributes["graphql.operation.type"] == "query"
    assert all(span.kind is SpanKind.CLIENT for span in sql)
    # the operation's statements nest in it; the commit closes the request
    reads = [span for span in sql if "FROM collaborative" in span.attributes["db.query.text"]]
    assert reads, "no SQL span for the operation's read"
    assert all(span.parent.span_id == operation.context.span_id for span in reads)
    assert {span.parent.span_id for span in sql} <= {
        http.context.span_id,
        operation.context.span_id,
    }


async def test_no_value_a_client_sent_reaches_a_span(traced, exporter) -> None:
    await traced.post("/graphql", json={"query": QUERY, "variables": {"slug": SECRET_SLUG}})
    spans = list(exporter.get_finished_spans())
    assert len(spans) >= 3
    for span in spans:
        assert SECRET_SLUG not in repr(dict(span.attributes or {}))
        assert SECRET_SLUG not in span.name


def test_tracing_is_off_without_an_exporter(settings: Settings) -> None:
    assert not Tracing.from_settings(settings).enabled
    configured = settings.model_copy(update={"otlp_endpoint": "http://127.0.0.1:4318/v1/traces"})
    tracing = Tracing.from_settings(configured)
    try:
        assert tracing.enabled
    finally:
        tracing.shutdown()
