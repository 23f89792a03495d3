"""Any API process answers any request (docs/scaling.md): what one process was told, another
knows through PostgreSQL. Two apps on one database stand for two processes behind a load
balancer; the shared rate limit has its own test (test_rate_limit.py)."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from services.documents import service as documents
from services.partners.models import PartnerKind
from services.viewer import Role
from tests.apps import client_with, post
from tests.factories import bearer, make_collaborative, make_member, make_partner

NAME = "query Name($slug: String!) { collaborative(slug: $slug) { name } }"
RENAME = """mutation Rename($input: UpdateCollaborativeInput!) {
  updateCollaborative(input: $input) { userErrors { code } } }"""


@pytest.fixture
async def two_processes(settings, database, connection, session):
    """Two apps with caches of their own, in trusted-documents mode, on one database."""
    await documents.register(
        session=session, documents={"name.graphql": NAME, "rename.graphql": RENAME}
    )
    await session.flush()
    async with (
        client_with(settings, database, connection, trusted_documents=True) as first,
        client_with(settings, database, connection, trusted_documents=True) as second,
    ):
        yield first, second


async def test_a_write_through_one_process_is_read_through_another(
    two_processes, session, settings
) -> None:
    first, second = two_processes
    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    person = await make_member(session, collaborative, Role.BACKBONE, backbone)
    headers = bearer(settings, person)
    # when the backbone renames the collaborative through the first process
    rename = {
        "documentId": documents.document_id(RENAME),
        "variables": {
            "input": {"id": to_global_id("Collaborative", collaborative.id), "name": "Renamed"}
        },
    }
    renamed = await post(first, rename, **headers)
    assert renamed.json()["data"]["updateCollaborative"]["userErrors"] == []
    # then the second process, which never saw that request, reads the new name by the
    # registered document, as the first does
    asked = {"documentId": documents.document_id(NAME), "variables": {"slug": collaborative.slug}}
    for process in (second, first):
        response = await post(process, asked, **headers)
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"collaborative": {"name": "Renamed"}}
