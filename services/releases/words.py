"""What a release is and what changed, in plain words for funders and members. Pure."""

from __future__ import annotations

from services.periods import label
from services.releases.models import Release


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(release: Release) -> str:
    """Release 2 of 2025-Q3 (a revision of release 1): ... what changed, and the note."""
    period = label(release.granularity, release.period_start)
    how = "on its reporting deadline" if release.automatic else "by the backbone"
    when = release.released_at.date().isoformat() if release.released_at else "now"
    parts = [f"Release {release.number} of {period}, published {when} {how}"]
    parts.append(
        f"{_count(release.cells_shown, 'cell', 'cells')} shown, "
        f"{_count(release.cells_hidden, 'cell', 'cells')} hidden"
    )
    if release.number > 1:
        changes = [
            _count(release.cells_changed, "value changed", "values changed"),
            _count(release.cells_newly_shown, "cell newly shown", "cells newly shown"),
        ]
        if release.cells_withheld:
            changes.append(
                _count(release.cells_withheld, "cell", "cells")
                + " withheld so that the change cannot single out a partner"
            )
        parts.append(f"revises release {release.number - 1}: " + ", ".join(changes))
    text = "; ".join(parts) + "."
    if release.note:
        text += f" {release.note}"
    return text
