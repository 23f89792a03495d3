"""E-mail addresses as invitations compare them. Pure.

Addresses are compared case-insensitively in their ASCII letters only: `Alice@Example.org`
is `alice@example.org`, but no Unicode case or compatibility folding makes two different
mailboxes one (a full-width or Cyrillic letter is not a `k`, a dotless i U+0131 is not an
`i`); only canonically equivalent text (NFC) is the same. They are stored normalized.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from services.errors import DomainError, ErrorCode

MAX_EMAIL = 320
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalized(email: str) -> str:
    """The address as stored and compared: NFC, trimmed, ASCII letters lower-cased."""
    return unicodedata.normalize("NFC", email.strip()).translate(_ASCII_LOWER)


def checked_email(raw: str, field: tuple[str, ...] = ("email",)) -> str:
    """A normalized address, or a DomainError naming `field`."""
    email = normalized(raw)
    if not email:
        raise DomainError.single(field, ErrorCode.REQUIRED, "give the invitee's e-mail address")
    if len(email) > MAX_EMAIL:
        raise DomainError.single(field, ErrorCode.TOO_LONG, f"at most {MAX_EMAIL} characters")
    if not _SHAPE.fullmatch(email) or any(unicodedata.category(c)[0] == "C" for c in email):
        raise DomainError.single(field, ErrorCode.INVALID, "not an e-mail address")
    return email


def vouched_email(claims: dict[str, Any]) -> str | None:
    """The token's address, normalized, only when the provider says it verified it."""
    email = claims.get("email")
    # Some providers send the flag as a string.
    if not isinstance(email, str) or claims.get("email_verified") not in (True, "true"):
        return None
    email = normalized(email)
    return email if _SHAPE.fullmatch(email) and len(email) <= MAX_EMAIL else None
