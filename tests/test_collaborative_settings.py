"""The backbone keeps the table's profile, languages and time zone; nobody else does."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.partners.models import PartnerKind
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner

UPDATE = """mutation($input: UpdateCollaborativeInput!) { updateCollaborative(input: $input) {
  collaborative { name languages defaultLanguage timeZone }
  userErrors { field code message } } }"""


@pytest.fixture
async def table(session, settings: Settings) -> dict:
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    school = await make_partner(session, collaborative)
    elsewhere = await make_collaborative(session)
    people = {
        "backbone": await make_member(session, collaborative, Role.BACKBONE, backbone),
        "steward": await make_member(session, collaborative, Role.PARTNER_STEWARD, school),
        "resident": await make_member(session, collaborative, Role.RESIDENT),
        "outsider": await make_member(
            session, elsewhere, Role.BACKBONE, await make_partner(session, elsewhere)
        ),
    }
    return {
        "collaborative": collaborative,
        "id": to_global_id("Collaborative", collaborative.id),
        "as": {k: bearer(settings, a) for k, a in people.items()} | {"anonymous": {}},
    }


async def update(client, table, who: str = "backbone", **fields) -> dict:
    body = await graphql(client, UPDATE, {"input": {"id": table["id"], **fields}}, table["as"][who])
    return body["data"]["updateCollaborative"]


async def test_the_backbone_adds_a_language_and_sets_the_time_zone(client, table) -> None:
    changed = await update(
        client, table, languages=["en", "es", "VI "], timeZone="America/Chicago", name="Ours"
    )
    assert changed["userErrors"] == []
    assert changed["collaborative"] == {
        "name": "Ours",
        "languages": ["en", "es", "vi"],
        "defaultLanguage": "en",
        "timeZone": "America/Chicago",
    }


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"languages": ["es"]}, ["languages"], "REQUIRED"),
        ({"languages": ["en", "en"]}, ["languages", "1"], "DUPLICATE"),
        ({"languages": ["en", "not a tag"]}, ["languages", "1"], "INVALID"),
        ({"timeZone": "Mars/Olympus_Mons"}, ["timeZone"], "INVALID"),
        ({"name": None}, ["name"], "REQUIRED"),
        ({"name": ""}, ["name"], "REQUIRED"),
    ],
)
async def test_wrong_settings_name_their_field_and_change_nothing(
    client, table, session, fields, field, code
) -> None:
    refused = await update(client, table, **fields)
    assert refused["collaborative"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(field, code)]
    await session.refresh(table["collaborative"])
    assert table["collaborative"].languages == ["en", "es"]
    assert table["collaborative"].time_zone == "UTC"


@pytest.mark.parametrize("who", ["steward", "resident", "outsider"])  # anonymous: UNAUTHENTICATED
async def test_only_the_backbone_keeps_the_settings(client, table, who) -> None:
    refused = await update(client, table, who=who, timeZone="America/Chicago")
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "column", ["default_language = 'es'", "min_partners = 1", "quorum = 1", "slug = 'x'"]
)
async def test_below_the_api_the_backbone_cannot_touch_what_protects_others(
    connection, table, column
) -> None:
    await connection.exec_driver_sql("SET LOCAL ROLE tablero_api")
    try:
        await connection.execute(
            text("SELECT set_config('tablero.backbone_of', :c, true)"),
            {"c": "{" + str(table["collaborative"].id) + "}"},
        )
        with pytest.raises(DBAPIError, match=r"permission denied|only by a ratified proposal"):
            async with connection.begin_nested():
                await connection.execute(
                    text(f"UPDATE collaborative SET {column} WHERE id = :c"),
                    {"c": str(table["collaborative"].id)},
                )
    finally:
        await connection.exec_driver_sql("RESET ROLE")
