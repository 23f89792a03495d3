"""The benchmark's floor (bench/floor.py) answers what the API answers, under the same
row-level security: a floor that answered something else, or saw more, would make the
benchmark's comparison meaningless.

One database of the synthetic size S, loaded once for the module (about ten seconds).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.auth import issue_token
from api.database import Database
from api.migrate import upgrade
from api.settings import Settings
from bench.__main__ import months_of
from bench.floor import Floor
from bench.floor import create_app as create_floor
from bench.requests import Kind, email, kinds
from schema.relay import from_global_id
from seeds.synthetic import SIZES, seed_synthetic, synthetic_id
from tests.database import TestServer

FLOOR_DATABASE = "tablero_floor"
SIZE = SIZES["S"]
READS = [k.name for k in kinds([]) if k.name != "submit"]


@dataclass
class Bench:
    """The loaded database, the API and the floor over it, and the synthetic months."""

    owner_url: str
    settings: Settings
    api: httpx.AsyncClient
    floor: httpx.AsyncClient
    months: list[str]

    def kind(self, name: str) -> Kind:
        return {k.name: k for k in kinds(self.months)}[name]

    def headers(self, viewer: str | None) -> dict[str, str]:
        if viewer is None:
            return {}
        return {"Authorization": f"Bearer {issue_token(self.settings, email(SIZE, viewer))}"}

    async def both(
        self, name: str, number: int = 0, viewer: str | None = "kind's"
    ) -> tuple[httpx.Response, httpx.Response]:
        """The API's and the floor's answers to request `number` of a kind."""
        kind = self.kind(name)
        headers = self.headers(kind.viewer if viewer == "kind's" else viewer)
        api = await self.api.post("/graphql", json=kind.body(SIZE, number), headers=headers)
        floor = await self.floor.post(
            f"/floor/{name}", json=kind.body(SIZE, number), headers=headers
        )
        return api, floor

    async def owner(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.owner_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def bench(migrated: TestServer) -> AsyncIterator[Bench]:
    await migrated.create_database(FLOOR_DATABASE)
    owner_url, api_url = migrated.owner_url(FLOOR_DATABASE), migrated.api_url(FLOOR_DATABASE)
    await asyncio.to_thread(upgrade, owner_url)
    await seed_synthetic(owner_url, SIZE)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=api_url, rate_limit_per_minute=0
    )
    database = Database.connect(api_url)
    floor = Floor.from_settings(settings)
    await floor.open()  # ASGITransport runs no lifespan
    months = await months_of(owner_url, SIZE)
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, database=database)),
            base_url="http://test",
            timeout=60,
        ) as api,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_floor(floor)),
            base_url="http://test",
            timeout=60,
        ) as floor_client,
    ):
        yield Bench(owner_url, settings, api, floor_client, months)
    await floor.close()
    await database.dispose()


def same_data(api: httpx.Response, floor: httpx.Response) -> None:
    """The floor's body is the API's `data`, byte for byte; the API may add `extensions`
    (its query cost), which the floor, having no query limits, does not."""
    assert api.status_code == floor.status_code == 200
    assert "errors" not in api.json(), api.text[:500]
    assert floor.content.startswith(b'{"data":')
    assert api.content.startswith(floor.content[:-1])
    rest = api.content[len(floor.content) - 1 :]
    assert rest == b"}" or rest.startswith(b',"extensions":'), rest[:100]
    assert json.loads(api.content)["data"] == json.loads(floor.content)["data"]


async def visibilities(bench: Bench, global_ids: set[str]) -> set[str]:
    """The visibilities of measures by their global ids, as the owner reads them."""
    ids = [from_global_id(i)[1] for i in global_ids]  # type: ignore[index]
    rows = await bench.owner(
        "SELECT DISTINCT visibility FROM performance_measure WHERE id = ANY ($1::uuid[])", ids
    )
    return {r["visibility"] for r in rows}


@pytest.mark.parametrize("name", READS)
async def test_the_floor_answers_every_read_as_the_api_does(bench: Bench, name: str) -> None:
    # when the API and the floor answer the same request
    api, floor = await bench.both(name)
    # then with the same data, down to the byte
    same_data(api, floor)
    assert floor.json()["data"] is not None


async def test_anonymous_requests_are_answered_alike_and_see_only_public_measures(
    bench: Bench,
) -> None:
    # when nobody asks for partner 0's dashboard
    api, floor = await bench.both("partner-dashboard", viewer=None)
    # then the floor answers as the API does, and shows public measures only
    same_data(api, floor)
    nodes = floor.json()["data"]["node"]["measures"]["nodes"]
    assert nodes
    assert await visibilities(bench, {n["id"] for n in nodes}) == {"public"}


async def test_the_floor_hides_a_partners_private_measures_from_members(bench: Bench) -> None:
    # when the partner's staff and a resident member ask for the same dashboard
    _, as_staff = await bench.both("partner-dashboard")
    _, as_resident = await bench.both("member-dashboard")
    # then the resident sees fewer measures: none private, and those missing are private
    staff = {n["id"] for n in as_staff.json()["data"]["node"]["measures"]["nodes"]}
    resident = {n["id"] for n in as_resident.json()["data"]["node"]["measures"]["nodes"]}
    assert len(resident) < len(staff)
    assert await visibilities(bench, resident) == {"public", "collaborative"}
    assert await visibilities(bench, staff - resident) == {"private"}


async def test_nobody_reads_a_funders_aggregate_through_the_floor(bench: Bench) -> None:
    # when nobody asks for the shared measure's aggregate
    api, floor = await bench.both("funder-aggregate", viewer=None)
    # then neither answers with cells: the API nulls the field it did not find
    assert api.json()["data"] == {"aggregate": None}
    assert [e["extensions"]["code"] for e in api.json()["errors"]] == ["NOT_FOUND"]
    assert "data" not in floor.json()
    assert floor.json()["errors"]


async def test_the_floor_connects_as_the_api_role_under_row_level_security(bench: Bench) -> None:
    # given the role the floor's connections log in as
    floor = Floor.from_settings(bench.settings)
    floor.pool_size = 1
    await floor.open()
    try:
        assert floor.pool is not None
        async with floor.pool.acquire() as conn:
            role = await conn.fetchrow(
                "SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles"
                " WHERE rolname = current_user"
            )
            owner = await conn.fetchval(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'observation'"
            )
    finally:
        await floor.close()
    # then it is neither superuser, nor BYPASSRLS, nor the tables' owner
    assert role is not None
    assert not role["rolsuper"]
    assert not role["rolbypassrls"]
    assert role["name"] != owner


async def test_a_members_viewer_does_not_outlive_its_request_on_the_floors_connection(
    bench: Bench,
) -> None:
    # given a floor with one connection
    floor = Floor.from_settings(bench.settings)
    floor.pool_size = 1
    await floor.open()
    kind = bench.kind("member-dashboard")
    try:
        transport = httpx.ASGITransport(app=create_floor(floor))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            # when a member asks, then nobody asks, on the same connection
            body = kind.body(SIZE, 0)
            url = f"/floor/{kind.name}"
            member = await client.post(url, json=body, headers=bench.headers("resident"))
            anonymous = await client.post(url, json=body)
    finally:
        await floor.close()
    # then nobody sees less than the member: the member's settings ended with its request
    seen = {
        who: len(r.json()["data"]["node"]["measures"]["nodes"])
        for who, r in (("member", member), ("anonymous", anonymous))
    }
    assert seen["anonymous"] < seen["member"]


async def test_the_floor_refuses_a_bad_token_and_another_document(bench: Bench) -> None:
    kind = bench.kind("series")
    bad = {"Authorization": "Bearer not-a-token"}
    refused = await bench.floor.post("/floor/series", json=kind.body(SIZE, 0), headers=bad)
    other = await bench.floor.post("/floor/series", json={"query": "{ __typename }"})
    unknown = await bench.floor.post("/floor/nothing", json=kind.body(SIZE, 0))
    assert refused.status_code == 401
    assert other.status_code == 400
    assert unknown.status_code == 404


OBSERVATIONS_OF_BATCH = """
SELECT o.id, o.partner_id, o.visibility, o.widest_visibility, o.status, o.revision,
       o.is_current, o.recorded_by_account, o.breakdown_key, o.value, o.n,
       (SELECT count(*) FROM audit_event a WHERE a.row_id = o.id) AS audited
FROM observation_batch b
JOIN observation o ON o.collaborative_id = b.collaborative_id AND o.batch_id = b.id
WHERE b.client_key = $1
"""


async def test_the_floor_submits_a_batch_as_the_api_does(bench: Bench) -> None:
    # when the API records batch 0 and the floor batch 1 (another intake measure)
    kind = bench.kind("submit")
    headers = bench.headers("reporter")
    api = await bench.api.post("/graphql", json=kind.body(SIZE, 0), headers=headers)
    floor = await bench.floor.post("/floor/submit", json=kind.body(SIZE, 1), headers=headers)
    # then both answer the same shape: 50 new observations, nothing replayed, no error
    for answer in (api.json(), floor.json()):
        payload = answer["data"]["submitObservations"]
        assert payload["replayed"] is False
        assert payload["userErrors"] == []
        assert len(payload["observations"]) == 50
        assert {o["revision"] for o in payload["observations"]} == {1}
        assert list(payload["observations"][0]) == ["id", "revision"]
    # and the rows landed alike: the triggers filled in owner and visibility, the audit
    # trail recorded each row, and the batch remembers its observations in order
    landed = {}
    for number, answer in ((0, api.json()), (1, floor.json())):
        key = kind.body(SIZE, number)["variables"]["input"]["clientKey"]
        rows = await bench.owner(OBSERVATIONS_OF_BATCH, key)
        batch = await bench.owner(
            "SELECT observation_ids FROM observation_batch WHERE client_key = $1", key
        )
        observations = answer["data"]["submitObservations"]["observations"]
        ids = [from_global_id(o["id"])[1] for o in observations]  # type: ignore[index]
        assert batch[0]["observation_ids"] == ids
        assert {r["id"] for r in rows} == set(ids)
        landed[number] = {
            (r["partner_id"], r["visibility"], r["widest_visibility"], r["status"],
             r["revision"], r["is_current"], r["recorded_by_account"], r["audited"])
            for r in rows
        }  # fmt: skip
    assert landed[0] == landed[1]
    assert len(landed[1]) == 1
    assert next(iter(landed[1]))[0] == synthetic_id(SIZE, "partner", "intake")


async def test_the_floor_replays_a_client_key_as_the_api_does(bench: Bench) -> None:
    # given batch 2 recorded by the API
    kind = bench.kind("submit")
    headers = bench.headers("reporter")
    body = kind.body(SIZE, 2)
    first = await bench.api.post("/graphql", json=body, headers=headers)
    # when the floor is sent the same batch again, then other content under its key
    again = await bench.floor.post("/floor/submit", json=body, headers=headers)
    other = kind.body(SIZE, 3)
    other["variables"]["input"]["clientKey"] = body["variables"]["input"]["clientKey"]
    other["variables"]["input"]["subjectId"] = body["variables"]["input"]["subjectId"]
    conflict = await bench.floor.post("/floor/submit", json=other, headers=headers)
    # then the same batch replays the API's observations, and other content is refused
    replayed = again.json()["data"]["submitObservations"]
    assert replayed["replayed"] is True
    assert replayed["observations"] == first.json()["data"]["submitObservations"]["observations"]
    errors = conflict.json()["data"]["submitObservations"]["userErrors"]
    assert errors == [{"field": ["clientKey"], "message": "was already used for a different batch"}]


async def test_the_floor_refuses_cells_already_reported_and_strangers(bench: Bench) -> None:
    # given batch 4 recorded by the floor
    kind = bench.kind("submit")
    body = kind.body(SIZE, 4)
    await bench.floor.post("/floor/submit", json=body, headers=bench.headers("reporter"))
    # when the same cells come under another key, and from a member who is not the partner
    body["variables"]["input"]["clientKey"] += "-again"
    again = await bench.floor.post("/floor/submit", json=body, headers=bench.headers("reporter"))
    stranger = await bench.floor.post(
        "/floor/submit", json=kind.body(SIZE, 5), headers=bench.headers("resident")
    )
    # then each is refused as the API refuses it, and nothing is written
    errors = again.json()["data"]["submitObservations"]["userErrors"]
    assert len(errors) == 50
    assert errors[0]["field"] == ["observations", "0", "periodStart"]
    assert stranger.json()["data"]["submitObservations"]["userErrors"] == [
        {"field": ["subjectId"], "message": "no measure or indicator with this id"}
    ]
    written = await bench.owner(
        "SELECT count(*) FROM observation_batch WHERE client_key = ANY ($1::text[])",
        [body["variables"]["input"]["clientKey"], "bench-S-5"],
    )
    assert written[0]["count"] == 0
