"""Answers of 1 KiB or more leave compressed: brotli when the client takes it, else gzip.

Aggregates, series and lists are repetitive JSON (a 15 kB aggregate is about 1.3 kB gzipped).
Brotli at a middle quality compresses a little better than gzip for about the same time.

BREACH: an attacker who can make a victim's browser send authenticated requests carrying
text of the attacker's choosing, and who can watch the compressed sizes of the answers, can
guess a secret that repeats in them byte by byte. Tablero does not give that opening:
credentials are never ambient (no cookies; a bearer token or an API key is set by the
client's own code, and CORS never allows credentials), so a page on another site can only
ever measure answers to its own credentials. As a second fence, an answer marked
`Cache-Control: no-transform` (every mutation's: where issued secrets appear) is never
compressed. Adding cookie authentication would reopen the question.
"""

from __future__ import annotations

import brotli
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.media import q_values

MINIMUM_BYTES = 1024
GZIP_LEVEL = 6  # zlib's default: nearly level 9's size at a third of its time
BROTLI_QUALITY = 5  # brotli's 11 is for static files; 5 beats gzip -6 at about its speed


def chosen_encoding(header: str) -> str | None:
    """`br`, `gzip` or None (the answer as it is), as the client prefers."""
    accepted = q_values(header)  # content codings and their q-values
    wildcard = accepted.get("*", 0.0)
    ranked = [(accepted.get(c, wildcard), c) for c in ("br", "gzip")]
    q, coding = max(ranked, key=lambda item: item[0])  # br first on a tie
    return coding if q > 0 else None


class _LeavesNoTransform(IdentityResponder):
    """Passes an answer marked `Cache-Control: no-transform` through untouched."""

    untouched = False

    async def send_with_compression(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            cache_control = Headers(raw=message.get("headers", [])).get("cache-control", "")
            self.untouched = "no-transform" in cache_control.lower()
        if self.untouched:
            await self.send(message)
        else:
            await super().send_with_compression(message)


class _Gzip(_LeavesNoTransform, GZipResponder):
    pass


class _Brotli(_LeavesNoTransform):
    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        super().__init__(app, minimum_size)
        self._compressor: brotli.Compressor | None = None

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if self._compressor is None:
            self._compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        out = self._compressor.process(body)
        return out + (self._compressor.flush() if more_body else self._compressor.finish())


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_BYTES) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        coding = chosen_encoding(Headers(scope=scope).get("accept-encoding", ""))
        responder: IdentityResponder
        if coding == "br":
            responder = _Brotli(self.app, self.minimum_size)
        elif coding == "gzip":
            responder = _Gzip(self.app, self.minimum_size, compresslevel=GZIP_LEVEL)
        else:  # still says Vary: Accept-Encoding on answers that could have been compressed
            responder = IdentityResponder(self.app, self.minimum_size)
        await responder(scope, receive, send)
