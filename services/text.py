"""What PostgreSQL text can hold: valid UTF-8 without the NUL character. Pure, no I/O.

Every edge that takes text from outside (GraphQL arguments and variables, cursors, token
subjects) asks `unstorable` first, so that such text is refused by name instead of failing
deep in the driver as an unexpected error.
"""

from __future__ import annotations

NUL = "\x00"


def unstorable(text: str) -> str | None:
    """Why PostgreSQL cannot store or compare `text`, or None when it can."""
    if NUL in text:
        return "text cannot contain the NUL character (U+0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # JSON's "\ud800" decodes to a lone surrogate, which no UTF-8 text can hold.
            return "text cannot contain a lone surrogate (U+D800 to U+DFFF)"
    return None
