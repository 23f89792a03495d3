"""A streaming replica beside the primary: GraphQL queries read it, nothing else touches it.

With TABLERO_REPLICA_DATABASE_URL set, each session's first statement decides where its one
transaction runs, for the rest of the session: on the replica when the session was marked
as serving a query operation before that statement, on the primary otherwise. A schema
extension (`ReplicaReads`) marks a request's session once its document is parsed and known
to be a query, before any resolver runs. Nothing else is ever marked, so mutations,
authentication (a revoked key is refused at once, a new account is found at once), the rate
limit's sync, the deadline's releases, exports and health checks stay on the primary, and no
session spans both servers.

Replica connections open with `default_transaction_read_only`, so a query that tried to write
would fail there even if the URL named a writable server (a promoted replica, a mistake).
docs/scaling.md says what lag means for readers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.database import Database, ViewerSession, pooled_engine
from api.settings import Settings
from services.viewer import Viewer

_REPLICA = "tablero.replica"  # session info: the replica's bind, when there is one
_READS_ONLY = "tablero.reads_only"  # set before the first statement: the replica may serve
_BOUND = "tablero.bound"  # where the session's first statement went, for good


class RoutedSession(ViewerSession):
    """A session that binds to the replica or the primary at its first statement."""

    def get_bind(self, mapper: Any = None, **kw: Any) -> Engine | Connection:
        bound = self.info.get(_BOUND)
        if bound is None:
            replica = self.info.get(_REPLICA)
            if replica is not None and self.info.get(_READS_ONLY):
                bound = replica
            else:
                bound = super().get_bind(mapper, **kw)
            self.info[_BOUND] = bound
        return bound


def reads_only(session: Any) -> None:
    """Let the replica serve `session`, unless a statement already bound it to the primary."""
    session.info[_READS_ONLY] = True


def on_replica(session: Any) -> bool:
    """Whether `session`'s statements run on the replica (only known after the first)."""
    bound = session.info.get(_BOUND)
    return bound is not None and bound is session.info.get(_REPLICA)


class ReplicaReads(SchemaExtension):
    """Marks a query operation's session for the replica; a mutation's stays on the primary."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        session = getattr(context.context, "session", None)
        if session is not None and context.operation_type is OperationType.QUERY:
            reads_only(session)
        yield


def _sync(bind: AsyncEngine | AsyncConnection) -> Engine | Connection:
    if isinstance(bind, AsyncEngine):
        return bind.sync_engine
    assert bind.sync_connection is not None
    return bind.sync_connection


class ReplicatedDatabase(Database):
    """The primary for every session, and the replica for the ones marked `reads_only`."""

    session_class = RoutedSession
    identifies_apart = True

    def __init__(
        self,
        primary: AsyncEngine | AsyncConnection,
        replica: AsyncEngine | AsyncConnection,
        **kwargs: Any,
    ) -> None:
        super().__init__(primary, **kwargs)
        self.replica = replica
        self._replica_bind = _sync(replica)

    def session(self, viewer: Viewer | None, request_id: str = "") -> AsyncSession:
        session = super().session(viewer, request_id)
        session.info[_REPLICA] = self._replica_bind
        return session

    async def dispose(self) -> None:
        await super().dispose()
        if isinstance(self.replica, AsyncEngine):
            await self.replica.dispose()


def replica_engine(url: str, *, pool_size: int, pool_timeout: float) -> AsyncEngine:
    """The replica's pool, like the primary's, whose transactions are read-only."""
    return pooled_engine(
        url,
        pool_size=pool_size,
        pool_timeout=pool_timeout,
        server_settings={"default_transaction_read_only": "on"},
    )


def with_replica(primary: Database, settings: Settings) -> Database:
    """`primary`, with the configured replica beside it (or alone, when there is none)."""
    if settings.replica_database_url is None:
        return primary
    replica = replica_engine(
        settings.replica_database_url,
        pool_size=settings.database_pool_size,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    return ReplicatedDatabase(
        primary.bind,
        replica,
        role=primary.role,
        statement_timeout=primary.statement_timeout_ms / 1000,
    )
