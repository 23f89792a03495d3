"""Which web pages on other origins may call the API from a browser (CORS).

`TABLERO_CORS_ORIGINS` lists them, comma-separated: exact origins
(`https://dashboards.example.org`), `*` for a port or for one leading label of the host
(`http://localhost:*`, `https://*.preview.example.org`), or `*` alone for any page. In dev
the default is any port of localhost, 127.0.0.1 and [::1]; in prod it is none.

Credentials are never allowed: Tablero authenticates with headers a client's code sets
(`Authorization`, `X-Api-Key`), never with cookies, so a page on another origin can only
act with credentials its own code holds. That is also why compressed answers are safe from
BREACH (api/compression.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

DEV_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*")
# What a browser's script may send beyond the safelisted headers, and read of an answer.
ALLOWED_HEADERS = ("Authorization", "X-Api-Key", "Content-Type", "Accept-Language", "X-Request-Id")
EXPOSED_HEADERS = ("X-Request-Id", "Retry-After", "Content-Language")
METHODS = ("GET", "POST")
PREFLIGHT_CACHE_SECONDS = 600
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


class OriginError(ValueError):
    """A configured origin that is not one."""


_ORIGIN = re.compile(r"(https?)://(\[[0-9a-f:.]+\]|[a-z0-9*.-]+)(?::(\*|[0-9]{1,5}))?")


def origin_pattern(origin: str) -> str:
    """A regular expression for one configured origin: scheme, host and port, nothing else."""
    found = _ORIGIN.fullmatch(origin.strip().lower())
    if found is None:
        raise OriginError(
            f"{origin!r} is not an origin: write scheme://host[:port], e.g. https://app.example.org"
        )
    scheme, host, port = found.groups()
    if "*" in host and not (host.startswith("*.") and "*" not in host[1:]):
        raise OriginError(f"{origin!r}: * may stand only for the port or the host's first label")
    host_pattern = re.escape(host).replace(r"\*", _LABEL)
    port_pattern = {None: "", "*": r"(?::[0-9]{1,5})?"}.get(port, ":" + str(port))
    return f"{scheme}://{host_pattern}{port_pattern}"


def cors_middleware(origins: Sequence[str]) -> Middleware | None:
    """The CORS middleware for `origins`; None when no page on another origin may call."""
    if not origins:
        return None
    common = {
        "allow_methods": METHODS,
        "allow_headers": ALLOWED_HEADERS,
        "expose_headers": EXPOSED_HEADERS,
        "allow_credentials": False,
        "max_age": PREFLIGHT_CACHE_SECONDS,
    }
    if "*" in origins:
        return Middleware(CORSMiddleware, allow_origins=["*"], **common)
    pattern = "|".join(f"(?:{origin_pattern(o)})" for o in origins)
    return Middleware(CORSMiddleware, allow_origin_regex=pattern, **common)
