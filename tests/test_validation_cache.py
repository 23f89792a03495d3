"""A query text is parsed, validated and costed once per process, not once per request
(DESIGN.md, Speed): only its variables are looked at again."""

from __future__ import annotations

from typing import Any

import pytest

import schema.limits.extension as limits
from tests.factories import graphql

QUERY = """query ValidatedOnce($n: Int!) { viewer { isAnonymous } collaborative(slug: "none") {
  partners(first: $n) { nodes { name } } } }"""


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    calls: list[Any] = []
    original = getattr(limits, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(limits, name, counted)
    return calls


async def test_the_same_query_is_parsed_validated_and_planned_once(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    parsed, validated, planned = (
        counting(monkeypatch, name) for name in ("parse", "validate", "compile_plan")
    )
    # when
    costs = []
    for n in (1, 2, 3):
        body = await graphql(client, QUERY, {"n": n})
        assert body["data"]["viewer"]["isAnonymous"] is True
        costs.append(body["extensions"]["cost"]["requested"])
    # then
    assert (len(parsed), len(validated), len(planned)) == (1, 1, 1)
    assert costs == [3 + 1, 3 + 2, 3 + 3]  # viewer, collaborative, partners; a page of n
