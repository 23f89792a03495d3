"""A query text is validated once per process, not once per request (DESIGN.md, Speed)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema

from tests.factories import graphql

QUERY = "query ValidatedOnce { viewer { isAnonymous } }"
TOO_DEEP = (
    "{ "
    + 'collaborative(slug: "x") { partners { nodes { collaborative { ' * 4
    + "id"
    + " } } } }" * 4
    + " }"
)


async def test_the_same_query_is_validated_once(client, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    validate = strawberry_schema.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    for _ in range(3):
        body = await graphql(client, QUERY)
        assert body["data"]["viewer"]["isAnonymous"] is True
    assert len(calls) <= 1


async def test_the_depth_limit_still_holds(client) -> None:
    body = await graphql(client, TOO_DEEP)
    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
