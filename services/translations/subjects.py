"""What can be translated: each subject kind, its table, its translatable fields, who sees it.

Adding a translatable kind is one line here (plus its `translated()` fields in the schema and
the kind in the RLS policy of the translation table). The kind is the subject's table name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from services import policy
from services.agenda.models import Domain, Result
from services.dashboards.models import Dashboard, DashboardPanel
from services.dimensions.models import Dimension, DimensionCategory
from services.indicators.models import Indicator
from services.measures.models import PerformanceMeasure, SharedMeasure
from services.viewer import Viewer

Rule = Callable[[Viewer], ColumnElement[bool]]


@dataclass(frozen=True)
class Subject:
    kind: str
    model: Any  # the subject's table model; has collaborative_id and id
    fields: tuple[str, ...]
    visible: Rule | None = None  # the policy predicate of the subject; None: anyone reads it


SUBJECTS: tuple[Subject, ...] = (
    Subject("domain", Domain, ("name", "description")),
    Subject("result", Result, ("statement", "description")),
    Subject("indicator", Indicator, ("name", "definition"), policy.indicator_visible),
    Subject("shared_measure", SharedMeasure, ("name", "definition"), policy.shared_measure_visible),
    Subject(
        "performance_measure", PerformanceMeasure, ("name", "description"), policy.measure_visible
    ),
    Subject("dimension", Dimension, ("name",)),
    Subject("dimension_category", DimensionCategory, ("label",)),
    Subject("dashboard", Dashboard, ("title", "description"), policy.dashboard_visible),
    # Panels are replaced whenever their dashboard is saved: their titles' translations come
    # with each saveDashboard, never through setTranslations.
    Subject("dashboard_panel", DashboardPanel, ("title",), policy.dashboard_panel_visible),
)

BY_KIND: dict[str, Subject] = {s.kind: s for s in SUBJECTS}
BY_MODEL: dict[type, Subject] = {s.model: s for s in SUBJECTS}


def visibility_rules(
    viewer: Viewer, kinds: Collection[str] | None = None
) -> list[tuple[str, Any, ColumnElement[bool] | None]]:
    """(kind, table, predicate) for policy.translation_visible, for `kinds` (default: all)."""
    return [
        (s.kind, s.model, s.visible(viewer) if s.visible else None)
        for s in SUBJECTS
        if kinds is None or s.kind in kinds
    ]
