"""compose.yaml and the Dockerfile agree with the settings they configure.

Docker cannot run here, so these checks read the files: every TABLERO_ variable is a real
setting, the values make valid production settings, and the roles are the right ones.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from api.settings import Environment, Settings

ROOT = Path(__file__).parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
INTERPOLATION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def resolve(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} interpolation."""

    def substitute(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "-":
            return rest
        raise KeyError(f"{name}: {rest}")

    return INTERPOLATION.sub(substitute, str(value))


def api_environment(env: dict[str, str]) -> dict[str, str]:
    return {k: resolve(v, env) for k, v in COMPOSE["services"]["api"]["environment"].items()}


def test_every_api_variable_is_a_setting() -> None:
    fields = set(Settings.model_fields)
    for name in COMPOSE["services"]["api"]["environment"]:
        assert name.startswith("TABLERO_"), name
        assert name.removeprefix("TABLERO_").lower() in fields, f"{name} is not a setting"


def test_the_api_environment_makes_valid_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [k for k in os.environ if k.startswith("TABLERO_")]:
        monkeypatch.delenv(name)
    for name, value in api_environment({"TABLERO_JWT_SECRET": "x" * 40}).items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.environment is Environment.PROD
    assert make_url(settings.database_url or "").username == "tablero_api"
    assert make_url(settings.owner_database_url or "").username == "tablero_owner"
    assert make_url(settings.database_url or "").host == "db"


def test_compose_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(KeyError, match="TABLERO_JWT_SECRET"):
        api_environment({})


def test_postgres_16_with_a_volume_a_healthcheck_and_the_api_waiting_for_it() -> None:
    db, api = COMPOSE["services"]["db"], COMPOSE["services"]["api"]
    assert db["image"] == "postgres:16"
    assert any(v.startswith("pgdata:") for v in db["volumes"])
    assert "pgdata" in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert api["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_init_script_creates_an_api_role_that_cannot_bypass_security() -> None:
    script = (ROOT / "compose" / "initdb.sh").read_text()
    api_role = re.search(r"CREATE ROLE tablero_api[^;]*;", script, re.S)
    assert api_role is not None
    assert "NOSUPERUSER" in api_role.group(0)
    assert "NOBYPASSRLS" in api_role.group(0)
    assert "CREATE DATABASE tablero OWNER tablero_owner" in script


def test_the_image_serves_on_the_published_port() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["tablero", "serve"]' in dockerfile
    assert "EXPOSE 8000" in dockerfile
    assert COMPOSE["services"]["api"]["ports"] == ["8000:8000"]
    assert "USER tablero" in dockerfile
