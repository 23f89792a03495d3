"""Turning a request's credentials into a Viewer, or a 401 that says what is wrong.

People send `Authorization: Bearer <JWT>`: HS256 with the configured secret, or RS256/ES256
signed by an identity provider whose keys come from a JWKS (`TABLERO_JWKS_URL`) or from an
OpenID Connect issuer's discovery document (`TABLERO_OIDC_ISSUER`). Partner systems send
`X-Api-Key`. No credentials means anonymous. A verified token whose subject has no account
yet is a newcomer, who may only redeem an invitation (the GraphQL endpoint's choice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from api.database import Database
from api.jwks import KeySet, KeysUnavailableError, UnknownKeyError
from api.settings import Settings
from services.accounts import service as accounts
from services.invitations.emails import vouched_email
from services.text import unstorable
from services.viewer import ANONYMOUS, Identity, Viewer

ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"]
REQUIRED_CLAIMS = ["exp", "sub", "aud", "iss"]


class AuthenticationError(Exception):
    """The credentials were present but not acceptable; the message says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


NOT_AN_ACCOUNT = "the token's subject is not a Tablero account"


class TokenVerifier:
    """Checks signature, algorithm, expiry, issuer and audience of bearer tokens."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks: KeySet | None = None
        refresh = settings.jwks_refresh_seconds
        if settings.oidc_issuer:
            self._jwks = KeySet(issuer=settings.oidc_issuer, min_refresh=refresh)
        elif settings.jwks_url:
            self._jwks = KeySet(jwks_url=settings.jwks_url, min_refresh=refresh)

    async def identity(self, token: str) -> Identity:
        """Who a valid token names: its subject, and its address if the provider vouches."""
        claims = await self._claims(token)
        name = claims.get("name") or claims.get("preferred_username")
        return Identity(
            subject=str(claims["sub"]),
            email=vouched_email(claims),
            name=name.strip()[:200] if isinstance(name, str) and name.strip() else None,
        )

    async def _claims(self, token: str) -> dict[str, Any]:
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
                issuer=self._settings.token_issuer,
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
                f"the token was not issued by '{self._settings.token_issuer}'"
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
        return claims

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
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("the token's signing key is unknown: it names no key (kid)")
        try:
            signing_key = await self._jwks.key(kid)
        except UnknownKeyError as e:
            raise AuthenticationError(f"the token's signing key is unknown: {e}") from e
        except KeysUnavailableError as e:
            raise AuthenticationError(f"the identity provider's keys are unavailable: {e}") from e
        # The PyJWK itself, not its raw key: decoding then insists that the token's algorithm
        # is the key's own, so an ES256 token naming an RSA key is an InvalidAlgorithmError
        # rather than a TypeError (a 500) deep inside PyJWT.
        return signing_key


def issue_token(settings: Settings, subject: str, *, ttl: timedelta | None = None) -> str:
    """A locally signed HS256 token, for development and the `tablero token` command."""
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "iss": settings.token_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + (ttl or timedelta(minutes=settings.token_ttl_minutes)),
    }
    return jwt.encode(claims, settings.signing_secret, algorithm="HS256")


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request says about who sends it, checked as far as can be without the
    database: a token's signature and claims, or an API key as sent. Neither: anonymous."""

    identity: Identity | None = None
    api_key: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.identity is None and self.api_key is None


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
    identity = await verifier.identity(token.strip())
    if any(unstorable(text) for text in (identity.subject, identity.email, identity.name) if text):
        # a signed NUL or lone surrogate names no account, and reaches no query
        raise AuthenticationError(NOT_AN_ACCOUNT)
    return Credentials(identity=identity)


async def viewer_of(
    credentials: Credentials, session: AsyncSession, *, newcomers: bool = False
) -> Viewer:
    """Whom the credentials name, looked up in `session`: one statement, in whatever
    transaction the caller has (the request's own, for GraphQL). A signed-in subject
    without an account is a newcomer, refused unless `newcomers` are welcome."""
    if credentials.api_key is not None:
        viewer = await accounts.viewer_for_api_key(session=session, secret=credentials.api_key)
        if viewer is None:
            raise AuthenticationError("the API key is unknown or revoked")
        return viewer
    if credentials.identity is None:
        return ANONYMOUS
    viewer = await accounts.viewer_for_identity(session=session, identity=credentials.identity)
    if viewer.is_newcomer and not newcomers:
        raise AuthenticationError(NOT_AN_ACCOUNT)
    return viewer


async def authenticate(request: Request, verifier: TokenVerifier, database: Database) -> Viewer:
    """The request's viewer, in a transaction of its own; raises AuthenticationError for
    unacceptable credentials (before asking the database anything)."""
    credentials = await read_credentials(request, verifier)
    if credentials.anonymous:
        return ANONYMOUS
    async with database.unit_of_work(ANONYMOUS) as session:
        return await viewer_of(credentials, session)


def newcomer_may_run(query: str, operation_name: str | None) -> bool:
    """Whether a newcomer (signed in, no account yet) may run this operation: only a
    mutation whose every root field redeems an invitation."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    if len(operations) != 1 or operations[0].operation is not OperationType.MUTATION:
        return False
    return all(
        isinstance(s, FieldNode) and s.name.value in ("redeemInvitation", "__typename")
        for s in operations[0].selection_set.selections
    )
