"""A small OpenID Connect provider for the tests, served over real HTTP on the loopback.

It speaks the parts of OpenID Connect Core 1.0 and Discovery 1.0 that a browser sign-in
uses: the discovery document, a JWKS, the authorization-code flow with PKCE (S256), and a
token endpoint issuing RS256 ID and access tokens. Sign-in is automatic for the user named
by `login_hint` (no form to fill). Its signing key can be rotated while it runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "tablero-web"
API_AUDIENCE = "tablero-api"
REDIRECT_URI = "http://127.0.0.1/callback"


@dataclass
class User:
    sub: str
    email: str
    email_verified: bool = True
    name: str = ""


@dataclass
class Issuer:
    url: str = ""
    users: dict[str, User] = field(default_factory=dict)
    keys: list[tuple[str, rsa.RSAPrivateKey]] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    jwks_fetches: int = 0
    rotations: int = 0

    def rotate(self) -> str:
        """Publish a new signing key and sign with it from now on; returns its kid."""
        self.rotations += 1
        kid = f"key-{self.rotations}"
        self.keys.append((kid, rsa.generate_private_key(public_exponent=65537, key_size=2048)))
        return kid

    def retire(self, kid: str) -> None:
        self.keys = [(k, key) for k, key in self.keys if k != kid]

    def add_user(self, login: str, **claims: Any) -> User:
        user = User(sub=claims.pop("sub", f"oidc|{secrets.token_hex(8)}"), email=login, **claims)
        self.users[login] = user
        return user

    # -- the endpoints --------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        self.jwks_fetches += 1
        return {
            "keys": [
                {
                    **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())),
                    "kid": kid,
                    "alg": "RS256",
                    "use": "sig",
                }
                for kid, key in self.keys
            ]
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Where the browser is sent back: the redirect URI with a code and the state."""
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        user = self.users[query["login_hint"]]
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "user": user,
            "client_id": query["client_id"],
            "redirect_uri": query["redirect_uri"],
            "challenge": query["code_challenge"],
            "nonce": query.get("nonce"),
        }
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)  # a code is used once
        verifier = form.get("code_verifier", "")
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or form.get("client_id") != grant["client_id"]
            or _s256(verifier) != grant["challenge"]
        ):
            return 400, {"error": "invalid_grant"}
        user: User = grant["user"]
        identity = {"email": user.email, "email_verified": user.email_verified, "name": user.name}
        return 200, {
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.sign(user.sub, CLIENT_ID, nonce=grant["nonce"], **identity),
            "access_token": self.sign(user.sub, API_AUDIENCE, **identity),
        }

    def sign(self, sub: str, audience: str, **claims: Any) -> str:
        kid, key = self.keys[-1]
        now = int(time.time())
        body = {"iss": self.url, "sub": sub, "aud": audience, "iat": now, "exp": now + 300}
        body.update({k: v for k, v in claims.items() if v is not None})
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@contextmanager
def running_issuer() -> Iterator[Issuer]:
    issuer = Issuer()
    issuer.rotate()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, document: dict[str, Any]) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._send(200, issuer.discovery())
            elif url.path == "/jwks":
                self._send(200, issuer.jwks())
            elif url.path == "/authorize":
                self.send_response(302)
                self.send_header("Location", issuer.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                self._send(*issuer.token(form))
            else:
                self._send(404, {"error": "not_found"})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def sign_in(issuer: Issuer, login: str, *, token: str = "access_token") -> str:
    """What a browser does: the authorization-code flow with PKCE; returns the token."""
    verifier = secrets.token_urlsafe(48)
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    async with httpx.AsyncClient(base_url=issuer.url) as browser:
        discovery = (await browser.get("/.well-known/openid-configuration")).json()
        redirect = await browser.get(
            discovery["authorization_endpoint"],
            params={
                "response_type": "code",
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "scope": "openid email profile",
                "state": state,
                "nonce": nonce,
                "code_challenge": _s256(verifier),
                "code_challenge_method": "S256",
                "login_hint": login,
            },
        )
        back = parse_qs(urlsplit(redirect.headers["Location"]).query)
        assert back["state"] == [state]
        tokens = await browser.post(
            discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": back["code"][0],
                "redirect_uri": REDIRECT_URI,
                "client_id": CLIENT_ID,
                "code_verifier": verifier,
            },
        )
        assert tokens.status_code == 200, tokens.text
        return str(tokens.json()[token])
