"""A batch's fingerprint is stored with its client key: it must never change, or a retry
after an upgrade would be refused as a different batch."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date

from services.observations.models import ObservationStatus
from services.observations.service import _fingerprint
from services.observations.validation import ObservationInput

ROWS = [
    ObservationInput(period_start=date(2024, 1, 1), value=1.5, breakdown={"b": "x", "a": "y"}),
    ObservationInput(period_start=date(2024, 2, 1), suppressed_at_source="<5", note="é"),
    ObservationInput(period_start=date(2024, 3, 1), numerator=3, denominator=4, n=4),
]


def test_the_fingerprint_is_the_one_batches_were_stored_with() -> None:
    for status in ObservationStatus:
        stored = json.dumps([status.value, [asdict(r) for r in ROWS]], default=str, sort_keys=True)
        assert _fingerprint(status, ROWS) == hashlib.sha256(stored.encode()).hexdigest()
