"""Settings: sensible defaults for a newcomer, and a production that refuses to be insecure."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from api.settings import DEV_JWT_SECRET, Environment, Settings


@pytest.fixture(autouse=True)
def no_tablero_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("TABLERO_")]:
        monkeypatch.delenv(name)


def test_defaults_serve_a_newcomer_on_loopback_with_the_embedded_database() -> None:
    settings = Settings()
    assert (settings.host, settings.port, settings.environment) == (
        "127.0.0.1",
        8000,
        Environment.DEV,
    )
    assert settings.graphiql is True
    assert settings.uses_embedded_database
    assert settings.signing_secret == DEV_JWT_SECRET


def test_variables_are_read_with_the_tablero_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLERO_PORT", "9001")
    monkeypatch.setenv("TABLERO_GRAPHIQL", "false")
    monkeypatch.setenv("TABLERO_DATABASE_URL", "postgresql://tablero_api@db/tablero")
    settings = Settings()
    assert settings.port == 9001
    assert settings.graphiql is False
    assert not settings.uses_embedded_database


def test_prod_refuses_to_start_without_a_secret_and_a_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLERO_ENVIRONMENT", "prod")
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "TABLERO_JWT_SECRET, TABLERO_JWKS_URL or TABLERO_OIDC_ISSUER" in message
    assert "TABLERO_DATABASE_URL" in message


@pytest.mark.parametrize("secret", [DEV_JWT_SECRET, "short-secret"])
def test_prod_refuses_the_dev_secret_and_short_ones(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("TABLERO_ENVIRONMENT", "prod")
    monkeypatch.setenv("TABLERO_DATABASE_URL", "postgresql://tablero_api@db/tablero")
    monkeypatch.setenv("TABLERO_JWT_SECRET", secret)
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings()


def test_prod_starts_with_a_real_secret_or_a_jwks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLERO_ENVIRONMENT", "prod")
    monkeypatch.setenv("TABLERO_DATABASE_URL", "postgresql://tablero_api@db/tablero")
    monkeypatch.setenv("TABLERO_JWT_SECRET", "s" * 40)
    assert Settings().signing_secret == "s" * 40
    monkeypatch.delenv("TABLERO_JWT_SECRET")
    monkeypatch.setenv("TABLERO_JWKS_URL", "https://id.example.org/.well-known/jwks.json")
    assert Settings().jwks_url is not None
