"""GraphQL over HTTP: both media types, the status codes each one promises, and the codes
every error carries. (The graphql-http audit checks the rest: tests/test_frontend_tools.py.)"""

from __future__ import annotations

import pytest
from graphql import build_schema

from schema.relay import to_global_id
from tests.factories import make_collaborative
from tests.test_schema_file import SCHEMA_FILE

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def ask(client, body, accept: str | None = None, **params):
    headers = {"accept": accept} if accept else {}
    if params:
        return await client.get("/graphql", params=params, headers=headers)
    return await client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),  # Apollo Client 4
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/json"),
    ],
)
async def test_the_answer_speaks_the_media_type_the_client_prefers(
    client, accept, media_type
) -> None:
    response = await ask(client, {"query": "{ __typename }"}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json() == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"requested": 0, "limit": 10000}},
    }


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ viewer { ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nothingLikeThis }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: String!) { __type(name: $n) { name } }", {"n": 5}, "BAD_USER_INPUT"),
    ],
)
async def test_a_request_error_is_400_without_data_for_graphql_response_clients_and_200_for_json(
    client, query, variables, code
) -> None:
    body = {"query": query, "variables": variables}
    new = await ask(client, body, GRAPHQL_RESPONSE)
    old = await ask(client, body, "application/json")
    assert (new.status_code, old.status_code) == (400, 200)
    for response in (new, old):
        answer = response.json()
        assert "data" not in answer
        assert {e["extensions"]["code"] for e in answer["errors"]} == {code}


async def test_an_error_inside_execution_keeps_the_data_that_did_answer_and_a_200(
    client, session
) -> None:
    collaborative = await make_collaborative(session)
    query = (
        f'{{ collaborative(slug: "{collaborative.slug}") {{ name '
        "partners(first: 999) { totalCount } } }"
    )
    response = await ask(client, {"query": query}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    answer = response.json()
    assert answer["data"] == {"collaborative": {"name": collaborative.name, "partners": None}}
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_anonymous_mutation_is_told_to_sign_in(client, session) -> None:
    collaborative = await make_collaborative(session)
    mutation = """mutation($id: ID!) { updateCollaborative(input: {id: $id, name: "Ours"}) {
      userErrors { field code } } }"""
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = await ask(
            client,
            {
                "query": mutation,
                "variables": {"id": to_global_id("Collaborative", collaborative.id)},
            },
            accept,
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="tablero"'
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert error["message"].startswith("sign in")
        assert "data" not in response.json()


async def test_refusals_before_any_operation_speak_the_clients_media_type_and_are_not_cached(
    client,
) -> None:
    response = await client.post(
        "/graphql",
        content=b"{not json",
        headers={"content-type": "application/json", "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_query_runs_with_get_and_a_mutation_never_does(client) -> None:
    got = await ask(client, None, GRAPHQL_RESPONSE, query="{ viewer { isAnonymous } }")
    assert got.json()["data"] == {"viewer": {"isAnonymous": True}}
    refused = await ask(client, None, GRAPHQL_RESPONSE, query="mutation { __typename }")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"


def mutation_documents() -> dict[str, str]:
    """One document per mutation, its input a variable the request leaves out."""
    schema = build_schema(SCHEMA_FILE.read_text())
    documents = {}
    for name, field in schema.mutation_type.fields.items():
        declared = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
        passed = ", ".join(f"{a}: ${a}" for a in field.args)
        documents[name] = f"mutation({declared}) {{ {name}({passed}) {{ __typename }} }}"
    return documents


@pytest.mark.parametrize("name", sorted(mutation_documents()))
async def test_every_mutation_tells_an_anonymous_client_to_sign_in_before_anything_else(
    client, name: str
) -> None:
    response = await client.post("/graphql", json={"query": mutation_documents()[name]})
    assert response.status_code == 401
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_answer_says_its_language_and_that_it_varies_by_the_asked_one(
    client, session
) -> None:
    collaborative = await make_collaborative(session, languages=["en", "es"])
    query = {"query": f'{{ collaborative(slug: "{collaborative.slug}") {{ language }} }}'}
    spanish = await client.post("/graphql", json=query, headers={"accept-language": "es-MX"})
    unasked = await client.post("/graphql", json=query)
    assert spanish.json()["data"]["collaborative"]["language"] == "es"
    assert spanish.headers["content-language"] == "es"
    assert "content-language" not in unasked.headers  # each collaborative's default answered
    for response in (spanish, unasked):
        assert "Accept-Language" in response.headers["vary"]
