"""Per-request DataLoaders: one set-based query per level of a nested selection.

Their caches live and die with the request (and its viewer); batch functions live in
services/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import date
from functools import cached_property
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


class Loaders:
    """Every loader of one request, each made the first time a resolver asks for it (most
    requests use a few of them). Keys are raw ids unless said otherwise."""

    def __init__(
        self, session: AsyncSession, viewer: Viewer, languages: LanguagePreference | None = None
    ) -> None:
        self.session = session
        self.viewer = viewer
        self.languages = languages or LanguagePreference()

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

    @cached_property
    def collaborative(self) -> DataLoader[UUID, Any]:
        return _by_key(lambda ids: collaboratives.get_many(session=self.session, ids=ids))

    @cached_property
    def partner(self) -> DataLoader[UUID, Any]:
        s, v = self.session, self.viewer
        return _by_key(lambda ids: partners.get_many(session=s, viewer=v, ids=ids))

    @cached_property
    def partner_contact(self) -> DataLoader[Any, Any]:  # key: Partner row
        s, v = self.session, self.viewer
        return _by_key(
            lambda rows: partners.contacts_of(session=s, viewer=v, partners=rows),
            key=lambda row: row.id,
        )

    @cached_property
    def domain(self) -> DataLoader[UUID, Any]:
        return _by_key(lambda ids: agenda.get_domains(session=self.session, ids=ids))

    @cached_property
    def result(self) -> DataLoader[UUID, Any]:
        return _by_key(lambda ids: agenda.get_results(session=self.session, ids=ids))

    @cached_property
    def results_of_domain(self) -> DataLoader[UUID, list[Any]]:
        s = self.session
        return _by_key(lambda ids: agenda.results_of_domains(session=s, domain_ids=ids), list)

    @cached_property
    def indicator(self) -> DataLoader[UUID, Any]:
        s, v = self.session, self.viewer
        return _by_key(lambda ids: indicators.get_many(session=s, viewer=v, ids=ids))

    @cached_property
    def indicators_of_result(self) -> DataLoader[UUID, list[Any]]:
        s, v = self.session, self.viewer
        return _by_key(lambda ids: indicators.of_results(session=s, viewer=v, result_ids=ids), list)

    @cached_property
    def measure(self) -> DataLoader[UUID, Any]:
        s, v = self.session, self.viewer
        return _by_key(lambda ids: measures.get_many(session=s, viewer=v, ids=ids))

    @cached_property
    def shared_measure(self) -> DataLoader[UUID, Any]:
        s, v = self.session, self.viewer
        return _by_key(lambda ids: shared_measures.get_many(session=s, viewer=v, ids=ids))

    @cached_property
    def dimension(self) -> DataLoader[UUID, Any]:
        return _by_key(lambda ids: dimensions.get_many(session=self.session, ids=ids))

    @cached_property
    def categories(self) -> DataLoader[UUID, list[Any]]:  # key: dimension id
        s = self.session
        return _by_key(lambda ids: dimensions.categories_of(session=s, dimension_ids=ids), list)

    @cached_property
    def category(self) -> DataLoader[UUID, Any]:
        return _by_key(lambda ids: dimensions.categories_by_id(session=self.session, ids=ids))

    @cached_property
    def indicator_dimension_ids(self) -> DataLoader[UUID, list[UUID]]:
        s = self.session
        return _by_key(lambda ids: indicators.dimension_ids_of(session=s, indicator_ids=ids), list)

    @cached_property
    def measure_dimension_ids(self) -> DataLoader[UUID, list[UUID]]:
        s = self.session
        return _by_key(lambda ids: measures.dimension_ids_of(session=s, measure_ids=ids), list)

    @cached_property
    def contributions(self) -> DataLoader[UUID, list[Any]]:
        s = self.session
        return _by_key(lambda ids: measures.contributions_of(session=s, measure_ids=ids), list)

    @cached_property
    def visibility_changes(self) -> DataLoader[UUID, list[Any]]:
        s = self.session
        return _by_key(lambda ids: measures.visibility_changes_of(session=s, measure_ids=ids), list)

    @cached_property
    def targets(self) -> DataLoader[UUID, list[Any]]:  # key: measure or indicator id
        s = self.session
        return _by_key(lambda ids: targets.targets_of(session=s, subject_ids=ids), list)

    @cached_property
    def labels(self) -> DataLoader[UUID, dict[tuple[str, str], tuple[str, str]]]:
        """Key: collaborative id; its dimensions' names and labels in the request's language."""

        async def labels(ids: Sequence[UUID]) -> dict[UUID, Any]:
            found = {}
            for i in ids:  # the default language has no translations: its own texts answer
                language = "" if self.languages.is_empty else (await self.language_of(i))[0]
                found[i] = await translations.labels(
                    session=self.session, collaborative_id=i, language=language
                )
            return found

        return _by_key(labels, dict)

    @cached_property
    def revisions(self) -> DataLoader[Any, list[Any]]:  # key: Observation row
        s, v = self.session, self.viewer
        return _by_key(
            lambda rows: observations.revisions_of(session=s, viewer=v, observations=rows),
            list,
            key=lambda row: row.id,
        )

    @cached_property
    def latest_totals(self) -> DataLoader[tuple[UUID, int], list[Any]]:
        """Key: (subject id, count)."""

        async def latest(keys: list[tuple[UUID, int]]) -> dict[tuple[UUID, int], list[Any]]:
            by_count: dict[int, list[UUID]] = {}
            for subject_id, count in keys:
                by_count.setdefault(count, []).append(subject_id)
            found: dict[tuple[UUID, int], list[Any]] = {}
            for count, ids in by_count.items():
                rows = await observations.latest_totals(
                    session=self.session, viewer=self.viewer, subject_ids=ids, count=count
                )
                found.update({(i, count): rows[i] for i in ids})
            return found

        return _by_key(latest, list)

    @cached_property
    def cells(self) -> DataLoader[CellKey, list[Any]]:
        """One cell's observations of a subject, for charts."""

        async def cells(keys: list[CellKey]) -> dict[CellKey, list[Any]]:
            by_cell: dict[tuple[str, date | None, date | None], list[UUID]] = {}
            for subject_id, *cell in keys:
                by_cell.setdefault(tuple(cell), []).append(subject_id)  # type: ignore[arg-type]
            found: dict[CellKey, list[Any]] = {}
            for (key, start, end), ids in by_cell.items():
                rows = await observations.cells_of(
                    session=self.session,
                    viewer=self.viewer,
                    subject_ids=ids,
                    breakdown_key=key,
                    start=start,
                    end=end,
                )
                found.update({(i, key, start, end): rows[i] for i in ids})
            return found

        return _by_key(cells, list)

    @cached_property
    def proposal_votes(self) -> DataLoader[UUID, list[Any]]:
        s, v = self.session, self.viewer
        return _by_key(lambda ids: governance.votes_of(session=s, viewer=v, proposal_ids=ids), list)

    @cached_property
    def proposal_comments(self) -> DataLoader[UUID, list[Any]]:
        s, v = self.session, self.viewer
        return _by_key(
            lambda ids: governance.comments_of(session=s, viewer=v, proposal_ids=ids), list
        )

    @cached_property
    def indicator_versions(self) -> DataLoader[UUID, list[Any]]:
        s = self.session
        return _by_key(lambda ids: governance.versions_of(session=s, indicator_ids=ids), list)

    @cached_property
    def action_item_history(self) -> DataLoader[UUID, list[Any]]:  # key: action item id
        s, v = self.session, self.viewer
        return _by_key(lambda ids: actions.history_of(session=s, viewer=v, item_ids=ids), list)

    @cached_property
    def stories(self) -> DataLoader[StoryKey, list[Any]]:
        async def stories_of(keys: list[StoryKey]) -> dict[StoryKey, list[Any]]:
            by_filter: dict[tuple[tuple[Any, ...], str | None, int], list[UUID]] = {}
            for subject_id, kinds, language, count in keys:
                by_filter.setdefault((kinds, language, count), []).append(subject_id)
            found: dict[StoryKey, list[Any]] = {}
            for (kinds, language, count), ids in by_filter.items():
                rows = await stories.stories_of(
                    session=self.session,
                    viewer=self.viewer,
                    subject_ids=ids,
                    count=count,
                    kinds=kinds,
                    language=language,
                )
                found.update({(i, kinds, language, count): rows[i] for i in ids})
            return found

        return _by_key(stories_of, list)

    @cached_property
    def dashboard_panels(self) -> DataLoader[UUID, list[Any]]:  # key: dashboard id
        s, v = self.session, self.viewer
        return _by_key(
            lambda ids: dashboards.panels_of(session=s, viewer=v, dashboard_ids=ids), list
        )

    @cached_property
    def translations(self) -> DataLoader[tuple[str, UUID], list[Any]]:
        """Key: (subject kind, subject id)."""
        s, v = self.session, self.viewer
        return _by_key(
            lambda keys: translations.translations_of(session=s, viewer=v, keys=keys), list
        )

    @cached_property
    def account(self) -> DataLoader[UUID, Any]:  # one's own, and the people one keeps
        return _by_key(lambda ids: memberships.accounts_of(session=self.session, ids=ids))
