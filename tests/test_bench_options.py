"""`python -m bench` and `python -m bench.profile` refuse a wrong option by name, before
starting anything."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.demo_server import REPOSITORY


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["bench", "--sizes", "S,X"], "--sizes: 'X' is not one of S, M"),
        (["bench", "--kinds", "partner-dashbord"], "--kinds: 'partner-dashbord' is not one of"),
        (["bench", "--kinds", ","], "--kinds: name at least one of"),
        (["bench", "--concurrency", "1,a"], "--concurrency: whole numbers"),
        (["bench", "--concurrency", "0"], "--concurrency levels and --seconds must be positive"),
        (["bench.profile", "--kind", "nope"], "argument --kind: invalid choice: 'nope'"),
        (["bench.profile", "--requests", "0"], "--requests must be at least 1"),
    ],
)
def test_a_wrong_option_is_named(command: list[str], said: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=REPOSITORY, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert said in result.stderr
