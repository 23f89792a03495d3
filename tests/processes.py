"""Running the real `tablero` command in a subprocess, with a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

TABLERO = str(Path(sys.executable).parent / "tablero")


def clean_env(**values: str) -> dict[str, str]:
    """The current environment without any TABLERO_ variable, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLERO_")}
    env.update(values)
    return env


def tablero(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TABLERO, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
