"""The async engine and the per-request unit of work.

Every transaction a session begins first tells PostgreSQL who the viewer is
(transaction-local settings read by the row-level-security policies), so pooled
connections never carry one request's viewer into another.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.policy import rls_settings
from services.viewer import ANONYMOUS, Viewer

SET_VIEWER = text(
    "SELECT set_config('tablero.account_id', :account_id, true),"
    " set_config('tablero.api_key_id', :api_key_id, true),"
    " set_config('tablero.request_id', :request_id, true),"
    " set_config('tablero.member_of', :member_of, true),"
    " set_config('tablero.partner_ids', :partner_ids, true),"
    " set_config('tablero.steward_of', :steward_of, true),"
    " set_config('tablero.backbone_of', :backbone_of, true),"
    " set_config('tablero.instance_admin', :instance_admin, true)"
)
# The viewer, and how long any one statement may run: one statement, no round trip more.
BEGIN_TRANSACTION = text(
    SET_VIEWER.text + ", set_config('statement_timeout', :statement_timeout, true)"
)


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as psql and compose use) and pick the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


class ViewerSession(Session):
    """A Session whose transactions begin by declaring the viewer to PostgreSQL."""


@event.listens_for(ViewerSession, "after_begin")
def _declare_viewer(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    role = session.info.get("role")
    if role:
        quoted = connection.dialect.identifier_preparer.quote(role)
        connection.exec_driver_sql(f"SET LOCAL ROLE {quoted}")
    viewer: Viewer = session.info.get("viewer", ANONYMOUS)
    request_id = session.info.get("request_id", "")
    timeout = session.info.get("statement_timeout_ms", 0)
    connection.execute(
        BEGIN_TRANSACTION,
        {**rls_settings(viewer), "request_id": request_id, "statement_timeout": str(timeout)},
    )


class _TaskReentrantLock:
    """Serializes tasks; a task already holding it (a method calling another) passes."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


def _serialized(name: str) -> Any:
    method = getattr(AsyncSession, name)

    @functools.wraps(method)
    async def call(self: SerialAsyncSession, *args: Any, **kwargs: Any) -> Any:
        async with self.lock.hold():
            return await method(self, *args, **kwargs)

    return call


class SerialAsyncSession(AsyncSession):
    """An AsyncSession that sibling resolvers may share.

    GraphQL resolves sibling fields concurrently, but one session has one connection and
    can run one statement at a time: calls queue instead of failing.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = _TaskReentrantLock()

    execute = _serialized("execute")
    exec = _serialized("exec")
    scalar = _serialized("scalar")
    scalars = _serialized("scalars")
    get = _serialized("get")
    flush = _serialized("flush")
    refresh = _serialized("refresh")
    commit = _serialized("commit")
    rollback = _serialized("rollback")


class Database:
    """The API's connection to PostgreSQL: one engine, sessions bound to a viewer."""

    def __init__(
        self,
        bind: AsyncEngine | AsyncConnection,
        *,
        role: str | None = None,
        join_transaction_mode: Any = "conditional_savepoint",
        statement_timeout: float = 0,
    ) -> None:
        self.bind = bind
        self.role = role
        self.statement_timeout_ms = round(statement_timeout * 1000)  # 0: none
        self._sessions = async_sessionmaker(
            bind=bind,
            class_=SerialAsyncSession,
            sync_session_class=ViewerSession,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode=join_transaction_mode,
        )

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        role: str | None = None,
        pool_size: int = 10,
        pool_timeout: float = 30,
        statement_timeout: float = 0,
    ) -> Database:
        """An engine whose requests wait at most `pool_timeout` s for a connection and run
        statements of at most `statement_timeout` s (0: no limit)."""
        engine = create_async_engine(
            async_url(url),
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=pool_timeout,
            pool_pre_ping=True,
        )
        return cls(engine, role=role, statement_timeout=statement_timeout)

    def session(self, viewer: Viewer, request_id: str = "") -> AsyncSession:
        """A session for `viewer`; `request_id` marks what it writes in the audit trail."""
        return self._sessions(
            info={
                "viewer": viewer,
                "role": self.role,
                "request_id": request_id,
                "statement_timeout_ms": self.statement_timeout_ms,
            }
        )

    @asynccontextmanager
    async def unit_of_work(self, viewer: Viewer) -> AsyncIterator[AsyncSession]:
        """A session that commits if the block succeeds and rolls back otherwise."""
        async with self.session(viewer) as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A bare connection outside any viewer, for health checks and the identity lookup."""
        if isinstance(self.bind, AsyncConnection):
            yield self.bind
            return
        async with self.bind.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        if isinstance(self.bind, AsyncEngine):
            await self.bind.dispose()
