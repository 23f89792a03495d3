"""Which document a request runs: the one it sent, or the registered one its id names.

In trusted-documents mode (TABLERO_TRUSTED_DOCUMENTS) anonymous and bearer-token traffic
runs only documents an operator registered; partner systems with an API key may still send
any document, within their cost budget. Documents are content-addressed and never change,
so a found one is kept in memory for the life of the process.
"""

from __future__ import annotations

from collections import OrderedDict

from sqlmodel.ext.asyncio.session import AsyncSession

from api.operations import Operation, RequestError
from schema.error_codes import GraphQLErrorCode
from services.documents import service as documents
from services.viewer import Viewer

CACHE_SIZE = 1024


class DocumentResolver:
    def __init__(self, *, trusted_only: bool) -> None:
        self.trusted_only = trusted_only
        self._known: OrderedDict[str, str] = OrderedDict()  # hash -> text, trusted ones

    def must_be_registered(self, viewer: Viewer) -> bool:
        return self.trusted_only and viewer.api_key_id is None

    async def query_of(self, operation: Operation, viewer: Viewer, session: AsyncSession) -> str:
        """The text to run, or a RequestError naming why there is none."""
        registered_only = self.must_be_registered(viewer)
        if operation.query is not None:
            if (
                registered_only
                and await self._find(documents.document_hash(operation.query), session) is None
            ):
                raise RequestError(
                    403,
                    GraphQLErrorCode.FORBIDDEN,
                    "this server runs only registered documents for anonymous and browser "
                    "clients: send a registered `documentId`",
                )
            return operation.query
        assert operation.document_id is not None
        sha256 = documents.hash_of_id(operation.document_id)
        text = await self._find(sha256, session) if sha256 else None
        if text is None:
            raise RequestError(
                404 if sha256 else 400,
                GraphQLErrorCode.PERSISTED_QUERY_NOT_FOUND,
                f"no registered document has the id {operation.document_id!r}"
                if sha256
                else "a document id is `sha256:` and 64 lower-case hexadecimal digits",
            )
        return text

    async def _find(self, sha256: str, session: AsyncSession) -> str | None:
        text = self._known.get(sha256)
        if text is not None:
            self._known.move_to_end(sha256)
            return text
        text = await documents.find(session=session, sha256=sha256, trusted_only=True)
        if text is not None:
            self._known[sha256] = text
            if len(self._known) > CACHE_SIZE:
                self._known.popitem(last=False)
        return text
