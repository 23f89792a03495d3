"""No request body gets a 500: whatever a client sends that is not an operation answers a
clear error with a code (400, 413, 415, 405) before anything runs. Limits are tested just
under and just over."""

from __future__ import annotations

import json

import pytest

from tests.apps import client_with, post

VIEWER = "{ viewer { isAnonymous } }"


def refused(response, status: int = 400, code: str = "BAD_USER_INPUT") -> str:
    assert response.status_code == status, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    return error["message"]


# -- the body ------------------------------------------------------------------------------


async def test_a_body_at_its_limit_is_read_and_one_byte_over_is_a_413(
    settings, database, connection
) -> None:
    at = json.dumps({"query": VIEWER + " #" + " " * 10})
    over = json.dumps({"query": VIEWER + " #" + " " * 11})  # one byte more
    limit = len(at.encode())
    async with client_with(settings, database, connection, max_body_bytes=limit) as client:
        fits = await post(client, at)
        too_large = await post(client, over)

        async def chunks():  # no Content-Length: counted as it streams
            yield at.encode()
            yield b" "

        streamed = await client.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
    assert fits.json()["data"] == {"viewer": {"isAnonymous": True}}
    message = refused(too_large, 413, "PAYLOAD_TOO_LARGE")
    assert str(limit) in message
    refused(streamed, 413, "PAYLOAD_TOO_LARGE")


async def test_a_fifty_megabyte_comment_is_refused_without_being_parsed(client) -> None:
    body = json.dumps({"query": VIEWER + " #" + "x" * 50_000_000})
    refused(await post(client, body), 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"query": "{ viewer { isAnonymous } }", "x": "\xff\xfe"}', "not UTF-8"),
        (b'{"query": ', "not JSON"),
        (b'{"query": "{ viewer { isAnonymous } }", "variables": {"a": NaN}}', "NaN"),
        (b'[{"query": "{ viewer { isAnonymous } }"}]', "batches"),
        (b'"{ viewer { isAnonymous } }"', "JSON object"),
        (b'{"query": 3}', "`query` must be a string"),
        (b'{"query": "{ viewer { isAnonymous } }", "variables": [1]}', "must be an object"),
        (b"{}", "send the operation"),
    ],
)
async def test_a_body_that_is_no_operation_is_a_400_that_says_why(
    client, body: bytes, says: str
) -> None:
    assert says in refused(await post(client, body))


@pytest.mark.parametrize(("depth", "status"), [(64, 200), (65, 400), (100_000, 400)])
async def test_variables_nest_at_most_64_levels(client, depth: int, status: int) -> None:
    # the variables object is level 2 of the body; its value adds the rest
    value = "[" * (depth - 2) + "1" + "]" * (depth - 2)
    body = '{"query": "{ viewer { isAnonymous } }", "variables": {"v": ' + value + "}}"
    response = await post(client, body)
    assert response.status_code == status, response.text[:200]
    if status == 400:
        assert "deeper than 64" in refused(response)


async def test_another_media_type_is_a_415(client) -> None:
    response = await client.post("/graphql", content=VIEWER, headers={"content-type": "text/plain"})
    refused(response, 415)


async def test_a_mutation_sent_with_get_is_a_405(client) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "mutation { publishObservations(input: {ids: []}) { userErrors { code } } }"
        },
    )
    refused(response, 405)
    assert response.headers["Allow"] == "POST"
