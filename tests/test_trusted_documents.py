"""Trusted documents: a front end's registered documents run by their `sha256:` id, and in
trusted-documents mode anonymous and browser traffic runs nothing else, while partner
systems with an API key still send their own documents."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.documents_registry import InvalidDocumentsError, read_documents
from api.settings import Settings
from services.documents import service as documents
from services.viewer import Role
from tests.apps import client_with, post
from tests.committed import Committed
from tests.factories import bearer, make_api_key, make_collaborative, make_member, make_partner
from tests.processes import clean_env, tablero

VIEWER = "query Viewer { viewer { isAnonymous } }"
VIEWER_ID = "sha256:" + hashlib.sha256(VIEWER.encode()).hexdigest()


@pytest.fixture
async def registered(session) -> str:
    ids = await documents.register(session=session, documents={"viewer.graphql": VIEWER})
    await session.flush()
    return ids["viewer.graphql"]


@pytest.fixture
async def trusted(settings, database, connection, registered):
    async with client_with(settings, database, connection, trusted_documents=True) as client:
        yield client


def test_an_id_is_the_sha256_of_the_documents_text_as_the_appendix_says() -> None:
    # the example of the GraphQL-over-HTTP persisted-documents appendix
    example = "query ($id: ID!) {\n  user(id: $id) {\n    name\n  }\n}"
    assert documents.document_id(example) == (
        "sha256:7dba4bd717b41f10434822356a93c32b1fb4907b983e854300ad839f84cdcd6e"
    )
    assert documents.hash_of_id("sha256:" + "A" * 64) is None  # lower-case hex only
    assert documents.hash_of_id("md5:abc") is None


async def test_a_registered_document_runs_by_its_id_with_post_and_get(
    client, registered: str
) -> None:
    assert registered == VIEWER_ID
    posted = await post(client, {"documentId": VIEWER_ID})
    got = await client.get("/graphql", params={"documentId": VIEWER_ID})
    for response in (posted, got):
        assert response.status_code == 200
        assert response.json()["data"] == {"viewer": {"isAnonymous": True}}


@pytest.mark.parametrize(
    ("document_id", "status"),
    [("sha256:" + "0" * 64, 404), ("sha256:nothex", 400), ("x-custom:1", 400)],
)
async def test_an_unknown_or_malformed_id_says_so_with_a_code(
    client, document_id: str, status: int
) -> None:
    response = await post(client, {"documentId": document_id})
    assert response.status_code == status
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}


async def test_a_query_and_an_id_together_are_refused(client) -> None:
    response = await post(client, {"query": VIEWER, "documentId": VIEWER_ID})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_in_trusted_mode_anonymous_and_bearer_traffic_runs_only_registered_documents(
    trusted, session, settings: Settings
) -> None:
    collaborative = await make_collaborative(session)
    person = await make_member(session, collaborative, Role.RESIDENT)
    for headers in ({}, bearer(settings, person)):
        # an arbitrary document is refused before it runs
        other = await post(trusted, {"query": "{ viewer { isAnonymous __typename } }"}, **headers)
        assert other.status_code == 403
        assert other.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # the registered one runs, by its id or by its very text
        for asked in ({"documentId": VIEWER_ID}, {"query": VIEWER}):
            assert (await post(trusted, asked, **headers)).status_code == 200


async def test_in_trusted_mode_a_partner_system_still_sends_its_own_documents(
    trusted, session
) -> None:
    collaborative = await make_collaborative(session)
    key = await make_api_key(session, await make_partner(session, collaborative))
    response = await post(
        trusted, {"query": "{ viewer { isAnonymous __typename } }"}, **{"X-Api-Key": key}
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"isAnonymous": False, "__typename": "Viewer"}


def test_registering_refuses_every_file_that_is_not_a_valid_document(tmp_path: Path) -> None:
    (tmp_path / "fine.graphql").write_text(VIEWER)
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "broken.graphql").write_text("{ viewer { nothing } }")
    (tmp_path / "pages" / "garbled.graphql").write_text("{ viewer")
    with pytest.raises(InvalidDocumentsError) as refused:
        read_documents(tmp_path)
    message = str(refused.value)
    assert "pages/broken.graphql: Cannot query field 'nothing'" in message
    assert "pages/garbled.graphql: Syntax Error" in message
    assert "fine.graphql" not in message


async def test_the_command_registers_a_directory_and_prints_each_id(
    committed: Committed, tmp_path: Path
) -> None:
    # given a front end's documents
    (tmp_path / "viewer.graphql").write_text(VIEWER)
    # when
    env = clean_env(
        TABLERO_DATABASE_URL=committed.api_url, TABLERO_OWNER_DATABASE_URL=committed.owner_url
    )
    done = tablero("documents", "register", str(tmp_path), env=env)
    # then
    assert done.returncode == 0, done.stderr
    assert f"{VIEWER_ID}  viewer.graphql" in done.stdout
    async with committed.client(trusted_documents=True) as client:
        response = await post(client, {"documentId": VIEWER_ID})
    assert response.json()["data"] == {"viewer": {"isAnonymous": True}}
