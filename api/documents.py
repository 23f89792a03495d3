"""Which document a request runs: the one it sent, the registered one its id names, or the
automatic persisted query its hash names.

In trusted-documents mode (TABLERO_TRUSTED_DOCUMENTS) anonymous and bearer-token traffic
runs only documents an operator registered; partner systems with an API key may still send
any document, within their cost budget.

Automatic persisted queries (Apollo's protocol): a client sends only
`extensions.persistedQuery.sha256Hash`; an unknown hash answers PERSISTED_QUERY_NOT_FOUND,
and the client sends the text with its hash once, which the API stores (untrusted) when it
parses and validates. Stored documents live in PostgreSQL, shared by every process and
bounded (TABLERO_MAX_PERSISTED_QUERIES). A client's document never becomes trusted, and in
trusted-documents mode anonymous and bearer traffic cannot store any: their hashes find
registered documents only.

Documents are content-addressed and never change, so a found one is kept in memory for the
life of the process.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from api.operations import Operation, RequestError, bad_input
from schema.error_codes import GraphQLErrorCode
from services.documents import service as documents
from services.viewer import Viewer

CACHE_SIZE = 1024
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # what Apollo's link also recognises


@dataclass(frozen=True, slots=True)
class Resolved:
    """The text to run, and the hash to store it under once it proves valid (APQ)."""

    text: str
    persist_as: str | None = None


class DocumentResolver:
    def __init__(self, *, trusted_only: bool, keep_persisted: int) -> None:
        self.trusted_only = trusted_only
        self.keep_persisted = keep_persisted  # automatic persisted queries kept; 0: off
        self._known: OrderedDict[tuple[str, bool], str] = OrderedDict()  # (hash, trusted)

    def must_be_registered(self, viewer: Viewer) -> bool:
        return self.trusted_only and viewer.api_key_id is None

    async def resolve(
        self, operation: Operation, viewer: Viewer, session: AsyncSession
    ) -> Resolved:
        """What to run, or a RequestError naming why there is nothing."""
        if operation.document_id is not None:
            return Resolved(await self._by_id(operation.document_id, session))
        if operation.persisted_hash is not None:
            return await self._persisted(operation, viewer, session)
        assert operation.query is not None
        await self._check_allowed(operation.query, viewer, session)
        return Resolved(operation.query)

    async def persist(self, session: AsyncSession, sha256: str, text: str) -> None:
        await documents.persist(session=session, sha256=sha256, text=text, keep=self.keep_persisted)
        self._remember((sha256, False), text)

    async def _by_id(self, document_id: str, session: AsyncSession) -> str:
        sha256 = documents.hash_of_id(document_id)
        text = await self._find(sha256, session, trusted_only=True) if sha256 else None
        if text is None:
            raise RequestError(
                404 if sha256 else 400,
                GraphQLErrorCode.PERSISTED_QUERY_NOT_FOUND,
                f"no registered document has the id {document_id!r}"
                if sha256
                else "a document id is `sha256:` and 64 lower-case hexadecimal digits",
            )
        return text

    async def _persisted(
        self, operation: Operation, viewer: Viewer, session: AsyncSession
    ) -> Resolved:
        sha256 = operation.persisted_hash
        assert sha256 is not None
        registered_only = self.must_be_registered(viewer)
        if not registered_only and self.keep_persisted == 0:
            raise RequestError(
                400,
                GraphQLErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
                "automatic persisted queries are off on this server: send the query",
            )
        if operation.query is None:
            text = await self._find(sha256, session, trusted_only=registered_only)
            if text is None:
                raise RequestError(
                    404, GraphQLErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE
                )
            return Resolved(text)
        if documents.document_hash(operation.query) != sha256:
            raise bad_input("`extensions.persistedQuery.sha256Hash` is not the SHA-256 of `query`")
        await self._check_allowed(operation.query, viewer, session)
        if registered_only:  # a registered document: nothing to store
            return Resolved(operation.query)
        known = await self._find(sha256, session, trusted_only=False)
        return Resolved(operation.query, persist_as=None if known else sha256)

    async def _check_allowed(self, query: str, viewer: Viewer, session: AsyncSession) -> None:
        if not self.must_be_registered(viewer):
            return
        if await self._find(documents.document_hash(query), session, trusted_only=True) is None:
            raise RequestError(
                403,
                GraphQLErrorCode.FORBIDDEN,
                "this server runs only registered documents for anonymous and browser "
                "clients: send a registered `documentId`",
            )

    async def _find(self, sha256: str, session: AsyncSession, *, trusted_only: bool) -> str | None:
        for key in ((sha256, True), (sha256, False))[: 1 if trusted_only else 2]:
            text = self._known.get(key)
            if text is not None:
                self._known.move_to_end(key)
                return text
        found = await documents.find_with_trust(session=session, sha256=sha256)
        if found is None:
            return None
        text, trusted = found
        if trusted_only and not trusted:
            return None
        self._remember((sha256, trusted), text)
        return text

    def _remember(self, key: tuple[str, bool], text: str) -> None:
        self._known[key] = text
        if len(self._known) > CACHE_SIZE:
            self._known.popitem(last=False)
