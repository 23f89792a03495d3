"""How far an import has got, for a progress bar: where it is, and how many rows.

An import updates its Progress in place as it reads, checks and writes; the API keeps the
Progress of recent imports in a ProgressBoard (one per process) that `importProgress` reads
while the upload's own request is still running. Plain data in memory, no I/O: a process
knows its own imports only (the answer to `importProgress` says so by being null elsewhere).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

KEEP_SECONDS = 15 * 60  # a finished import's progress stays readable this long


class Phase(StrEnum):
    READING = "reading"  # the file, row by row
    CHECKING = "checking"  # every row, with submitObservations' rules
    WRITING = "writing"  # the rows, in one transaction
    DONE = "done"
    FAILED = "failed"


@dataclass
class Progress:
    phase: Phase = Phase.READING
    rows_read: int = 0
    rows_expected: int | None = None  # an estimate while reading, exact after
    rows_written: int = 0
    problems: int = 0
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def read(self, rows: int) -> None:
        self.rows_read = rows

    def checking(self) -> None:
        self.rows_expected = self.rows_read
        self.phase = Phase.CHECKING

    def written(self, rows: int) -> None:
        self.phase = Phase.WRITING
        self.rows_written = rows

    def finish(self, problems: int = 0) -> None:
        self.problems = problems
        self.phase = Phase.FAILED if problems else Phase.DONE
        self.finished = time.time()


Key = tuple[UUID, str]  # (measure or indicator id, the file's SHA-256)


class ProgressBoard:
    """The progress of this process's imports, by subject and file hash, for a while."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[Key, Progress] = {}
        self._lock = threading.Lock()  # imports update from worker threads

    def start(self, key: Key, progress: Progress) -> Progress:
        with self._lock:
            self._forget_old()
            self._entries[key] = progress
        return progress

    def get(self, key: Key) -> Progress | None:
        with self._lock:
            self._forget_old()
            return self._entries.get(key)

    def _forget_old(self) -> None:
        cutoff = self._clock() - KEEP_SECONDS
        for key in [k for k, p in self._entries.items() if p.finished and p.finished < cutoff]:
            del self._entries[key]
