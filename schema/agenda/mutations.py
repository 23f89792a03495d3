"""createDomain, updateDomain, createResult, updateResult (backbone)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.agenda.types import Domain, Result
from schema.errors import UserError, attempt
from schema.inputs import sent_fields
from schema.relay import raw_id
from services.agenda import service as agenda


@strawberry.input
class CreateDomainInput:
    collaborative_id: strawberry.ID
    name: str
    description: str = ""


@strawberry.input
class UpdateDomainInput:
    id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET


@strawberry.type
class DomainPayload:
    domain: Domain | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateResultInput:
    domain_id: strawberry.ID
    statement: str
    description: str = ""


@strawberry.input
class UpdateResultInput:
    id: strawberry.ID
    statement: str | None = UNSET
    description: str | None = UNSET
    domain_id: strawberry.ID | None = UNSET


@strawberry.type
class ResultPayload:
    result: Result | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def create_domain(info: Info[Context, None], input: CreateDomainInput) -> DomainPayload:
    ctx = info.context
    action = agenda.create_domain(
        session=ctx.session,
        viewer=ctx.viewer,
        collaborative_id=raw_id(input.collaborative_id, "Collaborative"),
        data=sent_fields(input, exclude=("collaborative_id",)),
    )
    return await attempt(
        action, lambda d: DomainPayload(domain=Domain.from_model(d)), DomainPayload
    )


async def update_domain(info: Info[Context, None], input: UpdateDomainInput) -> DomainPayload:
    ctx = info.context
    action = agenda.update_domain(
        session=ctx.session,
        viewer=ctx.viewer,
        domain_id=raw_id(input.id, "Domain"),
        data=sent_fields(input, exclude=("id",)),
    )
    return await attempt(
        action, lambda d: DomainPayload(domain=Domain.from_model(d)), DomainPayload
    )


async def create_result(info: Info[Context, None], input: CreateResultInput) -> ResultPayload:
    ctx = info.context
    action = agenda.create_result(
        session=ctx.session,
        viewer=ctx.viewer,
        domain_id=raw_id(input.domain_id, "Domain"),
        data=sent_fields(input, exclude=("domain_id",)),
    )
    return await attempt(
        action, lambda r: ResultPayload(result=Result.from_model(r)), ResultPayload
    )


async def update_result(info: Info[Context, None], input: UpdateResultInput) -> ResultPayload:
    ctx = info.context
    data = sent_fields(input, exclude=("id", "domain_id"))
    if input.domain_id is not UNSET:
        data["domain_id"] = raw_id(input.domain_id, "Domain")
    action = agenda.update_result(
        session=ctx.session, viewer=ctx.viewer, result_id=raw_id(input.id, "Result"), data=data
    )
    return await attempt(
        action, lambda r: ResultPayload(result=Result.from_model(r)), ResultPayload
    )
