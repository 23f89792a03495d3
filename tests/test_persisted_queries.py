"""Automatic persisted queries, as Apollo's link sends them: the hash alone first, the text
with its hash when the server does not know it, then the hash alone again, by POST or GET."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlmodel import col, func, select

from services.audit.models import AuditEvent
from services.documents import service as documents
from services.documents.models import PersistedDocument
from tests.apps import client_with, post
from tests.factories import make_api_key, make_collaborative, make_partner

QUERY = "query Anonymous { viewer { isAnonymous } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def persisted(sha256: str = HASH) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


async def test_an_unknown_hash_asks_for_the_text_then_the_hash_alone_runs(client, session) -> None:
    # when the client sends the hash alone
    unknown = await post(client, {"extensions": persisted()})
    # then it is told the hash is unknown, as Apollo's link expects
    assert unknown.status_code == 404
    [error] = unknown.json()["errors"]
    assert error == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }
    # when it sends the text with its hash, the query runs and is stored
    registered = await post(client, {"query": QUERY, "extensions": persisted()})
    assert registered.json()["data"] == {"viewer": {"isAnonymous": True}}
    # then the hash alone runs, by POST and by GET
    by_post = await post(client, {"extensions": persisted()})
    by_get = await client.get(
        "/graphql", params={"extensions": json.dumps(persisted()), "operationName": "Anonymous"}
    )
    for response in (by_post, by_get):
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"viewer": {"isAnonymous": True}}
    stored = await documents.find_with_trust(session=session, sha256=HASH)
    assert stored == (QUERY, False)  # a client's document is never trusted


async def test_a_text_that_is_not_the_hashed_one_is_refused(client) -> None:
    response = await post(client, {"query": QUERY, "extensions": persisted("0" * 64)})
    assert response.status_code == 400
    assert "is not the SHA-256 of `query`" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "extension",
    [{"version": 2, "sha256Hash": HASH}, {"version": 1, "sha256Hash": "ABC"}, "yes"],
)
async def test_a_malformed_persisted_query_says_what_is_wrong(client, extension) -> None:
    response = await post(client, {"extensions": {"persistedQuery": extension}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_document_that_does_not_validate_is_not_stored(client, session) -> None:
    broken = "{ viewer { nothingLikeThis } }"
    sha256 = hashlib.sha256(broken.encode()).hexdigest()
    response = await post(client, {"query": broken, "extensions": persisted(sha256)})
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert await documents.find_with_trust(session=session, sha256=sha256) is None


async def test_the_store_is_bounded_and_drops_the_oldest(
    settings, database, connection, session
) -> None:
    async with client_with(settings, database, connection, max_persisted_queries=2) as client:
        texts = [f"query Q{i} {{ viewer {{ isAnonymous }} }}" for i in range(3)]
        for text in texts:
            sha256 = hashlib.sha256(text.encode()).hexdigest()
            await post(client, {"query": text, "extensions": persisted(sha256)})
    kept = (
        await session.exec(select(func.count()).where(col(PersistedDocument.trusted).is_(False)))
    ).one()
    assert kept == 2


async def test_storing_a_clients_document_leaves_no_trace_in_the_audit_trail(
    client, session
) -> None:
    before = (await session.exec(select(func.count()).select_from(AuditEvent))).one()
    await post(client, {"query": QUERY, "extensions": persisted()})
    after = (await session.exec(select(func.count()).select_from(AuditEvent))).one()
    assert after == before


async def test_with_persisted_queries_off_the_client_is_told_to_send_the_text(
    settings, database, connection
) -> None:
    async with client_with(settings, database, connection, max_persisted_queries=0) as client:
        response = await post(client, {"query": QUERY, "extensions": persisted()})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_in_trusted_mode_anonymous_clients_store_nothing_and_find_only_registered_ones(
    settings, database, connection, session
) -> None:
    # given one registered document
    registered = "query Registered { viewer { isAnonymous } }"
    await documents.register(session=session, documents={"registered.graphql": registered})
    await session.flush()
    async with client_with(settings, database, connection, trusted_documents=True) as client:
        # when an anonymous client tries to store its own
        stored = await post(client, {"query": QUERY, "extensions": persisted()})
        # then it is refused and nothing is stored
        assert stored.status_code == 403
        assert stored.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert await documents.find_with_trust(session=session, sha256=HASH) is None
        # and the registered document runs by its hash, as Apollo's link sends it
        sha256 = hashlib.sha256(registered.encode()).hexdigest()
        by_hash = await post(client, {"extensions": persisted(sha256)})
        assert by_hash.json()["data"] == {"viewer": {"isAnonymous": True}}


async def test_in_trusted_mode_a_partner_system_may_still_store_its_documents(
    settings, database, connection, session
) -> None:
    collaborative = await make_collaborative(session)
    partner = await make_partner(session, collaborative)
    secret = await make_api_key(session, partner)
    async with client_with(settings, database, connection, trusted_documents=True) as client:
        response = await post(
            client, {"query": QUERY, "extensions": persisted()}, **{"X-Api-Key": secret}
        )
    assert response.json()["data"] == {"viewer": {"isAnonymous": False}}
    assert await documents.find_with_trust(session=session, sha256=HASH) == (QUERY, False)
