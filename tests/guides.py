"""Running a guide of docs/ as a reader would: every ```sh block, in order, in one bash.

The guides address Tablero at GUIDE_URL; the test's server answers elsewhere, so the
address is replaced before the script runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.database import TestServer
from tests.processes import clean_env, free_port, serving

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE_URL = "http://127.0.0.1:8000"


def commands_of(guide: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", guide, re.DOTALL)


@contextmanager
def served_demo(server: TestServer, database: str, **env: str) -> Iterator[tuple[str, dict]]:
    """`tablero serve` on a fresh database, which it migrates and seeds with the demo."""
    port = free_port()
    environment = clean_env(
        TABLERO_DATABASE_URL=server.api_url(database),
        TABLERO_OWNER_DATABASE_URL=server.owner_url(database),
        TABLERO_PORT=str(port),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **env,
    )
    with serving(environment, port):
        yield f"http://127.0.0.1:{port}", environment


def run_guide(
    name: str, url: str, env: dict[str, str], cwd: Path, **replacements: str
) -> subprocess.CompletedProcess[str]:
    """Run every sh block of docs/`name` against `url` (and any other text replaced)."""
    script = "\n".join(commands_of((DOCS / name).read_text())).replace(GUIDE_URL, url)
    for old, new in replacements.items():
        script = script.replace(old, new)
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
