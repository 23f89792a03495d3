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
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.pool import QueuePool
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


def pooled_engine(
    url: str, *, pool_size: int, pool_timeout: float, server_settings: dict[str, str] | None = None
) -> AsyncEngine:
    """A pool of `pool_size` connections (and as many more at peaks), JSON through orjson."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout,
        # No ping before each checkout (two round trips a request): a connection the
        # server dropped fails its request with a 503 to retry, and SQLAlchemy then
        # replaces every pooled connection as old as it. Recycling bounds their age.
        pool_recycle=1800,
        json_serializer=_json_text,
        json_deserializer=orjson.loads,
        connect_args={"server_settings": server_settings or {}},
    )


def _json_text(value: Any) -> str:
    """JSON for jsonb columns, by orjson: several times faster than json, both ways."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


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
    if transaction.nested:  # a savepoint: the transaction's settings and role hold in it
        return
    role = session.info.get("role")
    if role:
        quoted = connection.dialect.identifier_preparer.quote(role)
        connection.exec_driver_sql(f"SET LOCAL ROLE {quoted}")
    viewer: Viewer | None = session.info.get("viewer", ANONYMOUS)
    if viewer is not None:  # None: the request declares it once known (declare_viewer)
        connection.execute(BEGIN_TRANSACTION, _transaction_settings(session.info, viewer))


def _transaction_settings(info: dict[str, Any], viewer: Viewer) -> dict[str, str]:
    timeout = info.get("statement_timeout_ms", 0)
    return {
        **rls_settings(viewer),
        "request_id": info.get("request_id", ""),
        "statement_timeout": str(timeout),
    }


async def declare_viewer(session: AsyncSession, viewer: Viewer) -> None:
    """Tell PostgreSQL who the viewer of a session opened without one is: for the
    transaction under way and every later one."""
    if session.in_nested_transaction():
        # A savepoint's rollback would undo the declaration, and savepoints declare nothing.
        raise RuntimeError("declare the viewer before any savepoint, in the transaction itself")
    session.info["viewer"] = viewer
    begun = session.in_transaction()
    connection = await session.connection()  # begins, if need be: after_begin declares
    if begun:
        await connection.execute(BEGIN_TRANSACTION, _transaction_settings(session.info, viewer))


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


@dataclass(frozen=True, slots=True)
class PoolStatus:
    in_use: int
    idle: int
    capacity: int  # the most connections it opens


class Database:
    """The API's connection to PostgreSQL: one engine, sessions bound to a viewer."""

    session_class: type[ViewerSession] = ViewerSession  # api/replica.py routes its own
    # Whether a request learns who asks in a transaction of its own before its session
    # (api/replica.py: the session's first statement must not bind it to the primary).
    identifies_apart = False

    def __init__(
        self,
        bind: AsyncEngine | AsyncConnection,
        *,
        role: str | None = None,
        join_transaction_mode: Any = "conditional_savepoint",
        statement_timeout: float = 0,
        pool_capacity: int | None = None,
    ) -> None:
        self.bind = bind
        self.role = role
        self.pool_capacity = pool_capacity
        self.statement_timeout_ms = round(statement_timeout * 1000)  # 0: none
        self._sessions = async_sessionmaker(
            bind=bind,
            class_=SerialAsyncSession,
            sync_session_class=self.session_class,
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
        engine = pooled_engine(url, pool_size=pool_size, pool_timeout=pool_timeout)
        return cls(
            engine, role=role, statement_timeout=statement_timeout, pool_capacity=2 * pool_size
        )

    def pool_status(self) -> PoolStatus | None:
        """How the connection pool is used; None when bound to a single connection."""
        if not isinstance(self.bind, AsyncEngine):
            return None
        pool = self.bind.sync_engine.pool
        if not isinstance(pool, QueuePool):
            return None
        capacity = self.pool_capacity or pool.size()
        return PoolStatus(in_use=pool.checkedout(), idle=pool.checkedin(), capacity=capacity)

    def session(self, viewer: Viewer | None, request_id: str = "") -> AsyncSession:
        """A session for `viewer`; `request_id` marks what it writes in the audit trail.
        Without a viewer, statements run as nobody until `declare_viewer` (identification
        only: the API role sees nothing then)."""
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
