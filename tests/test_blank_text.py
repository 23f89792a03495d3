"""A name or title of only spaces is missing, whatever is named."""

from __future__ import annotations

import pytest

from services.actions.models import ActionItemBase
from services.agenda.models import DomainBase
from services.errors import DomainError, ErrorCode
from services.validation import validated


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (ActionItemBase, {"title": "   ", "due_date": "2026-01-01"}, ("title",)),
        (DomainBase, {"name": "\t \n"}, ("name",)),
    ],
)
def test_text_of_only_spaces_is_missing(model, data, field) -> None:
    with pytest.raises(DomainError) as refused:
        validated(model, data)
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == (field, ErrorCode.REQUIRED)


def test_text_is_kept_without_its_surrounding_spaces() -> None:
    assert validated(DomainBase, {"name": "  Housing  "}).name == "Housing"


async def test_a_blank_name_is_refused_through_the_api(client, session, settings) -> None:
    from schema.relay import to_global_id
    from services.partners.models import PartnerKind
    from services.viewer import Role
    from tests.factories import bearer, graphql, make_collaborative, make_member, make_partner

    collaborative = await make_collaborative(session)
    backbone = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    staff = await make_member(session, collaborative, Role.BACKBONE, backbone)
    body = await graphql(
        client,
        """mutation($input: CreateDomainInput!) { createDomain(input: $input) {
          domain { name } userErrors { field code } } }""",
        {
            "input": {
                "collaborativeId": to_global_id("Collaborative", collaborative.id),
                "name": "  ",
            }
        },
        bearer(settings, staff),
    )
    assert body["data"]["createDomain"] == {
        "domain": None,
        "userErrors": [{"field": ["name"], "code": "REQUIRED"}],
    }
