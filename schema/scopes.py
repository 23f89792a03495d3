"""An API key without the `read` scope runs no query (its mutations' payloads still answer)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.error_codes import GraphQLErrorCode, coded_error
from services.viewer import Scope


class RequireReadScope(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        viewer = getattr(context.context, "viewer", None)
        if (
            viewer is not None
            and not viewer.may(Scope.READ)
            and context.operation_type is OperationType.QUERY
        ):
            context.result = ExecutionResult(
                data=None,
                errors=[
                    coded_error(
                        GraphQLErrorCode.FORBIDDEN,
                        f"this API key does not hold the `{Scope.READ.value}` scope",
                    )
                ],
            )
        yield
