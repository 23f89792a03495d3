"""Authentication through the real /graphql endpoint: what is accepted, and a clear 401 otherwise.

Every refusal is an HTTP 401 whose JSON body is a single UNAUTHENTICATED error saying what is
wrong with the credentials, and never a `data` key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.auth import issue_token
from api.database import Database
from api.settings import Settings
from services.accounts.models import Account
from services.viewer import Role
from tests.factories import (
    bearer,
    make_account,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)

VIEWER = "{ viewer { isAnonymous isApiKey account { email } } }"
OTHER_SECRET = "another-secret-that-is-long-enough-0123456789"


# -- helpers ------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value).encode())


def claims(subject: str | None, **overrides: Any) -> dict[str, Any]:
    """Claims that the default settings accept; `None` values remove a claim."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "sub": subject,
        "iss": "tablero",
        "aud": "tablero-api",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        **overrides,
    }
    return {name: value for name, value in values.items() if value is not None}


def hs256(settings: Settings, subject: str | None, **overrides: Any) -> str:
    return jwt.encode(claims(subject, **overrides), settings.signing_secret, algorithm="HS256")


def unsigned(subject: str) -> str:
    """An `alg: none` token built by hand: header, payload and an empty signature."""
    payload = {**claims(subject), "iat": 0, "exp": 4102444800}  # JSON needs plain numbers
    return f"{b64json({'alg': 'none', 'typ': 'JWT'})}.{b64json(payload)}."


def authorization(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post_viewer(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/graphql", json={"query": VIEWER}, headers=headers)


async def refusal(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """Send the viewer query; assert a well-formed 401 and return its message."""
    response = await post_viewer(client, headers)
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="tablero"'
    body = response.json()
    assert set(body) == {"errors"}
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert isinstance(error["message"], str)
    return error["message"]


async def accepted_viewer(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await post_viewer(client, headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["viewer"]


@asynccontextmanager
async def app_client(
    settings: Settings, database: Database, connection: AsyncConnection
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app for `settings` over ASGI; back to the owner role after each request."""

    async def back_to_owner(response: httpx.Response) -> None:
        await connection.exec_driver_sql("RESET ROLE")

    app = create_app(settings, database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        event_hooks={"response": [back_to_owner]},
    ) as client:
        yield client


@pytest.fixture
async def person(session) -> Account:
    collaborative = await make_collaborative(session)
    return await make_member(session, collaborative, Role.RESIDENT)


# -- bearer tokens signed with the shared secret (HS256) -----------------------------------------


async def test_a_valid_token_makes_the_viewer_its_account(
    client, settings: Settings, person: Account
) -> None:
    # when
    viewer = await accepted_viewer(client, bearer(settings, person))
    # then
    assert viewer == {"isAnonymous": False, "isApiKey": False, "account": {"email": person.email}}


async def test_the_bearer_scheme_is_case_insensitive(
    client, settings: Settings, person: Account
) -> None:
    # given
    headers = {"Authorization": f"bearer {issue_token(settings, person.subject)}"}
    # when
    viewer = await accepted_viewer(client, headers)
    # then
    assert viewer["isAnonymous"] is False


async def test_an_account_without_memberships_is_still_authenticated(
    client, session, settings: Settings
) -> None:
    # given
    account = await make_account(session)
    # when
    viewer = await accepted_viewer(client, bearer(settings, account))
    # then
    assert viewer["account"] == {"email": account.email}


async def test_an_expired_token_is_refused(client, settings: Settings, person: Account) -> None:
    # given
    token = issue_token(settings, person.subject, ttl=timedelta(seconds=-1))
    # when
    message = await refusal(client, authorization(token))
    # then
    assert message == "the token has expired"


async def test_a_token_signed_with_another_secret_is_refused(
    client, settings: Settings, person: Account
) -> None:
    # given
    token = jwt.encode(claims(person.subject), OTHER_SECRET, algorithm="HS256")
    # when
    message = await refusal(client, authorization(token))
    # then
    assert message == "the token's signature is invalid"


async def test_a_hand_built_unsigned_token_is_refused(client, person: Account) -> None:
    # when
    message = await refusal(client, authorization(unsigned(person.subject)))
    # then
    assert "algorithm is not accepted" in message
    assert "HS256" in message


async def test_an_unsigned_token_from_pyjwt_is_refused(client, person: Account) -> None:
    # given
    token = jwt.encode(claims(person.subject), None, algorithm="none")
    assert token.endswith(".")  # really unsigned
    # when
    message = await refusal(client, authorization(token))
    # then
    assert "algorithm is not accepted" in message


async def test_an_rs256_token_is_refused_when_only_the_shared_secret_is_configured(
    client, person: Account
) -> None:
    # given
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(person.subject), key, algorithm="RS256")
    # when
    message = await refusal(client, authorization(token))
    # then
    assert "algorithm is not accepted (use HS256)" in message


async def test_a_token_for_another_audience_is_refused(
    client, settings: Settings, person: Account
) -> None:
    # given
    token = hs256(settings, person.subject, aud="another-api")
    # when
    message = await refusal(client, authorization(token))
    # then
    assert "not meant for this API" in message
    assert "'tablero-api'" in message


async def test_a_token_from_another_issuer_is_refused(
    client, settings: Settings, person: Account
) -> None:
    # given
    token = hs256(settings, person.subject, iss="https://elsewhere.example.org")
    # when
    message = await refusal(client, authorization(token))
    # then
    assert message == "the token was not issued by 'tablero'"


@pytest.mark.parametrize("token", ["abc", "a.b.c", "Zm9v.YmFy", "...."])
async def test_a_malformed_token_is_refused(client, token: str) -> None:
    # when
    message = await refusal(client, authorization(token))
    # then
    assert message.startswith("the token is malformed")


@pytest.mark.parametrize("claim", ["sub", "exp", "aud", "iss"])
async def test_a_token_missing_a_required_claim_is_refused(
    client, settings: Settings, person: Account, claim: str
) -> None:
    # given
    token = hs256(settings, person.subject, **{claim: None})
    # when
    message = await refusal(client, authorization(token))
    # then
    assert message == f"the token has no '{claim}' claim"


async def test_a_token_that_is_not_yet_valid_is_refused(
    client, settings: Settings, person: Account
) -> None:
    # given
    token = hs256(settings, person.subject, nbf=datetime.now(UTC) + timedelta(hours=1))
    # when
    message = await refusal(client, authorization(token))
    # then
    assert "not yet valid" in message


async def test_a_token_whose_subject_is_not_an_account_is_refused(
    client, settings: Settings
) -> None:
    # given
    token = hs256(settings, "nobody-has-this-subject")
    # when
    message = await refusal(client, authorization(token))
    # then
    assert message == "the token's subject is not a Tablero account"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc", "Bearer", "Bearer   "])
async def test_an_authorization_header_that_is_not_a_bearer_token_is_refused(
    client, header: str
) -> None:
    # when
    message = await refusal(client, {"Authorization": header})
    # then
    assert message == "the Authorization header must be 'Bearer <token>'"


# -- API keys ------------------------------------------------------------------------------------


async def test_a_valid_api_key_is_accepted(client, session) -> None:
    # given
    partner = await make_partner(session, await make_collaborative(session))
    key = await make_api_key(session, partner)
    # when
    viewer = await accepted_viewer(client, {"X-Api-Key": key})
    # then
    assert viewer == {"isAnonymous": False, "isApiKey": True, "account": None}


async def test_a_bearer_token_and_an_api_key_together_are_refused(
    client, session, settings: Settings, person: Account
) -> None:
    # given both credentials are valid on their own
    partner = await make_partner(session, await make_collaborative(session))
    key = await make_api_key(session, partner)
    headers = {**bearer(settings, person), "X-Api-Key": key}
    # when
    message = await refusal(client, headers)
    # then
    assert message == "send either a bearer token or an API key, not both"


async def test_an_unknown_api_key_is_refused(client) -> None:
    # when
    message = await refusal(client, {"X-Api-Key": "tbk_this-key-was-never-issued"})
    # then
    assert message == "the API key is unknown or revoked"


async def test_a_revoked_api_key_is_refused_like_an_unknown_one(client, session) -> None:
    # given
    partner = await make_partner(session, await make_collaborative(session))
    revoked = await make_api_key(session, partner, revoked=True)
    # when
    message = await refusal(client, {"X-Api-Key": revoked})
    unknown = await refusal(client, {"X-Api-Key": "tbk_this-key-was-never-issued"})
    # then
    assert message == unknown == "the API key is unknown or revoked"


async def test_an_empty_api_key_is_refused(client) -> None:
    # when
    message = await refusal(client, {"X-Api-Key": ""})
    # then
    assert message == "the API key is unknown or revoked"


# -- tokens from an identity provider (JWKS: RS256 and ES256) -----------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def stranger_key() -> rsa.RSAPrivateKey:
    """A key the identity provider does not publish."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks(rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    return {
        "keys": [
            {
                **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key())),
                "kid": "rsa-1",
                "alg": "RS256",
                "use": "sig",
            },
            {
                **json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key())),
                "kid": "ec-1",
                "alg": "ES256",
                "use": "sig",
            },
        ]
    }


@contextmanager
def serving_json(document: dict[str, Any]) -> Iterator[str]:
    """A loopback HTTP server answering every GET with `document`; yields its URL."""
    body = json.dumps(document).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def jwks_settings(settings: Settings, jwks_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="dev",
        database_url=settings.database_url,
        jwks_url=jwks_url,
    )


@pytest.fixture
async def jwks_client(
    jwks: dict[str, Any],
    settings: Settings,
    database: Database,
    connection: AsyncConnection,
    session,
) -> AsyncIterator[httpx.AsyncClient]:
    """The app configured with an identity provider's JWKS (served over loopback HTTP)."""
    await session.flush()
    with serving_json(jwks) as url:
        async with app_client(jwks_settings(settings, url), database, connection) as client:
            yield client


async def test_a_jwks_url_on_the_local_file_system_is_not_supported(
    tmp_path: Path, jwks: dict[str, Any], settings: Settings
) -> None:
    # given a JWKS written to a file, and a file:// URL to it
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    # when / then: keys are fetched over http(s) only, and the settings say so at start-up
    with pytest.raises(ValidationError, match="must be an http or https URL"):
        jwks_settings(settings, path.as_uri())


@pytest.mark.parametrize(
    ("key_name", "kid", "algorithm"), [("rsa_key", "rsa-1", "RS256"), ("ec_key", "ec-1", "ES256")]
)
async def test_a_token_signed_by_a_published_key_is_accepted(
    jwks_client, request, person: Account, key_name: str, kid: str, algorithm: str
) -> None:
    # given
    key = request.getfixturevalue(key_name)
    token = jwt.encode(claims(person.subject), key, algorithm=algorithm, headers={"kid": kid})
    # when
    viewer = await accepted_viewer(jwks_client, authorization(token))
    # then
    assert viewer["account"] == {"email": person.email}


async def test_a_shared_secret_token_is_refused_when_a_jwks_is_configured(
    jwks_client, settings: Settings, person: Account
) -> None:
    # given a token the server would accept without a JWKS
    token = issue_token(settings, person.subject)
    # when
    message = await refusal(jwks_client, authorization(token))
    # then
    assert message == "the token's algorithm is not accepted (use RS256, ES256)"


async def test_an_hs256_token_keyed_with_the_public_key_is_refused(
    jwks_client, rsa_key: rsa.RSAPrivateKey, person: Account
) -> None:
    # given the algorithm-confusion attack: HMAC keyed with the published public key's PEM
    # (PyJWT refuses to sign this, so it is built by hand)
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode(claims(person.subject), public_pem, algorithm="HS256")
    payload = {**claims(person.subject), "iat": 0, "exp": 4102444800}
    signing_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'})}.{b64json(payload)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64url(signature)}"
    # when
    message = await refusal(jwks_client, authorization(token))
    # then
    assert "algorithm is not accepted" in message


async def test_an_unsigned_token_is_refused_when_a_jwks_is_configured(
    jwks_client, person: Account
) -> None:
    # when
    message = await refusal(jwks_client, authorization(unsigned(person.subject)))
    # then
    assert "algorithm is not accepted" in message


async def test_a_token_signed_by_an_unpublished_key_is_refused(
    jwks_client, stranger_key: rsa.RSAPrivateKey, person: Account
) -> None:
    # given a token that claims a published kid but is signed by another key
    token = jwt.encode(claims(person.subject), stranger_key, "RS256", headers={"kid": "rsa-1"})
    # when
    message = await refusal(jwks_client, authorization(token))
    # then
    assert message == "the token's signature is invalid"


async def test_a_token_naming_an_unknown_key_id_is_refused(
    jwks_client, stranger_key: rsa.RSAPrivateKey, person: Account
) -> None:
    # given
    token = jwt.encode(claims(person.subject), stranger_key, "RS256", headers={"kid": "rsa-9"})
    # when
    message = await refusal(jwks_client, authorization(token))
    # then
    assert message.startswith("the token's signing key is unknown")
    assert "rsa-9" in message


async def test_a_token_without_a_key_id_is_refused(
    jwks_client, rsa_key: rsa.RSAPrivateKey, person: Account
) -> None:
    # given
    token = jwt.encode(claims(person.subject), rsa_key, "RS256")
    # when
    message = await refusal(jwks_client, authorization(token))
    # then
    assert message.startswith("the token's signing key is unknown")


async def test_a_token_whose_algorithm_does_not_match_its_key_is_refused(
    jwks_client, ec_key: ec.EllipticCurvePrivateKey, person: Account
) -> None:
    # given an ES256 token that names the RSA key
    token = jwt.encode(claims(person.subject), ec_key, "ES256", headers={"kid": "rsa-1"})
    # when
    message = await refusal(jwks_client, authorization(token))
    # then
    assert "algorithm is not accepted" in message


async def test_a_token_with_an_unreadable_payload_is_refused_when_a_jwks_is_configured(
    jwks_client,
) -> None:
    # given a well-formed RS256 header naming a published key, and a payload that is not JSON
    token = f"{b64json({'alg': 'RS256', 'kid': 'rsa-1'})}.{b64url(b'not json')}.c2ln"
    # when
    message = await refusal(jwks_client, authorization(token))
    # then
    assert message == "the token's signature is invalid"  # checked before the payload is read


async def test_checks_on_claims_still_apply_to_identity_provider_tokens(
    jwks_client, rsa_key: rsa.RSAPrivateKey, person: Account
) -> None:
    # given
    expired = jwt.encode(
        claims(person.subject, exp=datetime.now(UTC) - timedelta(minutes=1)),
        rsa_key,
        "RS256",
        headers={"kid": "rsa-1"},
    )
    foreign = jwt.encode(
        claims(person.subject, aud="another-api"), rsa_key, "RS256", headers={"kid": "rsa-1"}
    )
    stranger = jwt.encode(
        claims("nobody-has-this-subject"), rsa_key, "RS256", headers={"kid": "rsa-1"}
    )
    # when / then
    assert await refusal(jwks_client, authorization(expired)) == "the token has expired"
    assert "not meant for this API" in await refusal(jwks_client, authorization(foreign))
    assert await refusal(jwks_client, authorization(stranger)) == (
        "the token's subject is not a Tablero account"
    )
