"""GET /templates/<id>.csv|.xlsx and GET /export/observations/<id>.csv|.xlsx.

`<id>` is a Measure's or an Indicator's global id. A template holds the columns a file for
that subject needs (the .xlsx adds a sheet explaining each, with the categories of each
dimension); an export holds the subject's current observations the viewer may read, in the
same columns, so that it imports back unchanged. Whoever may read the subject may have
both (anonymous too, for public ones); an unknown or hidden subject is a 404 alike.
Authentication and the unit of work are /graphql's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.auth import AuthenticationError, TokenVerifier, authenticate
from api.database import Database
from api.graphql import unauthorized, unavailable
from api.operations import RequestError
from schema.error_codes import GraphQLErrorCode
from schema.observations.mutations import subject_ids
from services.errors import DomainError, ErrorCode
from services.faults import is_unavailable
from services.imports import sheets
from services.imports.files import as_csv, as_xlsx
from services.imports.sheets import Spreadsheet
from services.spreadsheets.dialect import filename
from services.viewer import Scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Read = Callable[..., Awaitable[Spreadsheet]]


class ObservationFiles:
    """The two routes' handlers; they share /graphql's token verifier."""

    def __init__(self, database: Database, verifier: TokenVerifier) -> None:
        self.database = database
        self.verifier = verifier

    async def template(self, request: Request) -> Response:
        return await self._answer(request, sheets.template, "template")

    async def export(self, request: Request) -> Response:
        return await self._answer(request, sheets.export, "observations")

    async def _answer(self, request: Request, read: Read, suffix: str) -> Response:
        try:
            return await self._sheet(request, read, suffix)
        except Exception as e:  # a database that cannot serve is a 503 to retry, not a 500
            if is_unavailable(e):
                return unavailable().response()
            raise

    async def _sheet(self, request: Request, read: Read, suffix: str) -> Response:
        try:
            viewer = await authenticate(request, self.verifier, self.database)
        except AuthenticationError as e:
            return unauthorized(e.message).response()
        if not viewer.may(Scope.READ):
            message = f"this API key does not hold the `{Scope.READ.value}` scope"
            return RequestError(403, GraphQLErrorCode.FORBIDDEN, message).response()
        global_id, _, extension = request.path_params["file"].rpartition(".")
        if extension not in ("csv", "xlsx"):
            return not_found("ask for <id>.csv or <id>.xlsx")
        try:
            async with self.database.unit_of_work(viewer) as session:
                sheet = await read(session=session, viewer=viewer, **subject_ids(global_id))
        except DomainError as e:
            if any(p.code is ErrorCode.NOT_FOUND for p in e.problems):
                return not_found("no measure or indicator with this id")
            raise
        headers = {
            "Content-Disposition": f'attachment; filename="{filename(sheet.name, suffix)}.'
            f'{extension}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        if extension == "csv":
            return StreamingResponse(
                as_csv(sheet), media_type="text/csv; charset=utf-8", headers=headers
            )
        body = await asyncio.to_thread(as_xlsx, sheet)
        return Response(body, media_type=XLSX, headers=headers)


def not_found(message: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": "NOT_FOUND"}}]}
    return JSONResponse(body, status_code=404, headers={"Cache-Control": "no-store"})
