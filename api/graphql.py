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

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.answers import RETRY_AFTER_SECONDS, answer_of, is_request_error
from api.auth import (
    NOT_AN_ACCOUNT,
    AuthenticationError,
    Credentials,
    TokenVerifier,
    newcomer_may_run,
    read_credentials,
    viewer_of,
)
from api.context import Context
from api.database import Database, declare_viewer
from api.documents import DocumentResolver, Resolved
from api.graphiql import graphiql_page, wants_graphiql
from api.loaders import Loaders
from api.media import answer_media_type
from api.observe import RequestRecord, record_of, viewer_kind
from api.operations import Operation, RequestError, bad_input, is_upload, read_operation
from api.rate_limit import ClientMeter, RateLimiter, client_of, rate_limited
from api.request_id import request_id_of
from api.settings import Settings
from schema.error_codes import GraphQLErrorCode
from services.faults import is_unavailable
from services.imports.progress import ProgressBoard
from services.translations.languages import LanguagePreference, parse_accept_language
from services.viewer import ANONYMOUS, Viewer

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
        record = record_of(request)  # for the access log, metrics and traces (api/observe.py)
        record.graphql = True
        meters: list[ClientMeter] = []  # the client's, once known: settled whatever happens
        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                response = await self._answer_request(request, request_id, media_type, meters)
        except TimeoutError:
            late = unavailable("the request took longer than its time limit")
            response = refused(record, late, media_type)
        except RequestError as refusal:
            response = refused(record, refusal, media_type)
        except Exception as e:
            if not is_unavailable(e):
                raise
            response = refused(record, unavailable(), media_type)
        for meter in meters:
            meter.settle()
        response.headers["X-Request-Id"] = request_id
        return response

    async def _answer_request(
        self, request: Request, request_id: str, media_type: str, meters: list[ClientMeter]
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
                return await self._run(
                    request, request_id, viewer, operation, meter, session, media_type
                )
        operation = await self._read(request)
        async with self.database.session(None, request_id) as session:
            viewer = await self._viewer(credentials, session)
            await declare_viewer(session, viewer)
            meter = self._metered(viewer, request, meters)
            return await self._run(
                request, request_id, viewer, operation, meter, session, media_type
            )

    async def _credentials(self, request: Request) -> Credentials:
        try:
            return await read_credentials(request, self.verifier)
        except AuthenticationError as e:
            raise unauthorized(e.message) from e

    async def _viewer(self, credentials: Credentials, session: AsyncSession) -> Viewer:
        try:
            return await viewer_of(credentials, session, newcomers=True)
        except AuthenticationError as e:
            raise unauthorized(e.message) from e

    def _metered(self, viewer: Viewer, request: Request, meters: list[ClientMeter]) -> ClientMeter:
        """The client's meter, or a 429 when it has spent its budget."""
        record_of(request).viewer = viewer_kind(viewer)
        meter = self.limiter.meter(client_of(viewer, request))
        meters.append(meter)
        if overspent := self.limiter.refusal(meter.client):
            raise rate_limited(overspent)
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
        media_type: str,
    ) -> Response:
        """Run the operation in the request's transaction; commit only what is answered
        as done."""
        document = await self.documents.resolve(operation, viewer, session)
        if viewer.is_newcomer and not newcomer_may_run(document.text, operation.operation_name):
            raise unauthorized(NOT_AN_ACCOUNT)  # an invitation brings an account first
        context = Context(
            request_id=request_id,
            request=request,
            response=None,
            settings=self.settings,
            viewer=viewer,
            session=session,
            loaders=Loaders(
                session,
                viewer,
                LanguagePreference(parse_accept_language(request.headers.get("accept-language"))),
            ),
            meter=meter,
            imports=self.imports,
            operation=record_of(request).operation,
        )
        result = await self._execute(request, operation, document.text, context)
        context.operation.settle(result.errors, result.extensions)
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
            answer.body, status_code=answer.status, media_type=media_type, headers=answer.headers
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


def refused(record: RequestRecord, refusal: RequestError, media_type: str) -> Response:
    """The refusal's answer, its code recorded for the access log and metrics."""
    record.operation.error_codes = (refusal.code.value,)
    return refusal.response(media_type)
