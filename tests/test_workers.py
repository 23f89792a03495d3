"""Server processes: how many `tablero serve` runs by default, and how each settles its
garbage collector once started (tests/test_served.py runs two on one port)."""

from __future__ import annotations

import gc
import os

import pytest

from api.settings import MOST_DEFAULT_WORKERS, Environment, Settings
from api.worker import YOUNGEST_THRESHOLD, settle_garbage_collector

PROD = {
    "environment": Environment.PROD,
    "jwt_secret": "a-production-secret-of-at-least-32-characters",
    "database_url": "postgresql://tablero_api@db/tablero",
}


def test_prod_runs_a_process_per_cpu_up_to_a_few_and_dev_one() -> None:
    assert Settings(**PROD).workers == min(os.cpu_count() or 1, MOST_DEFAULT_WORKERS)
    assert Settings(environment=Environment.DEV).workers == 1
    assert Settings(**PROD, workers=3).workers == 3


def test_a_number_of_workers_below_one_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="workers"):
        Settings(**PROD, workers=0)


def test_a_started_process_freezes_what_start_up_built_and_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        settle_garbage_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNGEST_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
