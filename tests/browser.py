"""Debian's Chromium driven by Playwright, for tests of pages: never a browser of its own.

Playwright's own browser downloads are never used (nothing here runs `playwright install`):
the tests launch /usr/bin/chromium, and skip, saying why, where it is missing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots of what the browser tests saw (gitignored), kept after the run.
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def require_chromium() -> None:
    """Skip, with the reason in the test report, where the browser test cannot run."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: `apt-get install chromium` (as .ci/run does) to run "
            "the browser tests"
        )
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("Playwright is not installed: `make .venv/.installed-dev`")
