"""A translation is seen exactly by whoever sees its subject: a private measure's Spanish name
reaches nobody else, through GraphQL or through the database as the API role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from schema.relay import to_global_id
from services.indicators.models import IndicatorStatus
from services.partners.models import PartnerKind
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner
from tests.measurement_factories import make_indicator, make_measure, make_result
from tests.test_rls_measurement import become_api
from tests.test_translations_api import spanish

SECRET = "Desalojos evitados"
PROPOSAL = "Indicador propuesto"
NODE = """query($id: ID!) { node(id: $id) { id
  ... on Measure { name translations { text } } } nodes(ids: [$id]) { id } }"""
LISTING = """query($slug: String!) { collaborative(slug: $slug, language: "es") {
  measures(first: 50) { nodes { name translations { text } missingTranslations { field } } }
  indicators(first: 50) { nodes { name translations { text } } }
  domains { results { indicators { name translations { text } } } } } }"""


@pytest.fixture
async def secrets(session, settings: Settings) -> SimpleNamespace:
    collaborative = await make_collaborative(session)
    owner = await make_partner(session, collaborative)
    other = await make_partner(session, collaborative)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    funder = await make_partner(session, collaborative, kind=PartnerKind.FUNDER)
    secret = await make_measure(session, owner, name="Evictions averted")
    result = await make_result(session, collaborative)
    proposed = await make_indicator(
        session, result, name="Proposed indicator", status=IndicatorStatus.PROPOSED
    )
    session.add_all(
        [
            spanish(secret, "name", SECRET),
            spanish(proposed, "name", PROPOSAL),
        ]
    )
    await session.flush()
    elsewhere = await make_collaborative(session)

    async def member(role: Role, of=None, home=collaborative) -> dict[str, str]:
        return bearer(settings, await make_member(session, home, role, of))

    return SimpleNamespace(
        collaborative=collaborative,
        owner=owner,
        other=other,
        secret=secret,
        proposed=proposed,
        as_owner=await member(Role.PARTNER_STAFF, owner),
        others={
            "other partner's steward": await member(Role.PARTNER_STEWARD, other),
            "backbone": await member(Role.BACKBONE, backbone),
            "resident": await member(Role.RESIDENT),
            "funder": await member(Role.FUNDER, funder),
            "outsider": await member(Role.RESIDENT, home=elsewhere),
            "anonymous": {},
        },
    )


async def test_a_private_measures_translations_reach_only_its_partner(client, secrets) -> None:
    measure_id = to_global_id("Measure", secrets.secret.id)
    for who, headers in secrets.others.items():
        body = await graphql(client, NODE, {"id": measure_id}, {**headers, "Accept-Language": "es"})
        assert body["data"] == {"node": None, "nodes": [None]}, who
        body = await graphql(client, LISTING, {"slug": secrets.collaborative.slug}, headers)
        assert SECRET not in str(body), who
    spanish = {**secrets.as_owner, "Accept-Language": "es"}
    body = await graphql(client, NODE, {"id": measure_id}, spanish)
    assert body["data"]["node"]["name"] == SECRET
    assert body["data"]["node"]["translations"] == [{"text": SECRET}]


async def test_a_proposed_indicators_translations_stay_among_members(client, secrets) -> None:
    for who in ("funder", "outsider", "anonymous"):
        body = await graphql(
            client, LISTING, {"slug": secrets.collaborative.slug}, secrets.others[who]
        )
        assert PROPOSAL not in str(body), who
    body = await graphql(
        client, LISTING, {"slug": secrets.collaborative.slug}, secrets.others["resident"]
    )
    assert PROPOSAL in str(body)


async def visible_texts(connection) -> set[str]:
    return {row[0] for row in (await connection.execute(text("SELECT text FROM translation")))}


async def test_the_database_shows_translations_only_with_their_subject(connection, secrets) -> None:
    # given the API role with the settings of another partner's member
    await become_api(
        connection,
        member_of=[secrets.collaborative.id],
        partner_ids=[secrets.other.id],
        steward_of=[secrets.other.id],
    )
    # then it reads the proposal's translation (members see proposals) but not the secret
    assert await visible_texts(connection) == {PROPOSAL}
    # and it cannot write one for the secret measure either
    with pytest.raises(DBAPIError, match="row-level security"):
        async with connection.begin_nested():
            await connection.execute(
                text(
                    "INSERT INTO translation (collaborative_id, id, subject_kind, subject_id,"
                    " field, language, text) VALUES (:c, gen_random_uuid(),"
                    " 'performance_measure', :s, 'description', 'es', 'forged')"
                ),
                {"c": secrets.collaborative.id, "s": secrets.secret.id},
            )
    updated = await connection.execute(text("UPDATE translation SET text = 'x'"))
    assert updated.rowcount == 0


async def test_the_database_hides_everything_from_an_anonymous_viewer(connection, secrets) -> None:
    await become_api(connection)
    assert await visible_texts(connection) == set()


async def test_the_owner_reads_its_own_and_a_measure_made_private_takes_its_translations_along(
    connection, session, secrets
) -> None:
    secrets.secret.visibility = Visibility.PUBLIC
    session.add(secrets.secret)
    await session.flush()
    await become_api(connection)
    assert await visible_texts(connection) == {SECRET}
    await connection.exec_driver_sql("RESET ROLE")
    secrets.secret.visibility = Visibility.PRIVATE
    session.add(secrets.secret)
    await session.flush()
    await become_api(connection)
    assert await visible_texts(connection) == set()
    await connection.exec_driver_sql("RESET ROLE")
    await become_api(connection, partner_ids=[secrets.owner.id])
    assert await visible_texts(connection) == {SECRET}
