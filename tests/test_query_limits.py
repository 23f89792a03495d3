"""What one request may ask: its cost, depth, aliases, tokens and size, each just under and
just over its limit, checked before anything runs and reported in `extensions`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from graphql import get_named_type, get_nullable_type, is_composite_type, is_list_type, parse

from schema.limits.cost import compile_plan
from schema.limits.rules import list_size
from schema.root import build_schema
from tests.apps import client_with, post

SCHEMA = build_schema()._schema
PARTNERS = """query($n: Int!) { collaborative(slug: "none") {
  partners(first: $n) { nodes { name } } } }"""  # 1 + 1 + n


def cost_of(query: str, variables: dict[str, Any] | None = None) -> int:
    plan = compile_plan(SCHEMA, parse(query), None, max_page=100)
    assert plan is not None
    return plan.cost(variables or {})


def fan_out(levels: int, fan: int) -> str:
    """Named fragments that each spread the next `fan` times over Observation.revisions."""
    fragments = [
        f"fragment F{i} on Observation {{ value "
        + " ".join(f"r{j}: revisions {{ ...F{i + 1} }}" for j in range(fan))
        + " }"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Observation {{ value }}")
    return 'query { node(id: "x") { ... on Observation { ...F0 } } }\n' + "\n".join(fragments)


# -- the cost model ------------------------------------------------------------------------


def test_objects_cost_one_and_scalars_nothing() -> None:
    assert cost_of("{ viewer { isAnonymous } }") == 1
    assert cost_of('{ collaborative(slug: "x") { name slug } }') == 1


def test_a_page_multiplies_what_each_item_asks_for() -> None:
    query = """{ collaborative(slug: "x") { measures(first: 20) { nodes {
      partner { name } latestObservations(count: 8) { value } } } } }"""
    # the collaborative, its connection, then per measure: itself, its partner, 8 values
    assert cost_of(query) == 1 + 1 + 20 * (1 + 1 + 8)


def test_a_page_size_from_a_variable_is_read_per_request_and_capped() -> None:
    assert [cost_of(PARTNERS, {"n": n}) for n in (0, 7, 100)] == [2, 9, 102]
    assert cost_of(PARTNERS, {"n": 10_000}) == 102  # beyond the page cap `first` is refused


def test_fragments_cost_as_often_as_they_are_spread() -> None:
    once = '{ collaborative(slug: "x") { ...C } } fragment C on Collaborative { domains { name } }'
    twice = """{ a: collaborative(slug: "x") { ...C } b: collaborative(slug: "y") { ...C } }
      fragment C on Collaborative { domains { name } }"""
    assert cost_of(twice) == 2 * cost_of(once)


def test_a_node_costs_the_dearest_of_the_types_it_may_be() -> None:
    query = """{ node(id: "x") { ... on Partner { name }
      ... on Measure { latestObservations(count: 5) { value } } } }"""
    assert cost_of(query) == 1 + 5


def test_lists_multiply_through_their_arguments() -> None:
    query = """{ node(id: "x") { ... on Observation { revisions(count: 3) { value
      revisions(count: 4) { value } } } } }"""
    assert cost_of(query) == 1 + 3 * (1 + 4)


def test_an_aggregate_and_a_mutation_cost_their_work() -> None:
    assert cost_of('{ aggregate(of: "x") { unit } }') == 1 + 20
    mutation = """mutation { publishObservations(input: { ids: [] }) { userErrors { code } } }"""
    assert cost_of(mutation) == 10 + 1 + 1


def test_every_list_of_objects_in_the_schema_has_a_size() -> None:
    unsized = [
        f"{type_name}.{field_name}"
        for type_name, named in SCHEMA.type_map.items()
        if not type_name.startswith("__") and hasattr(named, "fields")
        for field_name, field in named.fields.items()
        if is_list_type(get_nullable_type(field.type))
        and is_composite_type(get_named_type(field.type))
        and list_size(type_name, field_name) is None
    ]
    assert unsized == []


def test_a_fragment_fan_out_is_costed_in_linear_time() -> None:
    # given the issue's 756-byte attack and a far wider one, whose expansion would never end
    costs = [cost_of(fan_out(8, 2)), cost_of(fan_out(30, 6))]
    # then both are priced (without expanding them), for what they would fetch
    assert costs[0] > (2 * 10) ** 8
    assert costs[1] > (6 * 10) ** 30


# -- the limits, through the endpoint ----------------------------------------------------------


@pytest.fixture
async def limited(settings, database, connection):
    async with client_with(
        settings,
        database,
        connection,
        max_query_cost=10,
        max_aliases=3,
        max_document_bytes=200,
        max_query_depth=4,
    ) as c:
        yield c


async def test_the_cost_of_an_answer_is_in_its_extensions(client) -> None:
    body = (await post(client, {"query": PARTNERS, "variables": {"n": 5}})).json()
    assert body["extensions"]["cost"] == {"requested": 7, "limit": 10_000}


async def test_a_query_at_its_budget_runs_and_one_over_is_refused_before_running(
    limited,
) -> None:
    # when
    at = (await post(limited, {"query": PARTNERS, "variables": {"n": 8}})).json()
    over = (await post(limited, {"query": PARTNERS, "variables": {"n": 9}})).json()
    # then
    assert "errors" not in at
    assert at["extensions"]["cost"] == {"requested": 10, "limit": 10}
    [error] = over["errors"]
    assert "data" not in over  # refused before running: no data entry at all
    assert error["extensions"] == {"code": "COST_LIMIT", "cost": 11, "limit": 10}
    assert "would cost 11" in error["message"]
    assert "budget of one request is 10" in error["message"]


@pytest.mark.parametrize(("aliases", "refused"), [(3, False), (4, True)])
async def test_aliases_are_limited(limited, aliases: int, refused: bool) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ isAnonymous }}" for i in range(aliases)) + " }"
    body = (await post(limited, {"query": query})).json()
    assert ("errors" in body) is refused
    if refused:
        assert body["errors"][0]["extensions"] == {"code": "COST_LIMIT", "aliases": 4, "limit": 3}


@pytest.mark.parametrize(("depth", "refused"), [(4, False), (5, True)])
async def test_depth_is_limited_through_fragments_too(limited, depth: int, refused: bool) -> None:
    # collaborative > partners > nodes > name is 4 deep; the partner's collaborative's name 5
    inner = {4: "name", 5: "collaborative { name }"}[depth]
    query = '{ collaborative(slug: "x") { ...C } } fragment C on Collaborative { ' + (
        "partners(first: 1) { nodes { " + inner + " } } }"
    )
    body = (await post(limited, {"query": query})).json()
    assert ("errors" in body) is refused, body
    if refused:
        assert body["errors"][0]["extensions"] == {"code": "COST_LIMIT", "depth": 5, "limit": 4}


@pytest.mark.parametrize(("fields", "refused"), [(15, False), (16, True)])
async def test_tokens_are_limited(
    settings, database, connection, fields: int, refused: bool
) -> None:
    # `{ viewer {` and `} }` are 5 tokens, each field one more: 20 tokens hold 15 fields
    query = "{ viewer { " + "isAnonymous " * fields + "} }"
    async with client_with(settings, database, connection, max_tokens=20) as client:
        body = (await post(client, {"query": query})).json()
    assert ("errors" in body) is refused
    if refused:
        [error] = body["errors"]
        assert error["extensions"]["code"] == "COST_LIMIT"
        assert "more than 20 tokens" in error["message"]


async def test_a_document_at_its_size_runs_and_one_byte_more_is_refused(limited) -> None:
    base = "{ viewer { isAnonymous } }"
    at = base + " " * (200 - len(base))
    over = at + " "
    assert "errors" not in (await post(limited, {"query": at})).json()
    body = (await post(limited, {"query": over})).json()
    assert body["errors"][0]["extensions"] == {"code": "COST_LIMIT", "bytes": 201, "limit": 200}


async def test_the_issues_fan_out_is_refused_quickly_with_a_code(client) -> None:
    # given the 756-byte anonymous request that once ran 8 s and answered 5 MB
    body = (await post(client, {"query": fan_out(8, 2)})).json()
    # then it is refused before anything runs (no data: a request error)
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "COST_LIMIT"


async def test_a_thousand_aliases_of_aggregate_are_refused_before_any_runs(client) -> None:
    query = "{ " + " ".join(f'a{i}: aggregate(of: "x") {{ unit }}' for i in range(1000)) + " }"
    response = await post(client, {"query": query})
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT"


async def test_a_document_slow_to_validate_stalls_nobody_and_is_charged_its_time(
    settings, database, connection
) -> None:
    # given a valid document that one validation rule compares pairwise: a second or more
    repeated = "{ " + 'collaborative(slug: "x") { name } ' * 200 + "}"
    # a budget its preparing time cannot use up however slow the machine (20 points a ms)
    budget = 1_000_000
    async with client_with(settings, database, connection, rate_limit_per_minute=budget) as c:
        slow = asyncio.create_task(post(c, {"query": repeated}))
        # when /healthz is asked meanwhile
        latencies = []
        while not slow.done():
            started = time.perf_counter()
            assert (await c.get("/healthz")).status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)
        body = (await slow).json()
        again = (await post(c, {"query": repeated})).json()
    # then it was answered, /healthz never waited long, and the client paid for the time
    assert body["data"]["collaborative"] is None
    assert len(latencies) >= 5
    assert max(latencies) < 0.5, latencies
    paid = budget - body["extensions"]["rateLimit"]["remaining"]
    assert paid > 200 + 20 * 100  # its cost, and 20 points per millisecond past the first 100
    # and the second time it was prepared already: only its cost was charged
    spent_again = (
        body["extensions"]["rateLimit"]["remaining"] - again["extensions"]["rateLimit"]["remaining"]
    )
    assert spent_again == 200
