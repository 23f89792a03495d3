"""POST /graphql (GraphiQL on GET): authenticate, run the operation in one unit of work.

The transaction commits before the response is sent, and rolls back if the operation
raised anything unexpected, so a client never sees success for a write that was lost.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from cross_web import HTTPException  # what strawberry's views raise for bad HTTP requests
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from api.auth import AuthenticationError, TokenVerifier, authenticate
from api.context import Context
from api.database import Database
from api.loaders import Loaders
from api.settings import Settings
from services.imports.progress import ProgressBoard
from services.translations.languages import LanguagePreference, parse_accept_language


class _View(GraphQL[Context, None]):
    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:  # type: ignore[override]
        if result.errors:
            request.state.graphql_failed = True
        return await super().process_result(request, result)


def unauthorized(message: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return JSONResponse(
        body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="tablero"'}
    )


class GraphQLEndpoint:
    def __init__(self, schema: Any, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.verifier = TokenVerifier(settings)
        self.imports = ProgressBoard()
        # Uploads (importObservations) come as multipart requests. Credentials are headers,
        # never cookies, so a cross-site form post arrives anonymous and can import nothing.
        self.view = _View(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            multipart_uploads_enabled=True,
        )

    async def handle(self, request: Request) -> Response:
        try:
            viewer = await authenticate(request, self.verifier, self.database)
        except AuthenticationError as e:
            return unauthorized(e.message)
        request_id = uuid4().hex
        languages = LanguagePreference(
            parse_accept_language(request.headers.get("accept-language"))
        )
        async with self.database.session(viewer, request_id) as session:
            context = Context(
                request_id=request_id,
                request=request,
                response=None,
                settings=self.settings,
                viewer=viewer,
                session=session,
                loaders=Loaders.build(session, viewer, languages),
                imports=self.imports,
            )
            try:
                response = await self.view.run(request, context=context)
            except HTTPException as e:
                await session.rollback()
                return PlainTextResponse(e.reason, status_code=e.status_code)
            if getattr(request.state, "graphql_failed", False):
                await session.rollback()
            else:
                await session.commit()
            response.headers["X-Request-Id"] = context.request_id
            return response
