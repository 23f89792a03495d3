"""A shared measure under discussion is the members' until the table ratifies it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from api.settings import Settings
from schema.relay import to_global_id
from services.measures.models import SharedMeasureStatus
from services.partners.models import PartnerKind
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_shared_measure

LIST = """query($slug: String!) { collaborative(slug: $slug) {
  sharedMeasures(first: 10) { totalCount nodes { name } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on SharedMeasure { name } } }"""


@pytest.fixture
async def table(session, settings: Settings) -> dict:
    collaborative = await make_collaborative(session)
    elsewhere = await make_collaborative(session)
    funder = await make_partner(session, collaborative, kind=PartnerKind.FUNDER)
    proposed = await make_shared_measure(
        session, collaborative, name="Proposed", status=SharedMeasureStatus.PROPOSED
    )
    await make_shared_measure(
        session, collaborative, name="Ratified", status=SharedMeasureStatus.RATIFIED
    )
    people = {
        "resident": await make_member(session, collaborative, Role.RESIDENT),
        "funder": await make_member(session, collaborative, Role.FUNDER, funder),
        "outsider": await make_member(session, elsewhere, Role.RESIDENT),
    }
    return {
        "collaborative": collaborative,
        "proposed": proposed,
        "as": {k: bearer(settings, a) for k, a in people.items()} | {"anonymous": {}},
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("resident", ["Proposed", "Ratified"]),
        ("funder", ["Ratified"]),
        ("outsider", ["Ratified"]),
        ("anonymous", ["Ratified"]),
    ],
)
async def test_only_members_see_a_proposed_shared_measure(client, table, who, sees) -> None:
    headers = table["as"][who]
    listed = await graphql(client, LIST, {"slug": table["collaborative"].slug}, headers)
    connection = listed["data"]["collaborative"]["sharedMeasures"]
    assert [n["name"] for n in connection["nodes"]] == sees
    assert connection["totalCount"] == len(sees)
    node = await graphql(
        client, NODE, {"id": to_global_id("SharedMeasure", table["proposed"].id)}, headers
    )
    assert (node["data"]["node"] is not None) is ("Proposed" in sees)


async def test_below_the_api_too(connection, table) -> None:
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        names = await connection.execute(
            text("SELECT name FROM shared_measure WHERE collaborative_id = :c ORDER BY name"),
            {"c": str(table["collaborative"].id)},
        )
        assert names.scalars().all() == ["Ratified"]
    finally:
        await connection.exec_driver_sql("RESET ROLE")
