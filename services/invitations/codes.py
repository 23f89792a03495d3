"""Invitation codes: 256 random bits, shown once; only their SHA-256 is stored. Pure."""

from __future__ import annotations

import hashlib
import secrets

CODE_PREFIX = "tbi_"


def new_code() -> str:
    """A fresh code: unguessable (256 bits), URL-safe, recognizable by its prefix."""
    return CODE_PREFIX + secrets.token_urlsafe(32)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()
