"""Each client's query-cost budget per minute: 429 with Retry-After past it, what remains in
`extensions`, shared through PostgreSQL by every API process."""

from __future__ import annotations

import pytest

from api.settings import Settings
from services.rate_limits.budget import Ledger, seconds_left, window_of
from services.viewer import Role
from tests.apps import client_with, post
from tests.factories import bearer, make_account, make_collaborative, make_member, make_partner

NOW = 1_800_000_030.0  # 30 s into a minute
PARTNERS = """query($n: Int!) { collaborative(slug: "none") {
  partners(first: $n) { nodes { name } } } }"""  # costs 2 + n


def costing(n: int) -> dict:
    if n == 1:
        return {"query": "{ viewer { isAnonymous } }"}
    return {"query": PARTNERS, "variables": {"n": n - 2}}


@pytest.fixture
async def limited(settings, database, connection):
    async with client_with(settings, database, connection, rate_limit_per_minute=10) as client:
        client.app.state.rate_limiter.clock = lambda: NOW  # type: ignore[attr-defined]
        yield client


# -- the ledger ----------------------------------------------------------------------------


def test_a_client_spends_up_to_its_budget_and_not_a_point_more() -> None:
    ledger = Ledger(limit=10)
    assert ledger.charge("a", 7, NOW).allowed
    at = ledger.charge("a", 3, NOW)
    over = ledger.charge("a", 1, NOW)
    assert (at.allowed, at.remaining) == (True, 0)
    assert (over.allowed, over.remaining, over.reset_seconds) == (False, 0, 30)
    assert ledger.exhausted("a", NOW) is not None
    assert ledger.charge("b", 10, NOW).allowed  # another client has its own budget


def test_every_request_costs_at_least_one_and_a_new_minute_starts_afresh() -> None:
    ledger = Ledger(limit=2)
    assert ledger.charge("a", 0, NOW).remaining == 1
    assert ledger.charge("a", 0, NOW).remaining == 0
    assert not ledger.charge("a", 0, NOW).allowed
    assert ledger.charge("a", 2, NOW + 30).allowed


def test_syncing_adds_what_others_spent_and_keeps_what_was_charged_meanwhile() -> None:
    ledger = Ledger(limit=100)
    ledger.charge("a", 10, NOW)
    window, sent = ledger.unsynced(NOW)
    ledger.charge("a", 5, NOW)  # charged while the sync was on its way
    ledger.synced(window, sent, {"a": 10 + 60})  # another process had spent 60
    assert ledger.charge("a", 1, NOW).remaining == 100 - 60 - 10 - 5 - 1
    assert ledger.unsynced(NOW) == (window, {"a": 6})


def test_windows_are_whole_minutes_of_the_clock() -> None:
    assert window_of(NOW) == window_of(NOW + 29) != window_of(NOW + 30)
    assert seconds_left(NOW) == 30
    assert seconds_left(NOW + 29.5) == 1


# -- through the endpoint ------------------------------------------------------------------------


async def test_a_client_may_spend_its_whole_budget_then_gets_429_with_retry_after(
    limited,
) -> None:
    # when
    at = await post(limited, costing(10))
    over = await post(limited, costing(2))
    # then
    assert at.status_code == 200
    assert at.json()["extensions"]["rateLimit"] == {"limit": 10, "remaining": 0, "resetSeconds": 30}
    assert over.status_code == 429
    assert over.headers["Retry-After"] == "30"
    [error] = over.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 30}


async def test_a_request_over_what_is_left_is_refused_without_running(limited) -> None:
    assert (await post(limited, costing(9))).status_code == 200
    over = await post(limited, costing(2))
    assert over.status_code == 429
    body = over.json()
    assert "data" not in body  # refused before running
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert (await post(limited, costing(1))).status_code == 200  # what is left still serves


async def test_requests_that_do_not_parse_count_too(limited) -> None:
    for _ in range(10):
        assert (await post(limited, {"query": "{ viewer"})).status_code == 200
    assert (await post(limited, {"query": "{ viewer"})).status_code == 429


async def test_people_keys_and_addresses_have_budgets_of_their_own(
    limited, session, settings: Settings
) -> None:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    person = await make_member(session, collaborative, Role.PARTNER_STAFF, partner)
    other = await make_account(session)
    await session.flush()
    assert (await post(limited, costing(10))).status_code == 200  # this address is spent
    assert (await post(limited, costing(10), **bearer(settings, person))).status_code == 200
    assert (await post(limited, costing(10), **bearer(settings, other))).status_code == 200
    assert (await post(limited, costing(1), **bearer(settings, person))).status_code == 429


async def test_the_budget_holds_across_api_processes_through_the_database(
    settings, database, connection
) -> None:
    # given two API processes sharing one database
    async with (
        client_with(settings, database, connection, rate_limit_per_minute=10) as first,
        client_with(settings, database, connection, rate_limit_per_minute=10) as second,
    ):
        limiters = [c.app.state.rate_limiter for c in (first, second)]  # type: ignore[attr-defined]
        for limiter in limiters:
            limiter.clock = lambda: NOW
        # when the client spends 8 through the first and 1 through the second, and both sync
        assert (await post(first, costing(8))).status_code == 200
        assert (await post(second, costing(1))).status_code == 200
        for limiter in limiters:
            await limiter.sync()
        # then the second knows that 1 is left, not 9
        assert (await post(second, costing(2))).status_code == 429
        assert (await post(second, costing(1))).status_code == 200
        # and once it has said so, the first knows that nothing is
        await limiters[1].sync()
        await limiters[0].sync()
        assert (await post(first, costing(1))).status_code == 429
