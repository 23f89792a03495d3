"""An identity provider's signing keys, fetched over HTTP(S) and kept in memory.

With an OpenID Connect issuer, its discovery document names the JWKS (and must name the
issuer exactly, as OpenID Connect Discovery 1.0 requires). Keys are kept for `max_age`
seconds; a token naming a key we do not hold refreshes them at once, so a provider's key
rotation is picked up without a restart, but at most once every `min_refresh` seconds
(TABLERO_JWKS_REFRESH_SECONDS): a stream of tokens with made-up key ids cannot turn us into
a flood against the provider.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

DISCOVERY_PATH = "/.well-known/openid-configuration"


class KeysUnavailableError(Exception):
    """The provider's keys (or its discovery document) could not be fetched or read."""


class UnknownKeyError(Exception):
    """The provider publishes no key with this id, even after a refresh."""


def check_fetchable(url: str, what: str) -> str:
    """`url` if it is http(s); keys are fetched over the network only."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{what} must be an http or https URL, not {url!r}")
    return url


class KeySet:
    def __init__(
        self,
        *,
        jwks_url: str | None = None,
        issuer: str | None = None,
        max_age: float = 600,
        min_refresh: float = 5,
        timeout: float = 5,
    ) -> None:
        if (jwks_url is None) == (issuer is None):
            raise ValueError("give either a JWKS URL or an OpenID Connect issuer")
        self._jwks_url = check_fetchable(jwks_url, "the JWKS URL") if jwks_url else None
        self._issuer = check_fetchable(issuer, "the OpenID Connect issuer") if issuer else None
        self._max_age = max_age
        self._min_refresh = min_refresh
        self._timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        """The published key `kid`, refreshing the keys when it is new to us or they are old."""
        now = time.monotonic()
        stale = now - self._fetched_at > self._max_age
        if kid not in self._keys or stale:
            async with self._lock:  # one fetch for every request waiting on the same keys
                now = time.monotonic()
                if now - self._fetched_at > self._max_age or (
                    kid not in self._keys and now - self._fetched_at >= self._min_refresh
                ):
                    await self._refresh()
        if kid not in self._keys:
            raise UnknownKeyError(f"no published key has the id {kid!r}")
        return self._keys[kid]

    async def _refresh(self) -> None:
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            url = self._jwks_url or await self._discover(client)
            document = await _json(client, url, "JWKS")
        try:
            keys = jwt.PyJWKSet.from_dict(document).keys
        except jwt.PyJWTError as e:
            raise KeysUnavailableError(f"the JWKS at {url} has no usable key: {e}") from e
        self._keys = {k.key_id: k for k in keys if k.key_id and k.public_key_use in (None, "sig")}
        self._fetched_at = time.monotonic()

    async def _discover(self, client: httpx.AsyncClient) -> str:
        assert self._issuer is not None
        url = self._issuer.rstrip("/") + DISCOVERY_PATH
        document = await _json(client, url, "discovery document")
        if document.get("issuer") != self._issuer:
            raise KeysUnavailableError(
                f"the discovery document at {url} names the issuer "
                f"{document.get('issuer')!r}, not {self._issuer!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise KeysUnavailableError(f"the discovery document at {url} names no jwks_uri")
        try:
            return check_fetchable(jwks_uri, "jwks_uri")
        except ValueError as e:
            raise KeysUnavailableError(str(e)) from e


async def _json(client: httpx.AsyncClient, url: str, what: str) -> dict[str, Any]:
    try:
        response = await client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as e:
        raise KeysUnavailableError(f"the {what} at {url} could not be read: {e}") from e
    if not isinstance(document, dict):
        raise KeysUnavailableError(f"the {what} at {url} is not a JSON object")
    return document
