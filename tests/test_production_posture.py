"""In prod, the schema is not explained to strangers: introspection, "Did you mean" and
GraphiQL are off unless turned on, and /metrics needs a token. `tablero serve` restarts on
its port at once."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.app import create_app
from api.cli import ensure_port_free
from api.settings import Settings
from tests.processes import free_port

INTROSPECTION = "{ __schema { queryType { name } } }"
TYPO = '{ collaborative(slug: "x") { nam } }'
BAD_ENUM = """query($v: [Visibility!]) { collaborative(slug: "x") {
  measures(visibilities: $v) { totalCount } } }"""
TOKEN = "metrics-token-0123456789abcdef"


@asynccontextmanager
async def app_client(
    settings: Settings, database: Any, connection: Any, **values: Any
) -> AsyncIterator[httpx.AsyncClient]:
    async def back_to_owner(response: httpx.Response) -> None:
        await connection.exec_driver_sql("RESET ROLE")

    configured = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=settings.database_url,
        jwt_secret="a-production-secret-of-forty-characters!",
        rate_limit_per_minute=0,
        **values,
    )
    app = create_app(configured, database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        event_hooks={"response": [back_to_owner]},
    ) as client:
        yield client


async def ask(client: httpx.AsyncClient, query: str, variables: Any = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    return response.json()


async def test_prod_answers_no_introspection_and_no_suggestions(
    settings, database, connection
) -> None:
    async with app_client(settings, database, connection, environment="prod") as prod:
        introspected = await ask(prod, INTROSPECTION)
        typo = await ask(prod, TYPO)
        enum = await ask(prod, BAD_ENUM, {"v": ["PUBLC"]})
    assert introspected["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in introspected["errors"][0]["message"]
    assert typo["errors"][0]["message"] == "Cannot query field 'nam' on type 'Collaborative'."
    assert typo["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Did you mean" not in str(enum["errors"])
    assert enum["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_dev_explains_itself(settings, database, connection) -> None:
    async with app_client(settings, database, connection, environment="dev") as dev:
        introspected = await ask(dev, INTROSPECTION)
        typo = await ask(dev, TYPO)
        enum = await ask(dev, BAD_ENUM, {"v": ["PUBLC"]})
    assert introspected["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert "Did you mean 'name'?" in typo["errors"][0]["message"]
    assert "Did you mean" in str(enum["errors"])


async def test_prod_may_turn_introspection_back_on(settings, database, connection) -> None:
    async with app_client(
        settings, database, connection, environment="prod", introspection=True
    ) as prod:
        assert (await ask(prod, INTROSPECTION))["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_graphiql_is_off_in_prod_and_on_in_dev(settings, database, connection) -> None:
    html = {"Accept": "text/html"}
    async with app_client(settings, database, connection, environment="prod") as prod:
        off = await prod.get("/graphql", headers=html)
    async with app_client(settings, database, connection, environment="dev") as dev:
        on = await dev.get("/graphql", headers=html)
    assert off.status_code == 404
    assert on.status_code == 200
    assert "graphiql" in on.text.lower()


async def test_metrics_need_a_token_in_prod_and_are_off_without_one(
    settings, database, connection
) -> None:
    async with app_client(settings, database, connection, environment="prod") as bare:
        assert (await bare.get("/metrics")).status_code == 404
    async with app_client(
        settings, database, connection, environment="prod", metrics_token=TOKEN
    ) as prod:
        anonymous = await prod.get("/metrics")
        wrong = await prod.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await prod.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert anonymous.status_code == wrong.status_code == 401
    assert right.status_code == 200
    assert "tablero_http_requests" in right.text


async def test_an_empty_metrics_token_is_no_token(settings, database, connection) -> None:
    async with app_client(
        settings, database, connection, environment="prod", metrics_token=" "
    ) as prod:
        assert (await prod.get("/metrics", headers={"Authorization": "Bearer "})).status_code == 404


def test_a_port_whose_last_connections_are_closing_is_free_for_a_restart() -> None:
    # given a server that accepted a connection and closed it first (its side in TIME_WAIT)
    port = free_port()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()
    server.close()
    client.close()
    # then the next `tablero serve` finds the port free
    ensure_port_free("127.0.0.1", port)
