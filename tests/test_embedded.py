"""The embedded PostgreSQL's bookkeeping of which processes still use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from api.embedded import forget_dead_users


def test_processes_that_died_without_cleanup_no_longer_keep_the_server_running(
    tmp_path: Path,
) -> None:
    # given a user list naming a process that has exited, and this one
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(finished.stdout)
    users = tmp_path / ".handle_pids.json"
    users.write_text(json.dumps([dead_pid, os.getpid()]))
    # when
    forget_dead_users(tmp_path)
    # then
    assert json.loads(users.read_text()) == [os.getpid()]


def test_a_missing_user_list_is_left_alone(tmp_path: Path) -> None:
    forget_dead_users(tmp_path)
    assert not (tmp_path / ".handle_pids.json").exists()
