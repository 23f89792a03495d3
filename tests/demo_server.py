"""`tablero serve` on a database of its own, seeded with the demo by serve itself: what the
README's and the guides' examples, the front-end tools and the browser talk to."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.database import TestServer
from tests.processes import clean_env, free_port, serving

REPOSITORY = Path(__file__).parent.parent
NODE_BIN = REPOSITORY / "tests" / "frontend" / "node_modules" / ".bin"
DOCS_URL = "http://127.0.0.1:8000"  # the address the README and guides use


@dataclass(frozen=True)
class Demo:
    url: str  # e.g. http://127.0.0.1:41234
    env: dict[str, str]  # what `tablero` commands need to reach its database

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"


@contextmanager
def serve_demo(server: TestServer, database: str) -> Iterator[Demo]:
    port = free_port()
    path = os.pathsep.join(
        [str(Path(sys.executable).parent), str(NODE_BIN), os.environ.get("PATH", "")]
    )
    env = clean_env(
        TABLERO_DATABASE_URL=server.api_url(database),
        TABLERO_OWNER_DATABASE_URL=server.owner_url(database),
        TABLERO_PORT=str(port),
        # Pages on localhost may call it; the browser test shows one on 127.0.0.1 may not.
        TABLERO_CORS_ORIGINS="http://localhost:*",
        # Every tool here is one anonymous client at one address: no minute's budget.
        TABLERO_RATE_LIMIT_PER_MINUTE="0",
        PATH=path,
    )
    with serving(env, port):
        yield Demo(f"http://127.0.0.1:{port}", env)
