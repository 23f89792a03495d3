"""A browser page on another origin may call the API when its origin is listed, and never
with the browser's own credentials."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import Settings
from tests.apps import client_with

PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type, x-api-key, accept-language, "
    "x-request-id",
}


@pytest.fixture
async def shop(settings, database, connection):
    origins = ("https://dashboards.example.org", "http://localhost:*")
    async with client_with(settings, database, connection, cors_origins=origins) as client:
        yield client


async def test_a_listed_origin_may_send_every_header_the_api_reads(shop) -> None:
    response = await shop.options(
        "/graphql", headers={"origin": "https://dashboards.example.org", **PREFLIGHT}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://dashboards.example.org"
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {
        "authorization",
        "x-api-key",
        "content-type",
        "accept-language",
        "x-request-id",
    } <= allowed
    assert set(response.headers["access-control-allow-methods"].split(", ")) == {"GET", "POST"}
    assert "access-control-allow-credentials" not in response.headers
    assert "Origin" in response.headers["vary"]


async def test_a_listed_origin_reads_the_answer_and_its_request_id(shop) -> None:
    response = await shop.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"origin": "http://localhost:5173"},
    )
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    exposed = response.headers["access-control-expose-headers"]
    assert "X-Request-Id" in exposed
    assert "Content-Language" in exposed
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.org",
        "https://dashboards.example.org.evil.net",
        "http://localhost.evil:80",
    ],
)
async def test_any_other_origin_is_refused(shop, origin) -> None:
    preflight = await shop.options("/graphql", headers={"origin": origin, **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    simple = await shop.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": origin}
    )
    assert "access-control-allow-origin" not in simple.headers


def test_dev_allows_local_pages_and_prod_none_until_listed() -> None:
    dev = Settings(_env_file=None, environment="dev")  # type: ignore[call-arg]
    prod = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="prod",
        jwt_secret="x" * 40,
        database_url="postgresql://api@db/tablero",
    )
    assert dev.cors_origins == ("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*")
    assert prod.cors_origins == ()


def test_origins_come_comma_separated_and_a_non_origin_stops_the_start(monkeypatch) -> None:
    monkeypatch.setenv(
        "TABLERO_CORS_ORIGINS", "https://a.example.org, https://*.preview.example.org"
    )
    assert Settings(_env_file=None).cors_origins == (  # type: ignore[call-arg]
        "https://a.example.org",
        "https://*.preview.example.org",
    )
    for wrong in ("https://a.example.org/path", "a.example.org", "https://*evil.org"):
        monkeypatch.setenv("TABLERO_CORS_ORIGINS", wrong)
        with pytest.raises(ValidationError, match=r"origin|only for the port"):
            Settings(_env_file=None)  # type: ignore[call-arg]


async def test_without_listed_origins_no_page_elsewhere_may_call(
    settings, database, connection
) -> None:
    async with client_with(settings, database, connection, cors_origins=()) as client:
        response = await client.options(
            "/graphql", headers={"origin": "http://localhost:5173", **PREFLIGHT}
        )
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
