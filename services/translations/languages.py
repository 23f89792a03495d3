"""Which language an answer speaks: the request's preference, matched per collaborative.

Pure functions, no I/O. A request prefers languages (an explicit argument first, then the
`Accept-Language` header by q-value); each collaborative answers in the first of those it
lists, else in its default language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

# A BCP 47-ish tag as clients send it: "es", "es-MX", "zh-Hant-TW"; "*" is any language.
_TAG = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
MAX_HEADER_RANGES = 32  # a header longer than this is someone's experiment, not a browser


def is_language_tag(value: str) -> bool:
    return value != "*" and bool(_TAG.match(value))


def parse_accept_language(header: str | None) -> tuple[str, ...]:
    """Language ranges of an Accept-Language header, most preferred first.

    Ranges with q=0 ("not acceptable") and malformed ones are dropped; equal q-values keep
    the header's order.
    """
    if not header:
        return ()
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:MAX_HEADER_RANGES]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        if not tag or not _TAG.match(tag):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0 < q <= 1:
            weighted.append((-q, position, tag.lower()))
    return tuple(tag for _, _, tag in sorted(weighted))


def match(ranges: Sequence[str], languages: Sequence[str], default: str) -> str:
    """The first of `languages` that a range asks for ('es-MX' matches 'es' and the other
    way round), `default` when none does; '*' means the default."""
    listed = {lang.lower(): lang for lang in languages}
    for wanted in (r.lower() for r in ranges):
        if wanted == "*":
            return default
        if wanted in listed:
            return listed[wanted]
        primary = wanted.split("-")[0]
        for lower, lang in listed.items():
            if lower.split("-")[0] == primary:
                return lang
    return default


@dataclass
class LanguagePreference:
    """One request's language preference; the answer's language is resolved per collaborative.

    `explicit` is the `language` argument of a root field, `header` the parsed
    Accept-Language. Resolutions are cached so that leaf fields stay synchronous.
    """

    header: tuple[str, ...] = ()
    explicit: str | None = None
    _resolved: dict[UUID, tuple[str, str]] = field(default_factory=dict)  # (language, default)

    @property
    def is_empty(self) -> bool:
        """Nothing asked for: every collaborative answers in its default language."""
        return self.explicit is None and not self.header

    def ranges(self) -> tuple[str, ...]:
        return ((self.explicit.lower(),) if self.explicit else ()) + self.header

    def resolved(self, collaborative_id: UUID) -> tuple[str, str] | None:
        """(language, default) of a collaborative resolved earlier in this request."""
        return self._resolved.get(collaborative_id)

    def answered(self) -> list[str]:
        """The languages this request's texts were resolved to, for `Content-Language`;
        none when the client asked for none (each collaborative's default answers)."""
        if self.is_empty:
            return []
        return sorted({language for language, _ in self._resolved.values()})

    def resolve(self, collaborative_id: UUID, languages: Sequence[str], default: str) -> str:
        found = self._resolved.get(collaborative_id)
        if found is None:
            found = (match(self.ranges(), languages, default), default)
            self._resolved[collaborative_id] = found
        return found[0]

    def choose(self, language: str) -> bool:
        """Take a root field's `language` argument; False if another one was already taken
        (one language per request keeps every nested field consistent)."""
        if self.explicit is not None:
            return self.explicit.lower() == language.lower()
        self.explicit = language
        self._resolved.clear()
        return True
