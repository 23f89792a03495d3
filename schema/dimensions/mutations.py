"""createDimension and updateDimension (backbone): the disaggregation vocabulary."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.dimensions.types import Dimension
from schema.errors import UserError, attempt
from schema.observations.types import BreakdownInput
from schema.relay import raw_id
from services.dimensions import changes


@strawberry.input(description="A category; `rollsUpTo` names a broader category it counts in.")
class CategoryInput:
    key: str
    label: str
    position: int | None = strawberry.field(default=None, description="Defaults to list order.")
    rolls_up_to: BreakdownInput | None = None


@strawberry.input
class CreateDimensionInput:
    collaborative_id: strawberry.ID
    key: str = strawberry.field(description="Lowercase letters, digits and _, e.g. race_ethnicity.")
    name: str
    categories: list[CategoryInput]


@strawberry.input(
    description="Categories are matched by key: new keys are added, known ones relabelled. "
    "Categories are never removed, since observations may use them."
)
class UpdateDimensionInput:
    id: strawberry.ID
    name: str | None = UNSET
    categories: list[CategoryInput] = strawberry.field(default_factory=list)


@strawberry.type
class DimensionPayload:
    dimension: Dimension | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _categories(given: list[CategoryInput]) -> list[dict[str, Any]]:
    return [
        {
            "key": c.key,
            "label": c.label,
            "position": index if c.position is None else c.position,
            "rolls_up_to": (c.rolls_up_to.dimension, c.rolls_up_to.category)
            if c.rolls_up_to
            else None,
        }
        for index, c in enumerate(given)
    ]


def _success(dimension: Any) -> DimensionPayload:
    return DimensionPayload(dimension=Dimension.from_model(dimension))


async def create_dimension(
    info: Info[Context, None], input: CreateDimensionInput
) -> DimensionPayload:
    ctx = info.context
    action = changes.create_dimension(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
        data={"key": input.key, "name": input.name},
        categories=_categories(input.categories),
    )
    return await attempt(action, _success, DimensionPayload)


async def update_dimension(
    info: Info[Context, None], input: UpdateDimensionInput
) -> DimensionPayload:
    ctx = info.context
    action = changes.update_dimension(
        session=ctx.session,
        viewer=ctx.viewer,
        dimension_id=raw_id(input.id, "Dimension"),
        name=None if input.name is UNSET else input.name,
        categories=_categories(input.categories),
    )
    return await attempt(action, _success, DimensionPayload)
