"""A client's X-Request-Id names its request everywhere (answer, log, audit trail) when it is
a sane one; anything else is replaced, never refused."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import select

from api.request_id import RequestIdFilter, request_id_of
from schema.relay import to_global_id
from services.audit.models import AuditEvent
from services.dashboards import service as dashboards
from services.viewer import Role
from tests.factories import bearer, make_collaborative, make_member, make_partner

UPDATE = """mutation($id: ID!) { updateCollaborative(input: {id: $id, name: "Renamed"}) {
  userErrors { field code } } }"""


@pytest.mark.parametrize(
    "given", ["4bf92f3577b34da6a3ce929d0e0e4736", "web-7f3a:checkout.2", "a" * 64]
)
def test_a_sane_id_is_kept(given: str) -> None:
    assert request_id_of(given) == given


@pytest.mark.parametrize(
    "given", [None, "", "a" * 65, "two words", "line\nbreak", 'quote"d', "ünïcode", "x;DROP"]
)
def test_anything_else_is_replaced_by_a_fresh_id(given: str | None) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_of(given))


async def test_the_clients_id_is_echoed_and_marks_what_the_request_changed(
    client, session, settings
) -> None:
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative)
    account = await make_member(session, collaborative, Role.BACKBONE, backbone)
    response = await client.post(
        "/graphql",
        json={
            "query": UPDATE,
            "variables": {"id": to_global_id("Collaborative", collaborative.id)},
        },
        headers={"X-Request-Id": "web-checkout-42", **bearer(settings, account)},
    )
    assert response.json()["data"]["updateCollaborative"]["userErrors"] == []
    assert response.headers["x-request-id"] == "web-checkout-42"
    events = (
        await session.exec(select(AuditEvent).where(AuditEvent.request_id == "web-checkout-42"))
    ).all()
    assert [e.table_name for e in events] == ["collaborative"]


async def test_a_forged_id_is_replaced_on_every_route(client) -> None:
    for path in ("/graphql?query={__typename}", "/healthz", "/"):
        response = await client.get(path, headers={"X-Request-Id": "evil\tid"})
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"]), path


async def test_the_id_names_the_request_in_the_log_of_its_failure(
    client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(dashboards, "by_slug", broken)
    caplog.handler.addFilter(RequestIdFilter())  # as a deployment's log handler would
    with caplog.at_level(logging.ERROR, logger="tablero.graphql"):
        await client.post(
            "/graphql",
            json={"query": '{ dashboard(collaborativeSlug: "x", slug: "y") { title } }'},
            headers={"X-Request-Id": "support-ticket-981"},
        )
    [record] = [r for r in caplog.records if r.name == "tablero.graphql"]
    assert "support-ticket-981" in record.getMessage()
    assert record.request_id == "support-ticket-981"  # for formats: %(request_id)s
