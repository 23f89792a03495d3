"""Per-request DataLoaders: one set-based query per level of a nested selection.

Their caches live and die with the request (and its viewer); batch functions live in
services/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from services.accounts import memberships
from services.actions import service as actions
from services.agenda import service as agenda
from services.collaboratives import service as collaboratives
from services.dashboards import service as dashboards
from services.dimensions import service as dimensions
from services.governance import reading as governance
from services.indicators import service as indicators
from services.measures import service as measures
from services.measures import shared as shared_measures
from services.observations import service as observations
from services.observations import targets
from services.partners import service as partners
from services.stories import service as stories
from services.translations import service as translations
from services.translations.languages import LanguagePreference
from services.viewer import Viewer


def _by_key(
    fetch: Callable[[list[Any]], Awaitable[dict[Any, Any]]],
    default: Callable[[], Any] = lambda: None,
    key: Callable[[Any], Hashable] = lambda k: k,
) -> DataLoader[Any, Any]:
    async def load(keys: list[Any]) -> list[Any]:
        found = await fetch(keys)
        return [found.get(key(k), default()) for k in keys]

    return DataLoader(load, cache_key_fn=key)


CellKey = tuple[UUID, str, date | None, date | None]  # subject id, breakdown key, from, to
# subject id, kinds (sorted), language, count
StoryKey = tuple[UUID, tuple[Any, ...], str | None, int]


@dataclass
class Loaders:
    """Every loader of one request. Keys are raw ids unless said otherwise."""

    collaborative: DataLoader[UUID, Any]
    partner: DataLoader[UUID, Any]
    partner_contact: DataLoader[Any, Any]  # key: Partner row
    domain: DataLoader[UUID, Any]
    result: DataLoader[UUID, Any]
    results_of_domain: DataLoader[UUID, list[Any]]
    indicator: DataLoader[UUID, Any]
    indicators_of_result: DataLoader[UUID, list[Any]]
    measure: DataLoader[UUID, Any]
    shared_measure: DataLoader[UUID, Any]
    dimension: DataLoader[UUID, Any]
    categories: DataLoader[UUID, list[Any]]  # key: dimension id
    category: DataLoader[UUID, Any]
    indicator_dimension_ids: DataLoader[UUID, list[UUID]]
    measure_dimension_ids: DataLoader[UUID, list[UUID]]
    contributions: DataLoader[UUID, list[Any]]
    visibility_changes: DataLoader[UUID, list[Any]]
    targets: DataLoader[UUID, list[Any]]  # key: measure or indicator id
    labels: DataLoader[UUID, dict[tuple[str, str], tuple[str, str]]]  # key: collaborative id
    revisions: DataLoader[Any, list[Any]]  # key: Observation row
    latest_totals: DataLoader[tuple[UUID, int], list[Any]]  # key: (subject id, count)
    cells: DataLoader[CellKey, list[Any]]  # one cell's observations of a subject, for charts
    proposal_votes: DataLoader[UUID, list[Any]]
    proposal_comments: DataLoader[UUID, list[Any]]
    indicator_versions: DataLoader[UUID, list[Any]]
    action_item_history: DataLoader[UUID, list[Any]]  # key: action item id
    stories: DataLoader[StoryKey, list[Any]]
    dashboard_panels: DataLoader[UUID, list[Any]]  # key: dashboard id
    translations: DataLoader[tuple[str, UUID], list[Any]]  # key: (subject kind, subject id)
    account: DataLoader[UUID, Any]  # one's own, and the people one keeps
    languages: LanguagePreference = field(default_factory=LanguagePreference)

    async def language_of(self, collaborative_id: UUID) -> tuple[str, str]:
        """(the language this request answers in, the default) for one collaborative,
        matched once per request."""
        found = self.languages.resolved(collaborative_id)
        if found is not None:
            return found
        collaborative = await self.collaborative.load(collaborative_id)
        if collaborative is None:
            return "", ""
        default = collaborative.default_language
        language = self.languages.resolve(collaborative_id, collaborative.languages, default)
        return language, default

    @classmethod
    def build(
        cls, session: AsyncSession, viewer: Viewer, languages: LanguagePreference | None = None
    ) -> Loaders:
        s, v = session, viewer

        async def latest(keys: list[tuple[UUID, int]]) -> dict[tuple[UUID, int], list[Any]]:
            by_count: dict[int, list[UUID]] = {}
            for subject_id, count in keys:
                by_count.setdefault(count, []).append(subject_id)
            found: dict[tuple[UUID, int], list[Any]] = {}
            for count, ids in by_count.items():
                rows = await observations.latest_totals(
                    session=s, viewer=v, subject_ids=ids, count=count
                )
                found.update({(i, count): rows[i] for i in ids})
            return found

        async def cells(keys: list[CellKey]) -> dict[CellKey, list[Any]]:
            by_cell: dict[tuple[str, date | None, date | None], list[UUID]] = {}
            for subject_id, *cell in keys:
                by_cell.setdefault(tuple(cell), []).append(subject_id)  # type: ignore[arg-type]
            found: dict[CellKey, list[Any]] = {}
            for (key, start, end), ids in by_cell.items():
                rows = await observations.cells_of(
                    session=s, viewer=v, subject_ids=ids, breakdown_key=key, start=start, end=end
                )
                found.update({(i, key, start, end): rows[i] for i in ids})
            return found

        async def stories_of(keys: list[StoryKey]) -> dict[StoryKey, list[Any]]:
            by_filter: dict[tuple[tuple[Any, ...], str | None, int], list[UUID]] = {}
            for subject_id, kinds, language, count in keys:
                by_filter.setdefault((kinds, language, count), []).append(subject_id)
            found: dict[StoryKey, list[Any]] = {}
            for (kinds, language, count), ids in by_filter.items():
                rows = await stories.stories_of(
                    session=s,
                    viewer=v,
                    subject_ids=ids,
                    count=count,
                    kinds=kinds,
                    language=language,
                )
                found.update({(i, kinds, language, count): rows[i] for i in ids})
            return found

        async def labels(ids: Sequence[UUID]) -> dict[UUID, Any]:
            found = {}
            for i in ids:  # the default language has no translations: its own texts answer
                language = "" if loaders.languages.is_empty else (await loaders.language_of(i))[0]
                found[i] = await translations.labels(
                    session=s, collaborative_id=i, language=language
                )
            return found

        loaders = cls(
            collaborative=_by_key(lambda ids: collaboratives.get_many(session=s, ids=ids)),
            partner=_by_key(lambda ids: partners.get_many(session=s, viewer=v, ids=ids)),
            partner_contact=_by_key(
                lambda rows: partners.contacts_of(session=s, viewer=v, partners=rows),
                key=lambda row: row.id,
            ),
            domain=_by_key(lambda ids: agenda.get_domains(session=s, ids=ids)),
            result=_by_key(lambda ids: agenda.get_results(session=s, ids=ids)),
            results_of_domain=_by_key(
                lambda ids: agenda.results_of_domains(session=s, domain_ids=ids), list
            ),
            indicator=_by_key(lambda ids: indicators.get_many(session=s, viewer=v, ids=ids)),
            indicators_of_result=_by_key(
                lambda ids: indicators.of_results(session=s, viewer=v, result_ids=ids), list
            ),
            measure=_by_key(lambda ids: measures.get_many(session=s, viewer=v, ids=ids)),
            shared_measure=_by_key(
                lambda ids: shared_measures.get_many(session=s, viewer=v, ids=ids)
            ),
            dimension=_by_key(lambda ids: dimensions.get_many(session=s, ids=ids)),
            categories=_by_key(
                lambda ids: dimensions.categories_of(session=s, dimension_ids=ids), list
            ),
            category=_by_key(lambda ids: dimensions.categories_by_id(session=s, ids=ids)),
            indicator_dimension_ids=_by_key(
                lambda ids: indicators.dimension_ids_of(session=s, indicator_ids=ids), list
            ),
            measure_dimension_ids=_by_key(
                lambda ids: measures.dimension_ids_of(session=s, measure_ids=ids), list
            ),
            contributions=_by_key(
                lambda ids: measures.contributions_of(session=s, measure_ids=ids), list
            ),
            visibility_changes=_by_key(
                lambda ids: measures.visibility_changes_of(session=s, measure_ids=ids), list
            ),
            targets=_by_key(lambda ids: targets.targets_of(session=s, subject_ids=ids), list),
            labels=_by_key(labels, dict),
            revisions=_by_key(
                lambda rows: observations.revisions_of(session=s, viewer=v, observations=rows),
                list,
                key=lambda row: row.id,
            ),
            latest_totals=_by_key(latest, list),
            cells=_by_key(cells, list),
            proposal_votes=_by_key(
                lambda ids: governance.votes_of(session=s, viewer=v, proposal_ids=ids), list
            ),
            proposal_comments=_by_key(
                lambda ids: governance.comments_of(session=s, viewer=v, proposal_ids=ids), list
            ),
            indicator_versions=_by_key(
                lambda ids: governance.versions_of(session=s, indicator_ids=ids), list
            ),
            action_item_history=_by_key(
                lambda ids: actions.history_of(session=s, viewer=v, item_ids=ids), list
            ),
            stories=_by_key(stories_of, list),
            dashboard_panels=_by_key(
                lambda ids: dashboards.panels_of(session=s, viewer=v, dashboard_ids=ids), list
            ),
            translations=_by_key(
                lambda keys: translations.translations_of(session=s, viewer=v, keys=keys), list
            ),
            account=_by_key(lambda ids: memberships.accounts_of(session=s, ids=ids)),
            languages=languages or LanguagePreference(),
        )
        return loaders
