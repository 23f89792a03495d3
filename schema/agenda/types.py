"""Domain and Result types: the common agenda."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.relay import Node, fetches_nodes, to_global_id
from schema.translations.types import Translatable, translated
from services.agenda import service as agenda
from services.agenda.models import Domain as DomainModel
from services.agenda.models import Result as ResultModel

if TYPE_CHECKING:
    from schema.indicators.types import Indicator


@strawberry.type(description="A theme of the common agenda (housing, education, ...).")
class Domain(Node, Translatable):
    name: str = translated()
    description: str = translated()
    model: strawberry.Private[DomainModel]

    @classmethod
    def from_model(cls, m: DomainModel) -> Domain:
        return cls(id=to_global_id("Domain", m.id), name=m.name, description=m.description, model=m)

    @strawberry.field
    async def results(self, info: Info[Context, None]) -> list[Result]:
        rows = await info.context.loaders.results_of_domain.load(self.model.id)
        return [Result.from_model(r) for r in rows]


@strawberry.type(description="A population-level condition of well-being the table works for.")
class Result(Node, Translatable):
    statement: str = translated()
    description: str = translated()
    model: strawberry.Private[ResultModel]

    @classmethod
    def from_model(cls, m: ResultModel) -> Result:
        return cls(
            id=to_global_id("Result", m.id),
            statement=m.statement,
            description=m.description,
            model=m,
        )

    @strawberry.field
    async def domain(self, info: Info[Context, None]) -> Domain:
        found = await info.context.loaders.domain.load(self.model.domain_id)
        return Domain.from_model(found)

    @strawberry.field(description="The indicators of this result the viewer may see.")
    async def indicators(
        self, info: Info[Context, None]
    ) -> list[Annotated[Indicator, strawberry.lazy("schema.indicators.types")]]:
        from schema.indicators.types import Indicator

        rows = await info.context.loaders.indicators_of_result.load(self.model.id)
        return [Indicator.from_model(r) for r in rows]


@fetches_nodes("Domain")
async def fetch_domains(info: Info[Context, None], ids: Any) -> dict[UUID, Domain]:
    found = await agenda.get_domains(session=info.context.session, ids=ids)
    return {k: Domain.from_model(v) for k, v in found.items()}


@fetches_nodes("Result")
async def fetch_results(info: Info[Context, None], ids: Any) -> dict[UUID, Result]:
    found = await agenda.get_results(session=info.context.session, ids=ids)
    return {k: Result.from_model(v) for k, v in found.items()}
