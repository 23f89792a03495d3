"""The per-request context handed to every resolver: request, viewer, session, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from strawberry.types.graphql import OperationType

from api.loaders import Loaders
from api.settings import Settings
from schema.limits.meter import Meter
from schema.telemetry import OperationRecord
from services.imports.progress import ProgressBoard
from services.translations.languages import LanguagePreference
from services.viewer import Viewer


@dataclass
class Context:
    request: Request
    response: Any
    settings: Settings
    viewer: Viewer
    session: AsyncSession
    loaders: Loaders
    imports: ProgressBoard = field(default_factory=ProgressBoard)  # the app's, shared
    request_id: str = field(default_factory=lambda: uuid4().hex)
    # Charges the request's cost to its client's rate limit (schema/limits); None: no limit.
    meter: Meter | None = None
    # What the operation is, for logs, metrics and traces (never its variables).
    operation: OperationRecord = field(default_factory=OperationRecord)
    # The kind of operation that ran (schema/operation_rules.py says), for the answer's headers.
    operation_type: OperationType | None = None

    @property
    def languages(self) -> LanguagePreference:
        """The request's language preference (argument, else Accept-Language), the loaders'
        own: each collaborative resolves it against its own languages."""
        return self.loaders.languages
