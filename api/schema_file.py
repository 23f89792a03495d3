"""GET /schema.graphql: the schema in SDL, for code generators (Relay's compiler, GraphQL
Code Generator, gql.tada) pointed at a running server. It tells what introspection tells,
so it is served only where introspection is on (dev, or TABLERO_INTROSPECTION=true).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse


class SchemaFile:
    def __init__(self, sdl: str) -> None:
        self.sdl = sdl.strip() + "\n"

    async def handle(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(self.sdl, media_type="application/graphql; charset=utf-8")
