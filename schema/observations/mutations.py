"""submitObservations, correctObservation, publishObservations and setTarget."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.context import Context
from schema.enums import ObservationStatusEnum
from schema.errors import UserError, attempt
from schema.inputs import sent_fields
from schema.observations.types import BreakdownInput, Observation, Target, breakdown_dict
from schema.relay import from_global_id, raw_id
from services.observations import service as observations
from services.observations import targets
from services.observations.models import ObservationStatus
from services.observations.validation import ObservationInput as ObservationRow


def subject_ids(global_id: str) -> dict[str, UUID | None]:
    """A measure's or an indicator's global id as the service's two keyword arguments."""
    decoded = from_global_id(global_id)
    kind, raw = decoded if decoded else ("", None)
    return {
        "measure_id": raw if kind == "Measure" else None,
        "indicator_id": raw if kind == "Indicator" else None,
    }


@strawberry.input(
    description="One value: give a value, a numerator and denominator, or "
    "how the source suppressed it."
)
class ObservationInput:
    period_start: date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n: int | None = None
    breakdown: list[BreakdownInput] | None = None
    suppressed_at_source: str | None = None
    note: str = ""


@strawberry.input
class SubmitObservationsInput:
    subject_id: strawberry.ID = strawberry.field(description="A Measure's or an Indicator's id.")
    client_key: str = strawberry.field(
        description="Your idempotency key: a retry with the same key writes nothing twice."
    )
    observations: list[ObservationInput]
    status: ObservationStatusEnum = ObservationStatus.PUBLISHED  # type: ignore[valid-type]


@strawberry.type
class SubmitObservationsPayload:
    observations: list[Observation] = strawberry.field(default_factory=list)
    replayed: bool = strawberry.field(
        default=False, description="True when this client key was seen before: nothing written."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def submit_observations(
    info: Info[Context, None], input: SubmitObservationsInput
) -> SubmitObservationsPayload:
    ctx = info.context
    rows = [
        ObservationRow(
            **{**sent_fields(o, exclude=("breakdown",)), "breakdown": breakdown_dict(o.breakdown)}
        )
        for o in input.observations
    ]
    action = observations.submit_observations(
        session=ctx.session,
        viewer=ctx.viewer,
        client_key=input.client_key,
        status=input.status,
        rows=rows,
        **subject_ids(input.subject_id),
    )
    return await attempt(
        action,
        lambda done: SubmitObservationsPayload(
            observations=[Observation.from_model(o) for o in done.observations],
            replayed=done.replayed,
        ),
        SubmitObservationsPayload,
    )


@strawberry.input(description="The new value (replacing the old value fields), and why.")
class CorrectObservationInput:
    id: strawberry.ID
    reason: str
    value: float | None = UNSET
    numerator: float | None = UNSET
    denominator: float | None = UNSET
    suppressed_at_source: str | None = UNSET
    n: int | None = UNSET
    note: str | None = UNSET


@strawberry.type
class ObservationPayload:
    observation: Observation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def correct_observation(
    info: Info[Context, None], input: CorrectObservationInput
) -> ObservationPayload:
    ctx = info.context
    action = observations.correct_observation(
        session=ctx.session,
        viewer=ctx.viewer,
        observation_id=raw_id(input.id, "Observation"),
        values=sent_fields(input, exclude=("id", "reason")),
        reason=input.reason,
    )
    return await attempt(
        action,
        lambda o: ObservationPayload(observation=Observation.from_model(o)),
        ObservationPayload,
    )


@strawberry.input
class PublishObservationsInput:
    ids: list[strawberry.ID]


@strawberry.type
class ObservationsPayload:
    observations: list[Observation] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def publish_observations(
    info: Info[Context, None], input: PublishObservationsInput
) -> ObservationsPayload:
    ctx = info.context
    action = observations.publish_observations(
        session=ctx.session, viewer=ctx.viewer, ids=[raw_id(i, "Observation") for i in input.ids]
    )
    return await attempt(
        action,
        lambda rows: ObservationsPayload(observations=[Observation.from_model(o) for o in rows]),
        ObservationsPayload,
    )


@strawberry.input(description="A target for a period and cell; a null value removes it.")
class SetTargetInput:
    subject_id: strawberry.ID
    period_start: date
    value: float | None
    breakdown: list[BreakdownInput] | None = None


@strawberry.type
class TargetPayload:
    target: Target | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def set_target(info: Info[Context, None], input: SetTargetInput) -> TargetPayload:
    ctx = info.context
    action = targets.set_target(
        session=ctx.session,
        viewer=ctx.viewer,
        period_start=input.period_start,
        breakdown=breakdown_dict(input.breakdown),
        value=input.value,
        **subject_ids(input.subject_id),
    )

    def success(target: Any) -> TargetPayload:
        return TargetPayload(target=Target.from_model(target) if target else None)

    return await attempt(action, success, TargetPayload)
