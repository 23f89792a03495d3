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
import json
import logging
from typing import Any
from uuid import uuid4

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.auth import (
    NOT_AN_ACCOUNT,
    AuthenticationError,
    TokenVerifier,
    authenticate,
    newcomer_may_run,
)
from api.context import Context
from api.database import Database
from api.documents import DocumentResolver
from api.loaders import Loaders
from api.operations import Operation, RequestError, bad_input, read_operation
from api.rate_limit import ClientMeter, RateLimiter, client_of, rate_limited
from api.settings import Settings
from schema.error_codes import GraphQLErrorCode, error_body
from services.faults import is_unavailable
from services.imports.progress import ProgressBoard
from services.translations.languages import LanguagePreference, parse_accept_language
from services.viewer import Viewer

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
        meter: ClientMeter | None = None
        try:
            viewer = await self._viewer(request)
            meter = self.limiter.meter(client_of(viewer, request))
            if refused := self.limiter.refusal(meter.client):
                raise rate_limited(refused)
            operation = await read_operation(
                request,
                max_body_bytes=self.settings.max_body_bytes,
                max_upload_bytes=self.settings.max_upload_bytes,
            )
            response = await self._run(request, request_id, viewer, operation, meter)
        except RequestError as refusal:
            response = refusal.response()
        if meter is not None:
            meter.settle()
        response.headers["X-Request-Id"] = request_id
        return response

    async def _viewer(self, request: Request) -> Viewer:
        try:
            return await authenticate(request, self.verifier, self.database, newcomers=True)
        except AuthenticationError as e:
            raise unauthorized(e.message) from e
        except Exception as e:
            if is_unavailable(e):
                raise unavailable() from e
            raise

    async def _run(
        self,
        request: Request,
        request_id: str,
        viewer: Viewer,
        operation: Operation,
        meter: ClientMeter,
    ) -> Response:
        """Run the operation in one transaction; commit only what is answered as done."""
        session = self.database.session(viewer, request_id)
        try:
            async with session, asyncio.timeout(self.settings.request_timeout_seconds):
                query = await self.documents.query_of(operation, viewer, session)
                if viewer.is_newcomer and not newcomer_may_run(query, operation.operation_name):
                    raise unauthorized(NOT_AN_ACCOUNT)  # an invitation brings an account first
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
                        LanguagePreference(
                            parse_accept_language(request.headers.get("accept-language"))
                        ),
                    ),
                    meter=meter,
                    imports=self.imports,
                )
                result = await self._execute(request, operation, query, context)
                status, body, whole = self._answer(result)
                if result.errors or not whole:
                    await session.rollback()
                else:
                    await session.commit()
                return Response(
                    body, status_code=status, media_type="application/json", headers=_retry(result)
                )
        except TimeoutError as e:
            raise unavailable("the request took longer than its time limit") from e
        except RequestError:
            raise
        except Exception as e:
            if is_unavailable(e):
                raise unavailable() from e
            raise

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
        body = json.dumps(process_result(result), separators=(",", ":")).encode()
        limit = self.settings.max_response_bytes
        if len(body) <= limit:
            return status, body, True
        refused = error_body(
            GraphQLErrorCode.COST_LIMIT,
            f"the answer would be {len(body)} bytes; the limit is {limit}: ask for less",
            bytes=len(body),
            limit=limit,
        )
        return 200, json.dumps({"data": None, **refused}, separators=(",", ":")).encode(), False


def _code_of(error: GraphQLError) -> str | None:
    return (error.extensions or {}).get("code")


def _retry(result: ExecutionResult) -> dict[str, str]:
    for error in result.errors or ():
        if _code_of(error) == GraphQLErrorCode.RATE_LIMITED.value:
            return {"Retry-After": str((error.extensions or {}).get("retryAfter", 60))}
        if _code_of(error) == GraphQLErrorCode.UNAVAILABLE.value:
            return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return {}
