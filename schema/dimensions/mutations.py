"""createDimension (backbone): a dimension and its categories."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from schema.dimensions.types import Dimension
from schema.errors import UserError, attempt
from schema.inputs import sent_fields
from schema.relay import raw_id
from services.dimensions import service as dimensions


@strawberry.input
class CategoryInput:
    key: str
    label: str
    position: int | None = strawberry.field(default=None, description="Defaults to list order.")


@strawberry.input
class CreateDimensionInput:
    collaborative_id: strawberry.ID
    key: str = strawberry.field(description="Lowercase letters, digits and _, e.g. race_ethnicity.")
    name: str
    categories: list[CategoryInput]


@strawberry.type
class DimensionPayload:
    dimension: Dimension | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def create_dimension(
    info: Info[Context, None], input: CreateDimensionInput
) -> DimensionPayload:
    ctx = info.context
    action = dimensions.create_dimension(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
        data={"key": input.key, "name": input.name},
        categories=[
            {**sent_fields(c), "position": index if c.position is None else c.position}
            for index, c in enumerate(input.categories)
        ],
    )
    return await attempt(
        action, lambda d: DimensionPayload(dimension=Dimension.from_model(d)), DimensionPayload
    )
