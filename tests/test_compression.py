"""Answers of 1 KiB or more are compressed as the client accepts; a mutation's never is."""

from __future__ import annotations

import gzip

import brotli
import httpx
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from api.compression import CompressionMiddleware, chosen_encoding
from services.viewer import Role
from tests.factories import bearer, make_collaborative, make_member, make_partner

BIG = "{ __schema { types { name kind } } }"  # several kB of JSON


def test_the_client_chooses_the_encoding_by_q_value() -> None:
    assert chosen_encoding("gzip, deflate, br, zstd") == "br"  # a browser
    assert chosen_encoding("gzip") == "gzip"
    assert chosen_encoding("br;q=0.5, gzip") == "gzip"
    assert chosen_encoding("br;q=0, gzip;q=0") is None
    assert chosen_encoding("*") == "br"
    assert chosen_encoding("") is None


async def test_a_large_answer_is_compressed_with_brotli_or_gzip(client) -> None:
    for encoding in ("br", "gzip"):
        response = await client.post(
            "/graphql", json={"query": BIG}, headers={"accept-encoding": encoding}
        )
        assert response.headers["content-encoding"] == encoding
        assert "Accept-Encoding" in response.headers["vary"]
        assert response.json()["data"]["__schema"]["types"]  # httpx decoded it
        # what travelled is a fraction of what it says
        assert int(response.headers["content-length"]) < len(response.content) / 3


async def test_a_streamed_answer_decodes_to_what_was_streamed() -> None:
    # given an app streaming a CSV in chunks (as the exports do), behind the middleware
    rows = [f"2025-Q{i % 4 + 1},latino,{i}\n".encode() for i in range(2000)]

    async def export(request):
        async def chunks():
            for start in range(0, len(rows), 100):
                yield b"".join(rows[start : start + 100])

        return StreamingResponse(chunks(), media_type="text/csv")

    app = CompressionMiddleware(Starlette(routes=[Route("/export", export)]))
    seen = {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            async with client.stream(
                "GET", "/export", headers={"accept-encoding": encoding}
            ) as response:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            seen[encoding] = (response.headers["content-encoding"], decode(raw))
    # then
    assert seen == {"br": ("br", b"".join(rows)), "gzip": ("gzip", b"".join(rows))}


async def test_a_small_answer_and_an_identity_client_get_it_as_is(client) -> None:
    small = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept-encoding": "gzip, br"}
    )
    plain = await client.post(
        "/graphql", json={"query": BIG}, headers={"accept-encoding": "identity"}
    )
    assert "content-encoding" not in small.headers
    assert "content-encoding" not in plain.headers


async def test_a_mutations_answer_is_never_compressed_nor_stored(client, session, settings) -> None:
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative)
    account = await make_member(session, collaborative, Role.BACKBONE, backbone)
    fields = " ".join(
        f'a{i}: updateCollaborative(input: {{id: "x{i}"}}) {{ userErrors {{ code message }} }}'
        for i in range(14)
    )
    response = await client.post(
        "/graphql",
        json={"query": f"mutation {{ {fields} }}"},
        headers={"accept-encoding": "gzip, br", **bearer(settings, account)},
    )
    assert len(response.content) > 1024
    assert "content-encoding" not in response.headers
    assert response.headers["cache-control"] == "no-store, no-transform"
