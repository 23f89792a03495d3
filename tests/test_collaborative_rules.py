"""The collaborative's own rules: the backbone strengthens suppression at once, a weaker rule
takes a ratified proposal, a change applies from the next release, and a new default
language takes every text from its translation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from api.settings import Settings
from schema.relay import to_global_id
from services.agenda.models import Domain
from services.partners.models import PartnerKind
from services.viewer import Role
from tests.aggregate_fixture import AGGREGATE, Q1, build_fixture, release
from tests.factories import (
    bearer,
    graphql,
    make_collaborative,
    make_member,
    make_partner,
    translation_of,
)
from tests.test_governance_api import close, town, vote
from tests.test_rule_change import propose, rule

__all__ = ["town"]  # the proposals' fixture

UPDATE = """mutation($input: UpdateCollaborativeInput!) { updateCollaborative(input: $input) {
  collaborative { defaultLanguage languages suppression { minPartners minCell maxDominanceShare } }
  userErrors { field code message } } }"""
SUPPRESSION = """query($slug: String!) { collaborative(slug: $slug) {
  suppression { minPartners minCell maxDominanceShare } } }"""


async def update(client, collaborative, headers, **fields) -> dict[str, Any]:
    variables = {"input": {"id": to_global_id("Collaborative", collaborative.id), **fields}}
    body = await graphql(client, UPDATE, variables, headers)
    return body["data"]["updateCollaborative"]


async def suppression(client, town) -> dict[str, Any]:
    body = await graphql(client, SUPPRESSION, {"slug": town["collaborative"].slug})
    return body["data"]["collaborative"]["suppression"]


async def test_the_backbone_strengthens_the_suppression_rules_at_once(client, town) -> None:
    changed = await update(
        client,
        town["collaborative"],
        town["as"]["backbone"],
        minPartners=4,
        minCell=20,
        maxDominanceShare=0.6,
    )
    assert changed["userErrors"] == []
    assert await suppression(client, town) == {
        "minPartners": 4,
        "minCell": 20,
        "maxDominanceShare": 0.6,
    }


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"minPartners": 2}, ["minPartners"], "FORBIDDEN"),
        ({"minCell": 5}, ["minCell"], "FORBIDDEN"),
        ({"maxDominanceShare": 0.9}, ["maxDominanceShare"], "FORBIDDEN"),
        ({"minPartners": 5, "minCell": 5}, ["minCell"], "FORBIDDEN"),  # nothing written
        ({"minPartners": 1}, ["minPartners"], "OUT_OF_RANGE"),
        ({"maxDominanceShare": 0.4}, ["maxDominanceShare"], "OUT_OF_RANGE"),
        ({"minPartners": None}, ["minPartners"], "REQUIRED"),
    ],
)
async def test_a_weaker_or_impossible_rule_is_refused_by_name_and_nothing_changes(
    client, town, fields, field, code
) -> None:
    refused = await update(client, town["collaborative"], town["as"]["backbone"], **fields)
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(field, code)]
    assert await suppression(client, town) == {
        "minPartners": 3,
        "minCell": 11,
        "maxDominanceShare": 0.8,
    }


@pytest.mark.parametrize("who", ["steward", "staff", "resident1", "funder", "outsider"])
async def test_only_the_backbone_strengthens_them(client, town, who) -> None:
    refused = await update(client, town["collaborative"], town["as"][who], minPartners=5)
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]


async def test_a_weaker_rule_applies_once_the_table_ratifies_it(client, town) -> None:
    proposed = await propose(client, town, minPartners=2, maxDominanceShare=0.9)
    assert proposed["userErrors"] == []
    assert proposed["proposal"]["changes"] == {"min_partners": 2, "max_dominance_share": 0.9}
    for who in ("resident1", "resident2", "staff"):
        await vote(client, town, proposed["proposal"]["id"], who, "YES")
    closed = await close(client, town, proposed["proposal"]["id"])
    assert closed["proposal"]["status"] == "RATIFIED"
    assert await suppression(client, town) == {
        "minPartners": 2,
        "minCell": 11,
        "maxDominanceShare": 0.9,
    }
    assert (await rule(client, town))["quorum"] == 3  # the ratification rule is untouched


async def test_institutions_alone_cannot_weaken_suppression(client, town) -> None:
    proposed = await propose(client, town, who="staff", minCell=3)
    for who in ("staff", "steward", "backbone"):
        await vote(client, town, proposed["proposal"]["id"], who, "YES")
    closed = await close(client, town, proposed["proposal"]["id"])
    assert closed["proposal"]["status"] == "REJECTED"
    assert (await suppression(client, town))["minCell"] == 11


async def test_a_proposed_rule_out_of_range_names_its_field(client, town) -> None:
    proposed = await propose(client, town, minPartners=1)
    assert [(e["field"], e["code"]) for e in proposed["userErrors"]] == [
        (["changes", "minPartners"], "OUT_OF_RANGE")
    ]


async def backbone_of(session: Any, fixture: Any) -> Any:
    """A backbone person of the aggregate fixture's collaborative."""
    return await make_member(
        session,
        fixture.collaborative,
        Role.BACKBONE,
        await make_partner(session, fixture.collaborative, kind=PartnerKind.BACKBONE),
    )


async def test_a_stronger_rule_applies_from_the_next_release_and_the_last_one_stays(
    client, session, settings: Settings
) -> None:
    # given Q1 released under the default rules: three partners, shown
    fixture = await build_fixture(session, settings)
    backbone = await backbone_of(session, fixture)
    await release(session, fixture, Q1)
    query = {"of": fixture.of, "from": "2025-01-01", "to": "2025-03-31"}

    async def total() -> dict[str, Any]:
        body = await graphql(client, AGGREGATE, query, fixture.viewers["funder"])
        return next(c for c in body["data"]["aggregate"]["cells"] if not c["breakdown"])

    assert (await total())["value"] is not None
    # when the backbone raises the minimum of partners to four
    changed = await update(client, fixture.collaborative, bearer(settings, backbone), minPartners=4)
    assert changed["userErrors"] == []
    # then the released cell stays as published until the period is released again
    published = await total()
    assert published["value"] is not None
    assert published["release"]["number"] == 1
    await release(session, fixture, Q1)
    revised = await total()
    assert revised["value"] is None
    assert revised["release"]["number"] == 2
    assert revised["reason"] in ("TOO_FEW_PARTNERS", "REVISION")


async def test_a_ratified_weaker_rule_leaves_released_cells_and_applies_from_the_next_release(
    client, session, settings: Settings
) -> None:
    # given Q1 released by race under the default rules: its white cell too small to show
    fixture = await build_fixture(session, settings)
    backbone = await backbone_of(session, fixture)
    table = {
        "collaborative": fixture.collaborative,
        "as": {
            "backbone": bearer(settings, backbone),
            "resident1": fixture.viewers["resident"],
            "resident2": bearer(
                settings, await make_member(session, fixture.collaborative, Role.RESIDENT)
            ),
            "staff": fixture.viewers["staff of A"],
        },
    }
    await release(session, fixture, Q1)
    query = {"of": fixture.of, "by": ["race_ethnicity"], "from": "2025-01-01", "to": "2025-03-31"}

    async def cells() -> dict[str, dict[str, Any]]:
        body = await graphql(client, AGGREGATE, query, fixture.viewers["funder"])
        found = body["data"]["aggregate"]["cells"]
        return {c["breakdown"][0]["category"]: c for c in found}

    published = await cells()
    assert (published["white"]["value"], published["white"]["reason"]) == (None, "SMALL_CELL")
    # when the table ratifies a smaller minimum cell
    proposed = await propose(client, table, minCell=5)
    assert proposed["userErrors"] == []
    for who in ("resident1", "resident2", "staff"):
        voted = await vote(client, table, proposed["proposal"]["id"], who, "YES")
        assert voted["userErrors"] == []
    closed = await close(client, table, proposed["proposal"]["id"])
    assert closed["proposal"]["status"] == "RATIFIED"
    assert (await suppression(client, table))["minCell"] == 5
    # then every released cell reads as published, hidden reasons and all
    assert await cells() == published
    # and only a new release of the period decides it under the weaker rule: the white cell
    # is big enough now, and is withheld only because release 1 hid it (a re-release under
    # the old rule would still say SMALL_CELL); what was shown stays as shown
    await release(session, fixture, Q1)
    revised = await cells()
    assert {c["release"]["number"] for c in revised.values()} == {2}
    assert (revised["white"]["value"], revised["white"]["reason"]) == (None, "REVISION")
    for shown in ("asian", "latino"):
        assert published[shown]["value"] is not None
        assert revised[shown]["value"] == published[shown]["value"]


async def test_a_new_default_language_takes_every_text_from_its_translation(
    client, session, settings: Settings
) -> None:
    collaborative = await make_collaborative(session)
    backbone = await make_member(
        session,
        collaborative,
        Role.BACKBONE,
        await make_partner(session, collaborative, kind=PartnerKind.BACKBONE),
    )
    as_backbone = bearer(settings, backbone)
    domain = Domain(collaborative_id=collaborative.id, name="Health", description="")
    session.add(domain)
    await session.flush()
    # a text without a Spanish translation blocks the change, naming how many
    refused = await update(client, collaborative, as_backbone, defaultLanguage="es")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["defaultLanguage"], "INVALID")
    ]
    assert "1 text(s)" in refused["userErrors"][0]["message"]
    session.add(translation_of(domain, "name", "Salud"))
    await session.flush()
    changed = await update(client, collaborative, as_backbone, defaultLanguage="es")
    assert changed["userErrors"] == []
    assert changed["collaborative"]["defaultLanguage"] == "es"
    texts = await session.exec(
        text(
            "SELECT d.name, t.language, t.text FROM domain d JOIN translation t"
            " ON t.subject_id = d.id WHERE d.id = :id"
        ).bindparams(id=domain.id)
    )
    assert [tuple(r) for r in texts.all()] == [("Salud", "en", "Health")]


async def test_the_default_language_must_be_listed(client, town) -> None:
    refused = await update(
        client, town["collaborative"], town["as"]["backbone"], defaultLanguage="fr"
    )
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["defaultLanguage"], "INVALID")
    ]
