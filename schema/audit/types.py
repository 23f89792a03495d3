"""The audit trail as GraphQL: who changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.relay import to_global_id
from services.audit.models import AuditEvent as AuditEventModel
from services.audit.models import AuditOperation

AuditOperationEnum = strawberry.enum(AuditOperation, name="AuditOperation")

# Tables whose rows are nodes of the API: their audit rows name the node's global id.
NODE_TYPES = {
    "collaborative": "Collaborative",
    "partner": "Partner",
    "domain": "Domain",
    "result": "Result",
    "dimension": "Dimension",
    "indicator": "Indicator",
    "shared_measure": "SharedMeasure",
    "performance_measure": "Measure",
    "observation": "Observation",
    "proposal": "Proposal",
    "action_item": "ActionItem",
    "story": "Story",
    "dashboard": "Dashboard",
}


@strawberry.type(description="One change to one row, recorded by the database itself.")
class AuditEvent:
    occurred_at: datetime
    request_id: str | None = strawberry.field(
        description="The request that made the change (its X-Request-Id): the same for every "
        "row one mutation changed; null for changes made outside the API (seeds, operators)."
    )
    operation: AuditOperationEnum  # type: ignore[valid-type]
    table: str
    subject_id: strawberry.ID | None = strawberry.field(
        description="The changed object's global id, when it is a node of this API."
    )
    account_id: strawberry.ID | None = strawberry.field(description="Who, as a person.")
    api_key_id: strawberry.ID | None = strawberry.field(description="Who, as a partner system.")
    before: JSON | None
    after: JSON | None

    @classmethod
    def from_model(cls, model: AuditEventModel) -> AuditEvent:
        node_type = NODE_TYPES.get(model.table_name)
        return cls(
            occurred_at=model.occurred_at,
            request_id=model.request_id,
            operation=model.operation,
            table=model.table_name,
            subject_id=_global(node_type, model.row_id),
            account_id=_global("Account", model.account_id),
            api_key_id=_global("ApiKey", model.api_key_id),
            before=model.before,
            after=model.after,
        )


def _global(type_name: str | None, raw: Any) -> strawberry.ID | None:
    return to_global_id(type_name, raw) if type_name and raw else None
