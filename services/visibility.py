"""Who may see a partner-owned row: chosen by its owner, enforced by policy and RLS."""

from __future__ import annotations

from enum import StrEnum


class Visibility(StrEnum):
    PRIVATE = "private"  # the owning partner only
    COLLABORATIVE = "collaborative"  # every member of the collaborative
    PUBLIC = "public"  # anyone, anonymous included
