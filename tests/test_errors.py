"""Failures that are not the user's fault are masked, logged, and roll the request back."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from api.settings import Settings
from schema.partners import types as partner_types
from services.dashboards import service as dashboards
from services.partners.models import Partner
from services.viewer import Role
from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner

CREATE = """
mutation($input: CreatePartnerInput!) {
  createPartner(input: $input) { partner { name } userErrors { field message } }
}
"""


async def test_an_unexpected_error_is_masked_and_logged_with_the_request_id(
    client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a bug deep in a service
    async def broken(**_: object) -> None:
        raise RuntimeError("password=hunter2 in a stack trace")

    monkeypatch.setattr(dashboards, "by_slug", broken)
    # when
    with caplog.at_level(logging.ERROR, logger="tablero.graphql"):
        response = await client.post(
            "/graphql", json={"query": '{ dashboard(collaborativeSlug: "x", slug: "y") { title } }'}
        )
    # then
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in response.text
    request_id = response.headers["X-Request-Id"]
    assert any(request_id in record.getMessage() for record in caplog.records)


async def test_a_write_followed_by_an_unexpected_error_is_rolled_back(
    client, session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a backbone, and a bug that strikes after the partner was written
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative)
    account = await make_member(session, collaborative, Role.BACKBONE, backbone)

    def broken(model: Partner) -> None:
        raise RuntimeError("bug after the write")

    monkeypatch.setattr(partner_types.Partner, "from_model", broken)
    global_id = partner_types.to_global_id("Collaborative", collaborative.id)
    # when
    body = await graphql(
        client,
        CREATE,
        {"input": {"collaborativeId": global_id, "name": "Ghost", "kind": "COMMUNITY_ORG"}},
        bearer(settings, account),
    )
    # then
    assert body["errors"][0]["message"] == "Unexpected error."
    ghosts = await session.exec(select(Partner).where(Partner.name == "Ghost"))
    assert ghosts.all() == []


async def test_a_syntax_error_is_explained_not_masked(client) -> None:
    body = await graphql(client, "{ viewer { ")
    assert "Syntax Error" in body["errors"][0]["message"]
