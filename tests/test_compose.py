"""The container deployment (compose.yaml, the Dockerfile, the init script) is consistent.

Docker is not needed: these tests read the files. They check that every TABLERO_ variable
the API gets is a real setting, that the values (with compose's interpolation resolved)
make valid production settings, that the API connects as the right roles to the `db`
service, and that the init script creates an API role that row-level security binds.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from api.embedded import API_ROLE, DATABASE, OWNER_ROLE
from api.settings import Environment, Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
DB, API = SERVICES["db"], SERVICES["api"]

# Variables the db service receives for its init script only; Tablero never reads them.
INIT_SCRIPT_VARIABLES = {"TABLERO_OWNER_PASSWORD", "TABLERO_API_PASSWORD"}
A_SECRET = "s" * 40

INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::(?P<kind>[-?])(?P<arg>[^}]*))?\}")


def resolve(value: object, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` against `env`.

    As in compose, `:-` and `:?` treat an empty variable like an unset one.
    """

    def substitute(match: re.Match[str]) -> str:
        name, kind, arg = match["name"], match["kind"], match["arg"]
        if env.get(name):
            return env[name]
        if kind == "-":
            return arg
        if kind == "?":
            raise ValueError(f"required variable {name} is missing: {arg}")
        return ""

    text = str(value)
    resolved = INTERPOLATION.sub(substitute, text)
    assert "${" not in resolved, f"unsupported interpolation in {text!r}"
    return resolved


def environment(service: dict, env: dict[str, str]) -> dict[str, str]:
    variables = service.get("environment", {})
    if isinstance(variables, list):  # the `- NAME=value` form
        variables = dict(item.split("=", 1) for item in variables)
    return {name: resolve(value, env) for name, value in variables.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    lines = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def init_script() -> str:
    """The script compose mounts into the postgres image's /docker-entrypoint-initdb.d."""
    for volume in DB["volumes"]:
        source, _, target = volume.partition(":")
        if target.startswith("/docker-entrypoint-initdb.d"):
            assert target.endswith(":ro"), "mount the init script read-only"
            return (ROOT / source).read_text()
    raise AssertionError("no init script mounted into /docker-entrypoint-initdb.d")


def create_role(script: str, role: str) -> str:
    statement = re.search(rf"CREATE\s+ROLE\s+{role}\b[^;]*;", script, re.IGNORECASE)
    assert statement is not None, f"the init script does not create {role}"
    return " ".join(statement.group(0).rstrip(";").upper().split())


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [name for name in os.environ if name.startswith("TABLERO_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in environment(API, env).items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


# The resolver itself


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        ("${A:-fallback}", {}, "fallback"),
        ("${A:-fallback}", {"A": ""}, "fallback"),
        ("${A:-fallback}", {"A": "set"}, "set"),
        ("x-${A:?needed}-y", {"A": "set"}, "x-set-y"),
        ("${A}", {}, ""),
        ("plain", {}, "plain"),
        (8000, {}, "8000"),
    ],
)
def test_resolve(value: object, env: dict[str, str], expected: str) -> None:
    assert resolve(value, env) == expected


@pytest.mark.parametrize("env", [{}, {"A": ""}])
def test_resolve_refuses_a_missing_required_variable(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="A is missing: needed"):
        resolve("${A:?needed}", env)


# The database service


def test_db_is_postgres_16_with_its_data_on_a_named_volume() -> None:
    assert DB["image"] == "postgres:16"
    data = [v for v in DB["volumes"] if v.partition(":")[2] == "/var/lib/postgresql/data"]
    assert len(data) == 1
    volume = data[0].partition(":")[0]
    assert volume in COMPOSE["volumes"], "the data volume must be a declared, named volume"


def test_db_is_healthy_only_once_it_accepts_tcp_connections() -> None:
    check = DB["healthcheck"]["test"]
    command = " ".join(check[1:]) if isinstance(check, list) else check
    assert "pg_isready" in command
    # The temporary server running the init script listens on a socket only.
    assert re.search(r"(-h|--host)[ =]\S+", command), "check over TCP, not the socket"


def test_db_only_gets_tablero_variables_for_its_init_script() -> None:
    script = init_script()
    for name in environment(DB, {}):
        if name.startswith("TABLERO_"):
            assert name in INIT_SCRIPT_VARIABLES, f"{name} on db is neither setting nor used"
            assert f"${name}" in script or f"${{{name}}}" in script, f"{name} is unused"


def test_db_passwords_and_the_api_urls_agree() -> None:
    for env in [{}, {"TABLERO_OWNER_PASSWORD": "o-pass", "TABLERO_API_PASSWORD": "a-pass"}]:
        env = {**env, "TABLERO_JWT_SECRET": A_SECRET}
        db, api = environment(DB, env), environment(API, env)
        api_url = make_url(api["TABLERO_DATABASE_URL"])
        owner_url = make_url(api["TABLERO_OWNER_DATABASE_URL"])
        assert api_url.password == db["TABLERO_API_PASSWORD"]
        assert owner_url.password == db["TABLERO_OWNER_PASSWORD"]


# The API service


def test_api_waits_for_a_healthy_db() -> None:
    assert API["depends_on"]["db"]["condition"] == "service_healthy"


def test_every_api_variable_is_a_setting() -> None:
    fields = set(Settings.model_fields)
    for name in environment(API, {"TABLERO_JWT_SECRET": A_SECRET}):
        assert name.startswith("TABLERO_"), f"{name} is not a Tablero variable"
        assert name.removeprefix("TABLERO_").lower() in fields, f"{name} is not a setting"


def test_the_api_environment_makes_valid_production_settings(
    clean_environ: pytest.MonkeyPatch,
) -> None:
    settings = settings_from({"TABLERO_JWT_SECRET": A_SECRET}, clean_environ)
    assert settings.environment is Environment.PROD
    assert settings.host == "0.0.0.0"
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == A_SECRET


def test_compose_refuses_to_start_the_api_without_a_secret() -> None:
    with pytest.raises(ValueError, match="TABLERO_JWT_SECRET"):
        environment(API, {})


@pytest.mark.parametrize(
    ("setting", "role"), [("database_url", API_ROLE), ("owner_database_url", OWNER_ROLE)]
)
def test_the_api_connects_to_the_db_service_as_its_roles(
    clean_environ: pytest.MonkeyPatch, setting: str, role: str
) -> None:
    url = make_url(getattr(settings_from({"TABLERO_JWT_SECRET": A_SECRET}, clean_environ), setting))
    assert url.username == role
    assert url.host == "db"
    assert url.port in (None, 5432)
    assert url.database == DATABASE


# The image


def test_the_image_serves_on_the_published_port(clean_environ: pytest.MonkeyPatch) -> None:
    instructions = dockerfile_instructions()
    exposed = {args.split("/")[0] for name, args in instructions if name == "EXPOSE"}
    port = settings_from({"TABLERO_JWT_SECRET": A_SECRET}, clean_environ).port
    published = [resolve(mapping, {}).rsplit(":", 1)[1] for mapping in API["ports"]]
    assert published == [str(port)]
    assert exposed == {str(port)}


def test_the_image_runs_tablero_serve_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.12-slim")
    commands = [args for name, args in instructions if name == "CMD"]
    assert json.loads(commands[-1]) == ["tablero", "serve"]
    users = [args for name, args in instructions if name == "USER"]
    assert users, "the image must not run as root"
    assert users[-1] not in ("root", "0")
    assert any(name == "HEALTHCHECK" and "/healthz" in args for name, args in instructions)


# The init script


def test_the_init_script_creates_both_roles_and_the_database() -> None:
    script = init_script()
    assert "LOGIN" in create_role(script, OWNER_ROLE).split()
    assert re.search(
        rf"CREATE\s+DATABASE\s+{DATABASE}\s+OWNER\s+{OWNER_ROLE}\b", script, re.IGNORECASE
    )


def test_the_api_role_is_bound_by_row_level_security() -> None:
    options = create_role(init_script(), API_ROLE).split()
    assert "LOGIN" in options
    for required in ("NOSUPERUSER", "NOBYPASSRLS", "NOCREATEROLE", "NOCREATEDB"):
        assert required in options, f"{API_ROLE} must be {required}"
    assert "SUPERUSER" not in options
    assert "BYPASSRLS" not in options
