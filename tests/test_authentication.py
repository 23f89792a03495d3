"""Credentials: every unacceptable token or key gets a 401 that says why; none leaks data."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.auth import issue_token
from api.database import Database
from api.settings import Settings
from services.viewer import Role
from tests.factories import make_api_key, make_collaborative, make_member, make_partner

VIEWER = {"query": "{ viewer { isAnonymous } }"}


def claims(subject: str, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "sub": subject,
        "iss": "tablero",
        "aud": "tablero-api",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        **overrides,
    }


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def rejected(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/graphql", json=VIEWER, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()
    return error["message"]


@pytest.fixture
async def person(session) -> str:
    collaborative = await make_collaborative(session)
    account = await make_member(session, collaborative, Role.RESIDENT)
    return account.subject


async def test_a_valid_token_is_accepted(client, settings: Settings, person: str) -> None:
    token = issue_token(settings, person)
    response = await client.post(
        "/graphql", json=VIEWER, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json() == {"data": {"viewer": {"isAnonymous": False}}}


@pytest.mark.parametrize(
    ("make_token", "says"),
    [
        (
            lambda s, sub: jwt.encode(
                claims(sub, exp=datetime.now(UTC) - timedelta(seconds=5)), s.signing_secret, "HS256"
            ),
            "expired",
        ),
        (
            lambda s, sub: jwt.encode(
                claims(sub), "another-secret-of-enough-length-000000", "HS256"
            ),
            "signature is invalid",
        ),
        (
            lambda s, sub: (
                f"{b64({'alg': 'none', 'typ': 'JWT'})}."
                f"{b64({**claims(sub), 'iat': 0, 'exp': 4102444800})}."
            ),
            "algorithm is not accepted",
        ),
        (
            lambda s, sub: jwt.encode(claims(sub, aud="someone-else"), s.signing_secret, "HS256"),
            "not meant for this API",
        ),
        (
            lambda s, sub: jwt.encode(claims(sub, iss="elsewhere"), s.signing_secret, "HS256"),
            "not issued by 'tablero'",
        ),
        (lambda s, sub: "not-a-token", "malformed"),
        (
            lambda s, sub: jwt.encode(
                {k: v for k, v in claims(sub).items() if k != "sub"}, s.signing_secret, "HS256"
            ),
            "no 'sub' claim",
        ),
        (
            lambda s, sub: jwt.encode(
                {k: v for k, v in claims(sub).items() if k != "exp"}, s.signing_secret, "HS256"
            ),
            "no 'exp' claim",
        ),
        (
            lambda s, sub: jwt.encode(claims("nobody-has-this-subject"), s.signing_secret, "HS256"),
            "not a Tablero account",
        ),
    ],
    ids=[
        "expired",
        "bad-signature",
        "alg-none",
        "wrong-audience",
        "wrong-issuer",
        "malformed",
        "no-subject",
        "no-expiry",
        "unknown-subject",
    ],
)
async def test_unacceptable_tokens_get_401_saying_why(
    client, settings: Settings, person: str, make_token, says: str
) -> None:
    message = await rejected(client, {"Authorization": f"Bearer {make_token(settings, person)}"})
    assert says in message


async def test_a_header_that_is_not_a_bearer_token_is_refused(client) -> None:
    assert "must be 'Bearer <token>'" in await rejected(client, {"Authorization": "Basic dXNlcg=="})


async def test_a_token_and_an_api_key_together_are_refused(client, settings, person) -> None:
    headers = {"Authorization": f"Bearer {issue_token(settings, person)}", "X-Api-Key": "tbk_x"}
    assert "not both" in await rejected(client, headers)


async def test_unknown_and_revoked_api_keys_are_refused_alike(client, session) -> None:
    partner = await make_partner(session, await make_collaborative(session))
    revoked = await make_api_key(session, partner, revoked=True)
    assert "unknown or revoked" in await rejected(client, {"X-Api-Key": "tbk_never_issued"})
    assert "unknown or revoked" in await rejected(client, {"X-Api-Key": revoked})


# -- tokens from an identity provider (JWKS) -------------------------------------------------


@pytest.fixture
def keys() -> dict[str, object]:
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
        "stranger": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }


@contextmanager
def serving_json(document: dict) -> Iterator[str]:
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


@pytest.fixture
async def jwks_client(
    keys: dict, database: Database, connection: AsyncConnection, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    jwks = {
        "keys": [
            {
                **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys["rsa"].public_key())),
                "kid": "rsa-1",
                "alg": "RS256",
                "use": "sig",
            },
            {
                **json.loads(jwt.algorithms.ECAlgorithm.to_jwk(keys["ec"].public_key())),
                "kid": "ec-1",
                "alg": "ES256",
                "use": "sig",
            },
        ]
    }

    async def back_to_owner(response: httpx.Response) -> None:
        await connection.exec_driver_sql("RESET ROLE")

    with serving_json(jwks) as url:
        app = create_app(settings.model_copy(update={"jwks_url": url}), database=database)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            event_hooks={"response": [back_to_owner]},
        ) as client:
            yield client


@pytest.mark.parametrize(
    ("key", "kid", "algorithm"), [("rsa", "rsa-1", "RS256"), ("ec", "ec-1", "ES256")]
)
async def test_tokens_signed_by_the_identity_providers_keys_are_accepted(
    jwks_client, keys, person: str, key: str, kid: str, algorithm: str
) -> None:
    token = jwt.encode(claims(person), keys[key], algorithm, headers={"kid": kid})
    response = await jwks_client.post(
        "/graphql", json=VIEWER, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json() == {"data": {"viewer": {"isAnonymous": False}}}


async def test_with_a_jwks_a_shared_secret_token_is_refused(jwks_client, settings, person) -> None:
    # the classic algorithm-confusion attack: HS256 where the server expects RS256
    token = issue_token(settings, person)
    assert "algorithm is not accepted" in await rejected(
        jwks_client, {"Authorization": f"Bearer {token}"}
    )


async def test_a_token_signed_by_an_unknown_key_is_refused(jwks_client, keys, person) -> None:
    token = jwt.encode(claims(person), keys["stranger"], "RS256", headers={"kid": "rsa-1"})
    assert "signature is invalid" in await rejected(
        jwks_client, {"Authorization": f"Bearer {token}"}
    )
    unknown_kid = jwt.encode(claims(person), keys["stranger"], "RS256", headers={"kid": "other"})
    assert "signing key is unknown" in await rejected(
        jwks_client, {"Authorization": f"Bearer {unknown_kid}"}
    )
