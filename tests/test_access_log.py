"""The access log: one JSON line per request, saying what ran and how it went, never who
exactly, with what credentials, or with which values."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from api.auth import issue_token
from api.logs import JsonFormatter, TextFormatter, logging_config
from api.settings import LogFormat, Settings
from services.viewer import Role
from tests.factories import (
    make_account,
    make_api_key,
    make_collaborative,
    make_member,
    make_partner,
)

EMAIL = "maria.lopez@example.org"  # personal data a client sends as a variable
NAMED = "query Readiness($slug: String!) { collaborative(slug: $slug) { name } }"


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """What the access log writes, as `tablero serve` writes it in prod."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tablero.access")
    logger.addHandler(handler)
    try:
        yield out
    finally:
        logger.removeHandler(handler)


def lines_of(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_each_request_is_one_json_line_with_its_operation_viewer_status_time_and_cost(
    client, session, settings: Settings, access_lines
) -> None:
    # given: a person, a partner's system and an anonymous reader
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    person = await make_member(
        session, collaborative, Role.RESIDENT, account=await make_account(session, email=EMAIL)
    )
    token = issue_token(settings, person.subject)
    key = await make_api_key(session, partner)
    variables = {"slug": EMAIL}
    # when
    answers = [
        await client.post("/graphql", json={"query": NAMED, "variables": variables}),
        await client.post(
            "/graphql",
            json={"query": NAMED, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        ),
        await client.post(
            "/graphql", json={"query": "{ viewer { isAnonymous } }"}, headers={"X-Api-Key": key}
        ),
        await client.post(
            "/graphql", json={"query": "{ nope }"}, headers={"Authorization": f"Bearer {token}x"}
        ),
        await client.get("/graphql", params={"query": NAMED, "variables": json.dumps(variables)}),
        await client.post("/graphql", json={"query": "{ collaborative(slug: 1) { name } }"}),
        await client.get("/healthz"),
    ]
    # then
    lines = lines_of(access_lines)
    assert len(lines) == len(answers)
    for line, answer in zip(lines, answers, strict=True):
        assert line["status"] == answer.status_code
        assert line["request_id"] == answer.headers.get("x-request-id")
        assert line["duration_ms"] >= 0
        assert line["level"] == "info"
        assert line["logger"] == "tablero.access"
    anonymous, person_line, system, refused, by_get, invalid, health = lines
    assert (anonymous["operation"], anonymous["operation_type"]) == ("Readiness", "query")
    assert (anonymous["viewer"], person_line["viewer"], system["viewer"]) == (
        "anonymous",
        "person",
        "api_key",
    )
    assert anonymous["cost"] == 1
    assert anonymous["errors"] == []
    assert system["operation"] is None  # an anonymous operation has no name
    assert (refused["status"], refused["viewer"], refused["errors"]) == (
        401,
        None,
        ["UNAUTHENTICATED"],
    )
    assert by_get["operation"] == "Readiness"
    assert by_get["route"] == "/graphql"
    assert invalid["errors"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert health["route"] == "/healthz"
    assert "operation" not in health
    # and nothing that identifies anyone, or lets anyone in
    text = access_lines.getvalue()
    for secret in (EMAIL, token, key, person.subject, settings.signing_secret, "slug"):
        assert secret not in text


def test_the_text_format_reads_as_a_line_with_its_fields() -> None:
    record = logging.LogRecord("tablero.access", logging.INFO, "", 0, "POST /graphql 200", (), None)
    record.fields = {"operation": "Readiness", "cost": 3, "viewer": None}
    line = TextFormatter().format(record)
    assert line.endswith("tablero.access: POST /graphql 200 operation=Readiness cost=3")


def test_prod_logs_json_and_dev_logs_text_unless_told_otherwise() -> None:
    prod = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="prod",
        jwt_secret="s" * 40,
        database_url="postgresql://tablero_api@db/tablero",
    )
    dev = Settings(_env_file=None)  # type: ignore[call-arg]
    assert prod.log_format is LogFormat.JSON
    assert dev.log_format is LogFormat.TEXT
    assert logging_config(prod)["handlers"]["default"]["formatter"] == "json"
    assert logging_config(dev)["loggers"]["uvicorn.access"]["handlers"] == []
