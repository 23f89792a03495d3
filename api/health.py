"""Liveness and readiness: /healthz says the process is up, /readyz that it can serve."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.database import Database
from api.migrate import current_revision


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


class Readiness:
    """Ready when the database answers and its schema is at the migrations' head."""

    def __init__(self, database: Database, head: str) -> None:
        self.database = database
        self.head = head

    async def handle(self, request: Request) -> JSONResponse:
        try:
            async with self.database.connection() as conn:
                revision = await current_revision(conn)
        except Exception as e:  # any failure to reach the database means not ready
            return JSONResponse(
                {"status": "unavailable", "reason": f"database unreachable: {type(e).__name__}"},
                status_code=503,
            )
        if revision != self.head:
            reason = (
                "database is not migrated"
                if revision is None
                else (f"database is at revision {revision}, expected {self.head}")
            )
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready", "revision": revision})
