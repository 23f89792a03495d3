"""POST /graphql (and GET for queries; GraphiQL when enabled): one operation, one unit of work.

The request meets its limits in order: credentials (401), the client's rate limit (429),
the body (413, 400), the document it names (trusted-documents mode), then the schema's own
checks (parse, validation, depth, aliases, cost) before anything runs, a statement timeout
on every statement and a wall-clock limit on the whole. The transaction commits before the
response is sent and rolls back on any error, so a client never sees success for a write
that was lost; when the database cannot serve, the answer is a 503 to retry, never a 500.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import uuid4

import orjson
from graphql import GraphQLError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.auth import (
    AuthenticationError,
    Credentials,
    TokenVerifier,
    read_credentials,
    viewer_of,
)
from api.context import Context
from api.database import Database, declare_viewer
from api.documents import DocumentResolver
from api.loaders import Loaders
from api.observe import RequestRecord, record_of, viewer_kind
from api.operations import Operation, RequestError, bad_input, is_upload, read_operation
from api.rate_limit import ClientMeter, RateLimiter, client_of, rate_limited
from api.settings import Settings
from schema.error_codes import GraphQLErrorCode, error_body
from services.faults import is_unavailable
from services.imports.progress import ProgressBoard
from services.translations.languages import LanguagePreference, parse_accept_language
from services.viewer import ANONYMOUS, Viewer

logger = logging.getLogger("tablero.graphql")

RETRY_AFTER_SECONDS = 5  # what a 503 suggests: long enough for a restart, short for a blip
STATUS_OF_CODE = {
    GraphQLErrorCode.RATE_LIMITED.value: 429,
    GraphQLErrorCode.UNAVAILABLE.value: 503,
}


def unauthorized(message: str) -> RequestError:
    return RequestError(
        401,
        GraphQLErrorCode.UNAUTHENTICATED,
        message,
        headers={"WWW-Authenticate": 'Bearer realm="tablero"'},
    )


def unavailable(why: str = "the database cannot serve right now") -> RequestError:
    return RequestError(
        503,
        GraphQLErrorCode.UNAVAILABLE,
        f"{why}: retry in a few seconds",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "documentId" not in request.query_params
        and ("text/html" in accept or "*/*" in accept)
    )


class GraphQLEndpoint:
    def __init__(
        self,
        schema: Any,
        settings: Settings,
        database: Database,
        limiter: RateLimiter,
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.database = database
        self.limiter = limiter
        self.verifier = TokenVerifier(settings)
        self.documents = DocumentResolver(trusted_only=settings.trusted_documents)
        self.imports = ProgressBoard()  # importObservations' progress, this process's

    async def handle(self, request: Request) -> Response:
        if wants_ide(request):
            if not self.settings.graphiql:
                return RequestError(404, GraphQLErrorCode.NOT_FOUND, "GraphiQL is off").response()
            return HTMLResponse(get_graphql_ide_html("graphiql"))
        request_id = uuid4().hex
        record = record_of(request)  # for the access log, metrics and traces (api/observe.py)
        record.graphql = True
        meters: list[ClientMeter] = []  # the client's, once known: settled whatever happens
        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                response = await self._answer_request(request, request_id, meters)
        except TimeoutError:
            response = refused(record, unavailable("the request took longer than its time limit"))
        except RequestError as refusal:
            response = refused(record, refusal)
        except Exception as e:
            if not is_unavailable(e):
                raise
            response = refused(record, unavailable())
        for meter in meters:
            meter.settle()
        response.headers["X-Request-Id"] = request_id
        return response

    async def _answer_request(
        self, request: Request, request_id: str, meters: list[ClientMeter]
    ) -> Response:
        """Credentials first (a bad token never reaches the database), then, for an
        ordinary request, its body (bounded, and read before any connection is taken) and
        one transaction for the rest: its first statement learns who asks, the second
        tells PostgreSQL (declare_viewer). An upload is read only once its sender is known
        and within budget, and no connection waits while it arrives; with a read replica
        (api/replica.py) the sender is also known first, in a transaction on the primary, so
        that a query's session is still free to run on the replica."""
        credentials = await self._credentials(request)
        if is_upload(request) or self.database.identifies_apart:
            async with self.database.unit_of_work(ANONYMOUS) as session:
                viewer = await self._viewer(credentials, session)
            meter = self._metered(viewer, request, meters)
            operation = await self._read(request)
            async with self.database.session(viewer, request_id) as session:
                return await self._run(request, request_id, viewer, operation, meter, session)
        operation = await self._read(request)
        async with self.database.session(None, request_id) as session:
            viewer = await self._viewer(credentials, session)
            await declare_viewer(session, viewer)
            meter = self._metered(viewer, request, meters)
            return await self._run(request, request_id, viewer, operation, meter, session)

    async def _credentials(self, request: Request) -> Credentials:
        try:
            return await read_credentials(request, self.verifier)
        except AuthenticationError as e:
            raise unauthorized(e.message) from e

    async def _viewer(self, credentials: Credentials, session: AsyncSession) -> Viewer:
        try:
            return await viewer_of(credentials, session)
        except AuthenticationError as e:
            raise unauthorized(e.message) from e

    def _metered(self, viewer: Viewer, request: Request, meters: list[ClientMeter]) -> ClientMeter:
        """The client's meter, or a 429 when it has spent its budget."""
        record_of(request).viewer = viewer_kind(viewer)
        meter = self.limiter.meter(client_of(viewer, request))
        meters.append(meter)
        if refused := self.limiter.refusal(meter.client):
            raise rate_limited(refused)
        return meter

    async def _read(self, request: Request) -> Operation:
        return await read_operation(
            request,
            max_body_bytes=self.settings.max_body_bytes,
            max_upload_bytes=self.settings.max_upload_bytes,
        )

    async def _run(
        self,
        request: Request,
        request_id: str,
        viewer: Viewer,
        operation: Operation,
        meter: ClientMeter,
        session: AsyncSession,
    ) -> Response:
        """Run the operation in the request's transaction; commit only what is answered
        as done."""
        query = await self.documents.query_of(operation, viewer, session)
        context = Context(
            request_id=request_id,
            request=request,
            response=None,
            settings=self.settings,
            viewer=viewer,
            session=session,
            loaders=Loaders.build(
                session,
                viewer,
                LanguagePreference(parse_accept_language(request.headers.get("accept-language"))),
            ),
            meter=meter,
            imports=self.imports,
            operation=record_of(request).operation,
        )
        result = await self._execute(request, operation, query, context)
        context.operation.settle(result.errors, result.extensions)
        status, body, whole = self._answer(result)
        if result.errors or not whole:
            await session.rollback()
        else:
            await session.commit()
        return Response(
            body, status_code=status, media_type="application/json", headers=_retry(result)
        )

    async def _execute(
        self, request: Request, operation: Operation, query: str, context: Context
    ) -> ExecutionResult:
        allowed = {OperationType.QUERY}
        if request.method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            return await self.schema.execute(
                query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=operation.extensions,
            )
        except InvalidOperationTypeError as e:
            raise RequestError(
                405,
                GraphQLErrorCode.BAD_USER_INPUT,
                "mutations are sent with POST, never GET",
                headers={"Allow": "POST"},
            ) from e
        except CannotGetOperationTypeError as e:
            raise bad_input(e.as_http_error_reason()) from e
        except MissingQueryError as e:
            raise bad_input("send the operation as `query`") from e

    def _answer(self, result: ExecutionResult) -> tuple[int, bytes, bool]:
        """The status and JSON body of a result, and whether it is the whole result: too
        large an answer is refused instead (and what it wrote is rolled back)."""
        status = max(
            (STATUS_OF_CODE.get(_code_of(e), 200) for e in result.errors or ()), default=200
        )
        body = orjson.dumps(process_result(result))
        limit = self.settings.max_response_bytes
        if len(body) <= limit:
            return status, body, True
        refused = error_body(
            GraphQLErrorCode.COST_LIMIT,
            f"the answer would be {len(body)} bytes; the limit is {limit}: ask for less",
            bytes=len(body),
            limit=limit,
        )
        return 200, orjson.dumps({"data": None, **refused}), False


def _code_of(error: GraphQLError) -> str | None:
    return (error.extensions or {}).get("code")


def refused(record: RequestRecord, refusal: RequestError) -> Response:
    """The refusal's answer, its code recorded for the access log and metrics."""
    record.operation.error_codes = (refusal.code.value,)
    return refusal.response()


def _retry(result: ExecutionResult) -> dict[str, str]:
    for error in result.errors or ():
        if _code_of(error) == GraphQLErrorCode.RATE_LIMITED.value:
            return {"Retry-After": str((error.extensions or {}).get("retryAfter", 60))}
        if _code_of(error) == GraphQLErrorCode.UNAVAILABLE.value:
            return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return {}
