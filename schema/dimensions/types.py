"""Dimension and Category types: the community's disaggregation vocabulary."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.relay import Node, fetches_nodes, to_global_id
from schema.translations.types import Translatable, translated
from services.dimensions import service as dimensions
from services.dimensions.models import Dimension as DimensionModel
from services.dimensions.models import DimensionCategory


@strawberry.type(description="A category of a dimension, in the community's words.")
class Category(Node, Translatable):
    key: str
    label: str = translated()
    position: int
    model: strawberry.Private[DimensionCategory]

    @classmethod
    def from_model(cls, m: DimensionCategory) -> Category:
        return cls(
            id=to_global_id("Category", m.id),
            key=m.key,
            label=m.label,
            position=m.position,
            model=m,
        )

    @strawberry.field(description="The broader category this one is counted in, if any.")
    async def rolls_up_to(self, info: Info[Context, None]) -> Category | None:
        if self.model.rolls_up_to_id is None:
            return None
        found = await info.context.loaders.category.load(self.model.rolls_up_to_id)
        return Category.from_model(found) if found else None


@strawberry.type(description="A way to disaggregate data (race/ethnicity, income, ...).")
class Dimension(Node, Translatable):
    key: str
    name: str = translated()
    model: strawberry.Private[DimensionModel]

    @classmethod
    def from_model(cls, m: DimensionModel) -> Dimension:
        return cls(id=to_global_id("Dimension", m.id), key=m.key, name=m.name, model=m)

    @strawberry.field
    async def categories(self, info: Info[Context, None]) -> list[Category]:
        rows = await info.context.loaders.categories.load(self.model.id)
        return [Category.from_model(c) for c in rows]


async def load_dimensions(info: Info[Context, None], ids: list[UUID]) -> list[Dimension]:
    found = await info.context.loaders.dimension.load_many(ids)
    return sorted((Dimension.from_model(d) for d in found if d), key=lambda d: d.key)


@fetches_nodes("Dimension")
async def fetch_dimensions(info: Info[Context, None], ids: Any) -> dict[UUID, Dimension]:
    found = await dimensions.get_many(session=info.context.session, ids=ids)
    return {k: Dimension.from_model(v) for k, v in found.items()}


@fetches_nodes("Category")
async def fetch_categories(info: Info[Context, None], ids: Any) -> dict[UUID, Category]:
    found = await dimensions.categories_by_id(session=info.context.session, ids=ids)
    return {k: Category.from_model(v) for k, v in found.items()}
