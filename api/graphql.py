"""POST /graphql (and GET for queries; GraphiQL when enabled): one operation, one unit of work.

The request meets its limits in order: credentials (401), the client's rate limit (429),
the body (413, 400), the document it names (trusted documents, persisted queries), then the
schema's own checks (parse, validation, depth, aliases, cost) before anything runs, a
statement timeout on every statement and a wall-clock limit on the whole. The transaction
commits before the response is sent and rolls back on any error, so a client never sees
success for a write that was lost; when the database cannot serve, the answer is a 503 to
retry, never a 500. api/answers.py turns the result into the answer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.answers import RETRY_AFTER_SECONDS, answer_of, is_request_error
from api.auth import AuthenticationError, TokenVerifier, authenticate
from api.context import Context
from api.database import Database
from api.documents import DocumentResolver, Resolved
from api.graphiql import graphiql_page, wants_graphiql
from api.loaders import Loaders
from api.media import answer_media_type
from api.operations import Operation, RequestError, bad_input, read_operation
from api.rate_limit import ClientMeter, RateLimiter, client_of, rate_limited
from api.request_id import request_id_of
from api.settings import Settings
from schema.error_codes import GraphQLErrorCode
from services.faults import is_unavailable
from services.imports.progress import ProgressBoard
from services.translations.languages import LanguagePreference, parse_accept_language
from services.viewer import Viewer

logger = logging.getLogger("tablero.graphql")

PERSIST_COST = 10  # storing a client's document is a write, charged as a mutation is


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
        self.documents = DocumentResolver(
            trusted_only=settings.trusted_documents,
            keep_persisted=settings.max_persisted_queries,
        )
        self.imports = ProgressBoard()  # importObservations' progress, this process's

    async def handle(self, request: Request) -> Response:
        media_type = answer_media_type(request.headers.get("accept"))
        if wants_graphiql(request):
            if not self.settings.graphiql:
                refusal = RequestError(404, GraphQLErrorCode.NOT_FOUND, "GraphiQL is off")
                return refusal.response(media_type)
            return graphiql_page()
        # api/request_id.py chose it; an app without that middleware still gets one
        request_id = request.scope.get("state", {}).get("request_id") or request_id_of(None)
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
            response = await self._run(request, request_id, viewer, operation, meter, media_type)
        except RequestError as refusal:
            response = refusal.response(media_type)
        if meter is not None:
            meter.settle()
        response.headers["X-Request-Id"] = request_id
        return response

    async def _viewer(self, request: Request) -> Viewer:
        try:
            return await authenticate(request, self.verifier, self.database)
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
        media_type: str,
    ) -> Response:
        """Run the operation in one transaction; commit only what is answered as done."""
        session = self.database.session(viewer, request_id)
        try:
            async with session, asyncio.timeout(self.settings.request_timeout_seconds):
                document = await self.documents.resolve(operation, viewer, session)
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
                result = await self._execute(request, operation, document.text, context)
                answer = answer_of(
                    result,
                    media_type=media_type,
                    max_bytes=self.settings.max_response_bytes,
                    mutation=context.operation_type is OperationType.MUTATION,
                    languages=context.languages.answered(),
                )
                if result.errors or not answer.whole:
                    await session.rollback()
                else:
                    await session.commit()
            await self._persist(document, result, viewer, meter)
            return Response(
                answer.body,
                status_code=answer.status,
                media_type=media_type,
                headers=answer.headers,
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

    async def _persist(
        self, document: Resolved, result: ExecutionResult, viewer: Viewer, meter: ClientMeter
    ) -> None:
        """Store an automatic persisted query once it proved to be a document this schema
        runs (field errors do not count against it), in a transaction of its own."""
        if document.persist_as is None or is_request_error(result):
            return
        async with self.database.unit_of_work(viewer) as session:
            await self.documents.persist(session, document.persist_as, document.text)
        meter.debit(PERSIST_COST)
