"""Turning a request's credentials into a Viewer, or a 401 that says what is wrong.

People send `Authorization: Bearer <JWT>` (HS256 with the configured secret, or RS256/ES256
keys from a JWKS); partner systems send `X-Api-Key`. No credentials means anonymous.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from api.database import Database
from api.settings import Settings
from services.accounts import service as accounts
from services.text import unstorable
from services.viewer import ANONYMOUS, Viewer

ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"]
REQUIRED_CLAIMS = ["exp", "sub", "aud", "iss"]


class AuthenticationError(Exception):
    """The credentials were present but not acceptable; the message says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class TokenVerifier:
    """Checks signature, algorithm, expiry, issuer and audience of bearer tokens."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None

    async def subject(self, token: str) -> str:
        key: Any
        if self._jwks is not None:
            key, algorithms = await self._signing_key(token), ASYMMETRIC_ALGORITHMS
        else:
            key, algorithms = self._settings.signing_secret, ["HS256"]
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as e:
            raise AuthenticationError("the token has expired") from e
        except jwt.InvalidAudienceError as e:
            raise AuthenticationError(
                f"the token is not meant for this API (audience must be "
                f"'{self._settings.jwt_audience}')"
            ) from e
        except jwt.InvalidIssuerError as e:
            raise AuthenticationError(
                f"the token was not issued by '{self._settings.jwt_issuer}'"
            ) from e
        except jwt.InvalidAlgorithmError as e:
            raise AuthenticationError(
                f"the token's algorithm is not accepted (use {', '.join(algorithms)})"
            ) from e
        except jwt.InvalidSignatureError as e:
            raise AuthenticationError("the token's signature is invalid") from e
        except jwt.MissingRequiredClaimError as e:
            raise AuthenticationError(f"the token has no '{e.claim}' claim") from e
        except jwt.InvalidTokenError as e:
            raise AuthenticationError(f"the token is malformed: {e}") from e
        return str(claims["sub"])

    async def _signing_key(self, token: str) -> Any:
        assert self._jwks is not None
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as e:
            raise AuthenticationError(f"the token is malformed: {e}") from e
        if header.get("alg") not in ASYMMETRIC_ALGORITHMS:
            raise AuthenticationError(
                f"the token's algorithm is not accepted (use {', '.join(ASYMMETRIC_ALGORITHMS)})"
            )
        try:
            # PyJWKClient fetches over blocking HTTP (and caches): keep it off the event loop.
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientError as e:
            raise AuthenticationError(f"the token's signing key is unknown: {e}") from e
        except jwt.InvalidTokenError as e:  # it reads the (unverified) payload too
            raise AuthenticationError(f"the token is malformed: {e}") from e
        # The PyJWK itself, not its raw key: decoding then insists that the token's algorithm
        # is the key's own, so an ES256 token naming an RSA key is an InvalidAlgorithmError
        # rather than a TypeError (a 500) deep inside PyJWT.
        return signing_key


def issue_token(settings: Settings, subject: str, *, ttl: timedelta | None = None) -> str:
    """A locally signed HS256 token, for development and the `tablero token` command."""
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + (ttl or timedelta(minutes=settings.token_ttl_minutes)),
    }
    return jwt.encode(claims, settings.signing_secret, algorithm="HS256")


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request says about who sends it, checked as far as can be without the
    database: a token's signature and claims, or an API key as sent. Neither: anonymous."""

    subject: str | None = None
    api_key: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.subject is None and self.api_key is None


async def read_credentials(request: Request, verifier: TokenVerifier) -> Credentials:
    """The request's credentials; raises AuthenticationError for unacceptable ones."""
    authorization = request.headers.get("authorization")
    api_key = request.headers.get("x-api-key")
    if authorization and api_key:
        raise AuthenticationError("send either a bearer token or an API key, not both")
    if api_key is not None:
        return Credentials(api_key=api_key.strip())
    if authorization is None:
        return Credentials()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
    subject = await verifier.subject(token.strip())
    if unstorable(subject):  # a signed NUL or lone surrogate names no account, and no query
        raise AuthenticationError("the token's subject is not a Tablero account")
    return Credentials(subject=subject)


async def viewer_of(credentials: Credentials, session: AsyncSession) -> Viewer:
    """Whom the credentials name, looked up in `session`: one statement, in whatever
    transaction the caller has (the request's own, for GraphQL)."""
    if credentials.api_key is not None:
        viewer = await accounts.viewer_for_api_key(session=session, secret=credentials.api_key)
        if viewer is None:
            raise AuthenticationError("the API key is unknown or revoked")
        return viewer
    if credentials.subject is None:
        return ANONYMOUS
    viewer = await accounts.viewer_for_subject(session=session, subject=credentials.subject)
    if viewer is None:
        raise AuthenticationError("the token's subject is not a Tablero account")
    return viewer


async def authenticate(request: Request, verifier: TokenVerifier, database: Database) -> Viewer:
    """The request's viewer, in a transaction of its own; raises AuthenticationError for
    unacceptable credentials (before asking the database anything)."""
    credentials = await read_credentials(request, verifier)
    if credentials.anonymous:
        return ANONYMOUS
    async with database.unit_of_work(ANONYMOUS) as session:
        return await viewer_of(credentials, session)
