"""The progress board: what importProgress reads while an upload runs, kept for a while."""

from __future__ import annotations

from uuid import uuid4

from services.imports.progress import KEEP_SECONDS, Phase, Progress, ProgressBoard


def test_an_import_goes_from_reading_to_checking_to_writing_to_done() -> None:
    progress = Progress()
    progress.read(1000)
    assert (progress.phase, progress.rows_read) == (Phase.READING, 1000)
    progress.checking()
    assert (progress.phase, progress.rows_expected) == (Phase.CHECKING, 1000)
    progress.written(500)
    assert (progress.phase, progress.rows_written) == (Phase.WRITING, 500)
    progress.finish()
    assert progress.phase is Phase.DONE
    assert progress.finished is not None


def test_a_refused_import_ends_failed_with_its_count_of_problems() -> None:
    progress = Progress()
    progress.finish(problems=7)
    assert (progress.phase, progress.problems) == (Phase.FAILED, 7)


def test_a_finished_import_is_forgotten_after_a_while_a_running_one_never() -> None:
    now = [1_000_000.0]
    board = ProgressBoard(clock=lambda: now[0])
    done_key, running_key = (uuid4(), "a" * 64), (uuid4(), "b" * 64)
    done = board.start(done_key, Progress())
    board.start(running_key, Progress())
    done.finished = now[0]
    now[0] += KEEP_SECONDS - 1
    assert board.get(done_key) is done
    now[0] += 2
    assert board.get(done_key) is None
    assert board.get(running_key) is not None
