"""Sending an invitation's link by e-mail, when an SMTP server is configured.

Optional: without one the API returns the link for whoever invites to deliver. The message
is plain text; names are flattened onto one line so no header can be injected through them.
Sending runs on a worker thread (smtplib blocks), with a timeout.
"""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from services.collaboratives.models import Collaborative
from services.invitations.models import Invitation, InvitationRole
from services.partners.models import Partner

ROLE_WORDS = {
    InvitationRole.RESIDENT: "a resident",
    InvitationRole.PARTNER_STAFF: "staff of {partner}",
    InvitationRole.PARTNER_STEWARD: "a steward of {partner}",
    InvitationRole.FUNDER: "a funder's representative for {partner}",
    InvitationRole.BACKBONE: "backbone staff of {partner}",
    InvitationRole.BACKBONE_STEWARD: "a backbone steward of {partner}",
}


class Delivery(StrEnum):
    SENT = "sent"
    NOT_CONFIGURED = "not_configured"  # deliver the link yourself
    FAILED = "failed"  # the SMTP server refused or did not answer: deliver the link yourself


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 5.0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def invitation_message(
    *,
    sender: str,
    to: str,
    collaborative: str,
    role: InvitationRole,
    partner: str | None,
    link: str,
    expires_at: datetime,
) -> EmailMessage:
    """The e-mail an invitee receives (pure)."""
    name = _one_line(collaborative)
    as_what = ROLE_WORDS[role].format(partner=_one_line(partner or ""))
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Your invitation to {name} on Tablero"
    message.set_content(
        f"You are invited to join {name} on Tablero as {as_what}.\n\n"
        f"Open this link and sign in to accept:\n{link}\n\n"
        f"The link works once, until {expires_at:%Y-%m-%d %H:%M} UTC. If you did not expect "
        "it, ignore this message.\n"
    )
    return message


def _send(server: SmtpServer, message: EmailMessage) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
        if server.starttls:
            smtp.starttls()
        if server.username:
            smtp.login(server.username, server.password or "")
        smtp.send_message(message)


async def deliver(server: SmtpServer | None, message: EmailMessage) -> Delivery:
    """Send `message` if there is a server; never raises (the link is returned anyway)."""
    if server is None:
        return Delivery.NOT_CONFIGURED
    try:
        await asyncio.to_thread(_send, server, message)
    except (OSError, smtplib.SMTPException):
        return Delivery.FAILED
    return Delivery.SENT


async def send(
    *, session: AsyncSession, server: SmtpServer | None, invitation: Invitation, link: str
) -> Delivery:
    """E-mail `link` to the invitee, if there is a server, and note when it was sent."""
    if server is None:
        return Delivery.NOT_CONFIGURED
    collaborative = await session.get(Collaborative, invitation.collaborative_id)
    partner = (
        await session.get(Partner, (invitation.collaborative_id, invitation.partner_id))
        if invitation.partner_id
        else None
    )
    message = invitation_message(
        sender=server.sender,
        to=invitation.email,
        collaborative=collaborative.name if collaborative else "",
        role=invitation.role,
        partner=partner.name if partner else None,
        link=link,
        expires_at=invitation.expires_at,
    )
    delivery = await deliver(server, message)
    if delivery is Delivery.SENT:
        invitation.last_sent_at = datetime.now(UTC)
        session.add(invitation)
        await session.flush()
    return delivery
