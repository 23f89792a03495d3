"""Configuration from the environment (prefix ``TABLERO_``), validated once at start-up.

Building a Settings has no side effects: no engine, no server, no file is touched here.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.cors import DEV_ORIGINS, origin_pattern

MOST_DEFAULT_WORKERS = 4  # beyond, the database's CPUs, not the API's, bound a small host

DEV_JWT_SECRET = "tablero-dev-secret-change-me-0123456789abcdef"


class Environment(StrEnum):
    DEV = "dev"
    PROD = "prod"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class SettingsError(ValueError):
    """A configuration that Tablero refuses to start with."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("tablero"))


class Settings(BaseSettings):
    """Everything an operator can set. Field names map to ``TABLERO_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="TABLERO_", extra="ignore")

    environment: Environment = Environment.DEV
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: LogLevel = LogLevel.INFO
    # One line per request and per event; unset, JSON in prod and text in dev.
    log_format: LogFormat = LogFormat.TEXT
    # An OpenTelemetry collector's OTLP/HTTP traces endpoint (http://collector:4318/v1/traces):
    # when set, requests, GraphQL operations and SQL statements are traced there.
    otlp_endpoint: str | None = None

    # The API connects as a role that is not superuser, owner nor BYPASSRLS.
    database_url: str | None = None
    # Migrations and seeds connect as the owner role. Defaults to database_url.
    owner_database_url: str | None = None
    # Optional role assumed per transaction (SET LOCAL ROLE) when the login role is only
    # a member of the API role, as with identity-managed logins on hosted PostgreSQL.
    database_role: str | None = None
    database_pool_size: int = Field(default=10, ge=1)
    # A streaming replica of that database, as the API role: GraphQL queries read it, and
    # everything that writes or must be current stays on the primary (docs/scaling.md).
    replica_database_url: str | None = None
    data_dir: Path = Field(default_factory=default_data_dir)

    jwt_secret: SecretStr | None = None
    jwks_url: str | None = None
    # An OpenID Connect provider: its discovery document names the JWKS, and tokens must
    # carry it as `iss` (it then replaces jwt_issuer).
    oidc_issuer: str | None = None
    # A token naming a key we do not hold refreshes the provider's keys at once, but at most
    # once per this many seconds (tokens with made-up key ids cannot flood the provider).
    jwks_refresh_seconds: float = Field(default=5.0, ge=0)
    jwt_issuer: str = "tablero"
    jwt_audience: str = "tablero-api"
    token_ttl_minutes: int = Field(default=8 * 60, ge=1)

    # Invitations: the link to deliver (a front-end page that signs in with the provider
    # and calls redeemInvitation with the code), and how long a code lasts by default.
    invitation_link: str = "http://127.0.0.1:8000/invitation#code={code}"
    invitation_days: int = Field(default=7, ge=1, le=30)
    # Optional: e-mail invitations through this SMTP server (else the API only returns the
    # link, for whoever invites to deliver).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "Tablero <tablero@localhost>"

    # How often each API process releases periods whose reporting deadline has passed
    # (seconds; 0 leaves it to `tablero release due`, e.g. from cron).
    release_check_seconds: int = Field(default=300, ge=0)

    max_page_size: int = Field(default=100, ge=1)
    demo_seed: bool = True
    # Root fields whose every field schema/compiled knows are answered by one statement
    # that builds the answer as JSON (docs/speed.md); off, every field resolves one by one.
    compiled_reads: bool = True

    # Production posture. Unset, each follows the environment: on in dev, off in prod.
    graphiql: bool = True
    introspection: bool = True
    suggestions: bool = True  # "Did you mean …?" in validation errors
    # /metrics answers only `Authorization: Bearer <token>` when set; in prod it is off
    # without one.
    metrics_token: SecretStr | None = None
    # Proxies trusted to say the client's address (X-Forwarded-For), as uvicorn takes it.
    forwarded_allow_ips: str = "127.0.0.1"
    # Server processes `tablero serve` runs on one port, each with its own connection pool
    # (DATABASE_POOL_SIZE, and as many again at peaks). Unset: one per CPU (at most 4) in
    # prod; one in dev, where a single process keeps logs in order and import progress in
    # one place (docs/scaling.md).
    workers: int | None = Field(default=None, ge=1, le=64)

    # What one request may ask (README: Limits). A list multiplies its items' cost by its
    # page size; the budget refuses a query before it runs.
    max_query_cost: int = Field(default=10_000, ge=1)
    max_query_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=50, ge=0)
    max_tokens: int = Field(default=2_000, ge=1)
    max_document_bytes: int = Field(default=32_768, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # A spreadsheet upload (importObservations, a multipart request) may be larger.
    max_upload_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_response_bytes: int = Field(default=4_194_304, ge=1)
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    statement_timeout_seconds: float = Field(default=5.0, gt=0)
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # Query cost each client (account, API key, or address when anonymous) may spend per
    # minute, shared by every API process through PostgreSQL; 0 turns the limit off.
    rate_limit_per_minute: int = Field(default=60_000, ge=0)
    rate_limit_sync_seconds: float = Field(default=1.0, gt=0)
    # Only registered documents (`tablero documents register`) for anonymous and bearer
    # traffic; API keys may still send any document within their budget.
    trusted_documents: bool = False
    # Automatic persisted queries (Apollo's protocol) kept in PostgreSQL for every process;
    # storing one more drops the oldest. 0 turns them off.
    max_persisted_queries: int = Field(default=5_000, ge=0)
    # Pages on other origins that may call the API from a browser (api/cors.py), comma-
    # separated; unset: any port of localhost in dev, none in prod.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Answers of 1 KiB or more are compressed (brotli or gzip) unless this is off, e.g.
    # behind a proxy that compresses already.
    compression: bool = True

    @field_validator("otlp_endpoint")
    @classmethod
    def _no_empty_endpoint(cls, endpoint: str | None) -> str | None:
        """An empty endpoint (compose's unset variable) is no endpoint: tracing stays off."""
        return endpoint if endpoint and endpoint.strip() else None

    @field_validator("jwks_url", "oidc_issuer")
    @classmethod
    def _fetchable(cls, url: str | None) -> str | None:
        """Keys are fetched over HTTP(S) only (never from a file on this host)."""
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError("must be an http or https URL")
        return url

    @field_validator("invitation_link")
    @classmethod
    def _has_code(cls, link: str) -> str:
        if "{code}" not in link:
            raise ValueError("must contain {code}, where the invitation's code goes")
        return link

    @field_validator("metrics_token")
    @classmethod
    def _no_empty_token(cls, token: SecretStr | None) -> SecretStr | None:
        """An empty token (compose's unset variable) is none: `Bearer ` must not pass."""
        return token if token is not None and token.get_secret_value().strip() else None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """Comma-separated in the environment; each must be an origin (or `*`)."""
        origins = value.split(",") if isinstance(value, str) else value
        if not isinstance(origins, list | tuple):
            return origins
        cleaned = tuple(o.strip() for o in origins if isinstance(o, str) and o.strip())
        for origin in cleaned:
            if origin != "*":
                origin_pattern(origin)  # raises OriginError (a ValueError) when it is not one
        return cleaned

    @model_validator(mode="after")
    def _follow_the_environment(self) -> Self:
        for name in ("graphiql", "introspection", "suggestions"):
            if name not in self.model_fields_set:
                setattr(self, name, self.environment is Environment.DEV)
        if "log_format" not in self.model_fields_set and self.environment is Environment.PROD:
            self.log_format = LogFormat.JSON
        if "cors_origins" not in self.model_fields_set and self.environment is Environment.DEV:
            self.cors_origins = DEV_ORIGINS
        if self.workers is None:
            prod = self.environment is Environment.PROD
            self.workers = min(os.cpu_count() or 1, MOST_DEFAULT_WORKERS) if prod else 1
        return self

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Self:
        if self.environment is Environment.PROD:
            missing = []
            if self.jwt_secret is None and self.jwks_url is None and self.oidc_issuer is None:
                missing.append("TABLERO_JWT_SECRET, TABLERO_JWKS_URL or TABLERO_OIDC_ISSUER")
            if self.jwt_secret is not None and (
                self.jwt_secret.get_secret_value() == DEV_JWT_SECRET
                or len(self.jwt_secret.get_secret_value()) < 32
            ):
                missing.append("a TABLERO_JWT_SECRET of at least 32 characters, not the dev one")
            if self.database_url is None:
                missing.append("TABLERO_DATABASE_URL")
            if missing:
                raise SettingsError("refusing to start in prod without " + ", ".join(missing))
        return self

    @property
    def token_issuer(self) -> str:
        """The `iss` tokens must carry: the OpenID Connect issuer, when there is one."""
        return self.oidc_issuer or self.jwt_issuer

    @property
    def uses_identity_provider(self) -> bool:
        return self.jwks_url is not None or self.oidc_issuer is not None

    def invitation_url(self, code: str) -> str:
        return self.invitation_link.replace("{code}", code)

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def signing_secret(self) -> str:
        """The HS256 secret: the configured one, or the well-known dev secret in dev."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.environment is Environment.DEV:
            return DEV_JWT_SECRET
        raise SettingsError("no TABLERO_JWT_SECRET configured")
