"""What each server process runs: the app built from the environment's settings, then the
garbage collector set for serving.

`tablero serve` starts uvicorn with this factory's import string, so that it can run several
processes on one port; each builds its own app (and connection pool) from the same
`TABLERO_` environment, which the command completes with the database's URL first.
"""

from __future__ import annotations

import gc

from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings

# A request allocates many short-lived objects and few cycles: collecting the youngest
# generation every 700 allocations (CPython's default) spent about a quarter of the
# server's time in the profile of issue 11. Every 50,000 keeps memory flat under load.
YOUNGEST_THRESHOLD = 50_000


def app() -> Starlette:
    """The application for one server process (uvicorn's `factory=True`)."""
    application = create_app(Settings())
    settle_garbage_collector()
    return application


def settle_garbage_collector() -> None:
    """Move what start-up built (modules, the schema, settings) out of the collector's way:
    frozen objects are never scanned again, so every collection walks only what requests
    allocate."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_THRESHOLD, middle, oldest)
