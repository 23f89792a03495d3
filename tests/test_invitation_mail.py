"""Invitations by e-mail, through a real SMTP conversation with a local sink (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from api.settings import Settings
from tests.apps import client_with
from tests.factories import graphql
from tests.people import INVITE, make_town
from tests.processes import free_port

RESEND = """mutation($input: ResendInvitationInput!) { resendInvitation(input: $input) {
  code link delivery invitation { lastSentAt } userErrors { field code message } } }"""


class Sink:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def test_an_invitation_is_e_mailed_with_its_link(
    sink, session, settings: Settings, database, connection
) -> None:
    handler, port = sink
    town = await make_town(session, settings)
    await session.flush()
    async with client_with(
        settings,
        database,
        connection,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="Town Thrives <hello@town.example>",
        invitation_link="https://town.example/join#code={code}",
    ) as client:
        variables = {
            "input": {
                "collaborativeId": town.id(),
                "email": "sam@example.org",
                "role": "PARTNER_STAFF",
                "partnerId": town.id("a"),
            }
        }
        body = await graphql(client, INVITE, variables, town.as_("steward_a"))
        issued = body["data"]["createInvitation"]
        assert issued["delivery"] == "SENT"
        [message] = handler.messages
        assert message["To"] == "sam@example.org"
        assert message["From"] == "Town Thrives <hello@town.example>"
        assert "invitation" in message["Subject"]
        text = message.get_payload(decode=True).decode()
        assert f"https://town.example/join#code={issued['code']}" in text
        assert "staff of Casa A" in text
        # resending sends the new code
        body = await graphql(
            client, RESEND, {"input": {"id": issued["invitation"]["id"]}}, town.as_("steward_a")
        )
        resent = body["data"]["resendInvitation"]
        assert resent["delivery"] == "SENT"
        assert resent["invitation"]["lastSentAt"] is not None
        assert resent["code"] in handler.messages[-1].get_payload(decode=True).decode()


async def test_an_unreachable_smtp_server_still_returns_the_link(
    session, settings: Settings, database, connection
) -> None:
    town = await make_town(session, settings)
    await session.flush()
    async with client_with(
        settings, database, connection, smtp_host="127.0.0.1", smtp_port=free_port()
    ) as client:
        variables = {
            "input": {"collaborativeId": town.id(), "email": "r@example.org", "role": "RESIDENT"}
        }
        body = await graphql(client, INVITE, variables, town.as_("backbone"))
        issued = body["data"]["createInvitation"]
        assert issued["delivery"] == "FAILED"
        assert issued["link"].endswith(issued["code"])
        assert issued["userErrors"] == []
