"""Which failures mean "the database cannot serve now, retry later" rather than a bug.

A pool that stays exhausted, a server that is down, restarting or shedding load, a statement
past its timeout and a transaction that lost a serialization race all say nothing about the
request: the API answers them as UNAVAILABLE (HTTP 503 with Retry-After), never as an
unexpected error, and never after telling the client that a write succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes and codes: connection exceptions, insufficient resources, operator
# intervention (shutdown, crash, starting up), query cancelled (statement_timeout), and
# the serialization failures and deadlocks a retry resolves.
RETRYABLE_CLASSES = ("08", "53")
RETRYABLE_STATES = frozenset({"57P01", "57P02", "57P03", "57014", "40001", "40P01"})


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (a DBAPI error's `orig`) and what caused it, each once."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]


def _sqlstate(error: BaseException) -> str | None:
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return state if isinstance(state, str) else None


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database could not serve the request just now."""
    for link in _chain(error):
        if isinstance(link, PoolTimeout | OSError):  # ConnectionError is an OSError
            return True
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return True
        state = _sqlstate(link)
        if state and (state[:2] in RETRYABLE_CLASSES or state in RETRYABLE_STATES):
            return True
    return False
