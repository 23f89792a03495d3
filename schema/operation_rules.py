"""What depends on an operation's kind: every mutation needs a viewer, and the API learns
which kind ran (a mutation's answer is never cached nor compressed: api/graphql.py).

Every mutation acts as someone (a member, a partner's system), so an anonymous one is
refused before it runs with UNAUTHENTICATED ("sign in"), not with the NOT_FOUND its
arguments would meet under an anonymous viewer's eyes. A newcomer (signed in, no account
yet) is not refused here: the endpoint lets it redeem an invitation, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.error_codes import GraphQLErrorCode, coded_error


class MutationsNeedAViewer(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        operation = context.operation_type
        request = context.context
        if hasattr(request, "operation_type"):
            request.operation_type = operation
        viewer = getattr(request, "viewer", None)
        signed_out = viewer is not None and viewer.is_anonymous and not viewer.is_newcomer
        if operation is OperationType.MUTATION and signed_out:
            context.result = ExecutionResult(
                data=None,
                errors=[
                    coded_error(
                        GraphQLErrorCode.UNAUTHENTICATED,
                        "sign in: a mutation needs a bearer token (Authorization) or an API "
                        "key (X-Api-Key)",
                    )
                ],
            )
        yield
