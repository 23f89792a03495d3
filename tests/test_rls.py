"""Row-level security on its own: the API role cannot read or write past it, whatever Python does.

These tests speak SQL to PostgreSQL directly, as the API does but without services/policy.py:
they become `tablero_api` in the test's transaction and declare a viewer with the same
transaction-local settings api/database.py sets ('' or a uuid for the account, '{uuid,...}'
arrays for the rest). The test's connection is the owner role, whose `maintenance` policies
allow everything, until `SET LOCAL ROLE` (undone when the test's transaction rolls back).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.partners.models import Partner, ProfileVisibility
from services.viewer import Role
from tests.factories import make_api_key, make_collaborative, make_member, make_partner

API_ROLE = "tablero_api"
INSUFFICIENT_PRIVILEGE = "42501"  # permission denied, and row-level-security refusals

DECLARE_VIEWER = text(
    "SELECT set_config('tablero.account_id', :account_id, true),"
    " set_config('tablero.member_of', :member_of, true),"
    " set_config('tablero.partner_ids', :partner_ids, true),"
    " set_config('tablero.steward_of', :steward_of, true),"
    " set_config('tablero.backbone_of', :backbone_of, true)"
)

INSERT_PARTNER = text(
    "INSERT INTO partner (collaborative_id, id, name, kind, description, visibility)"
    " VALUES (:collaborative_id, :id, :name, 'community_org', '', 'public')"
)


def pg_array(ids: Iterable[UUID]) -> str:
    return "{" + ",".join(str(i) for i in ids) + "}"


@dataclass
class Tenants:
    """Two collaboratives, each with a public and a members-only partner with contacts."""

    a: UUID
    b: UUID
    a_public: Partner
    a_secret: Partner
    b_public: Partner
    b_secret: Partner
    b_bare: Partner  # members-only, with no contact row yet
    a_account: UUID  # steward of a_secret


@pytest.fixture
async def tenants(session) -> Tenants:
    a = await make_collaborative(session)
    b = await make_collaborative(session)
    partners = {}
    for name, collaborative in (("a", a), ("b", b)):
        for seen in ProfileVisibility:
            key = f"{name}_{'public' if seen is ProfileVisibility.PUBLIC else 'secret'}"
            partners[key] = await make_partner(
                session, collaborative, visibility=seen, contact_email=f"{key}@example.org"
            )
            await make_api_key(session, partners[key])
        await make_member(session, collaborative, Role.RESIDENT)
    partners["b_bare"] = await make_partner(session, b, visibility=ProfileVisibility.COLLABORATIVE)
    steward = await make_member(session, a, Role.PARTNER_STEWARD, partners["a_secret"])
    # Release the factories' savepoint: from here on the test speaks SQL on the connection.
    await session.commit()
    return Tenants(a=a.id, b=b.id, a_account=steward.id, **partners)


async def become_api(
    connection: AsyncConnection,
    *,
    account_id: UUID | None = None,
    member_of: Iterable[UUID] = (),
    partner_ids: Iterable[UUID] = (),
    steward_of: Iterable[UUID] = (),
    backbone_of: Iterable[UUID] = (),
    declare: bool = True,
) -> None:
    """Act as the API role for the rest of the test's transaction, for the viewer given."""
    await connection.exec_driver_sql(f"SET LOCAL ROLE {API_ROLE}")
    assert await column(connection, "SELECT current_user") == [API_ROLE]
    if declare:
        await connection.execute(
            DECLARE_VIEWER,
            {
                "account_id": str(account_id) if account_id else "",
                "member_of": pg_array(member_of),
                "partner_ids": pg_array(partner_ids),
                "steward_of": pg_array(steward_of),
                "backbone_of": pg_array(backbone_of),
            },
        )


async def become_steward_of_a_secret(connection: AsyncConnection, tenants: Tenants) -> None:
    await become_api(
        connection,
        account_id=tenants.a_account,
        member_of=[tenants.a],
        partner_ids=[tenants.a_secret.id],
        steward_of=[tenants.a_secret.id],
    )


async def column(connection: AsyncConnection, sql: str, **params: Any) -> list[Any]:
    return list((await connection.execute(text(sql), params)).scalars().all())


async def refused(connection: AsyncConnection, sql: Any, **params: Any) -> str:
    """Run a statement expected to fail, in a savepoint so the test goes on; its message."""
    with pytest.raises(DBAPIError) as failure:
        async with connection.begin_nested():
            await connection.execute(text(sql) if isinstance(sql, str) else sql, params)
    assert failure.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE  # type: ignore[union-attr]
    return str(failure.value.orig)


# -- reading -------------------------------------------------------------------------------


async def test_a_partners_viewer_reads_no_contact_of_another_collaborative(
    connection, tenants: Tenants
) -> None:
    # given, as the owner, contacts in both collaboratives
    sql = "SELECT partner_id FROM partner_contact WHERE collaborative_id IN (:a, :b)"
    assert len(await column(connection, sql, a=tenants.a, b=tenants.b)) == 4
    # when
    await become_steward_of_a_secret(connection, tenants)
    seen = await column(connection, sql, a=tenants.a, b=tenants.b)
    # then
    assert sorted(seen) == sorted([tenants.a_public.id, tenants.a_secret.id])


async def test_a_partners_viewer_sees_only_public_partners_of_another_collaborative(
    connection, tenants: Tenants
) -> None:
    # when
    await become_steward_of_a_secret(connection, tenants)
    seen = await column(
        connection,
        "SELECT id FROM partner WHERE collaborative_id IN (:a, :b)",
        a=tenants.a,
        b=tenants.b,
    )
    # then
    assert sorted(seen) == sorted([tenants.a_public.id, tenants.a_secret.id, tenants.b_public.id])


async def test_a_partners_viewer_sees_no_membership_of_another_collaborative(
    connection, tenants: Tenants
) -> None:
    # when
    await become_steward_of_a_secret(connection, tenants)
    seen = await column(
        connection,
        "SELECT DISTINCT collaborative_id FROM membership WHERE collaborative_id IN (:a, :b)",
        a=tenants.a,
        b=tenants.b,
    )
    # then
    assert seen == [tenants.a]


@pytest.mark.parametrize("declare", [False, True], ids=["never set", "set as anonymous"])
async def test_without_a_viewer_no_contact_is_readable_and_only_public_partners_are(
    connection, tenants: Tenants, declare: bool
) -> None:
    # given
    assert await column(connection, "SELECT count(*) FROM partner_contact") != [0]
    # when
    await become_api(connection, declare=declare)
    # then
    declared = await column(connection, "SELECT current_setting('tablero.member_of', true)")
    assert declared == (["{}"] if declare else [None])
    assert await column(connection, "SELECT count(*) FROM partner_contact") == [0]
    assert await column(connection, "SELECT count(*) FROM membership") == [0]
    assert await column(connection, "SELECT count(*) FROM account") == [0]
    assert await column(
        connection, "SELECT count(*) FROM partner WHERE visibility <> 'public'"
    ) == [0]
    public = await column(
        connection,
        "SELECT id FROM partner WHERE collaborative_id IN (:a, :b)",
        a=tenants.a,
        b=tenants.b,
    )
    assert sorted(public) == sorted([tenants.a_public.id, tenants.b_public.id])


async def test_a_keys_hash_is_never_readable_and_a_revoked_key_stays_revoked_whatever_the_viewer(
    connection, tenants: Tenants
) -> None:
    # given, as the owner, the keys exist and one of A's is revoked
    assert await column(connection, "SELECT count(*) FROM api_key") == [4]
    await connection.execute(
        text("UPDATE api_key SET revoked_at = now() WHERE partner_id = :p"),
        {"p": tenants.a_secret.id},
    )
    # when the viewer claims every power over every partner
    everything = [tenants.a, tenants.b]
    partners = [p.id for p in (tenants.a_public, tenants.a_secret, tenants.b_secret)]
    await become_api(
        connection,
        account_id=tenants.a_account,
        member_of=everything,
        partner_ids=partners,
        steward_of=partners,
        backbone_of=everything,
    )
    # then no hash is ever read, and the revoked key cannot be brought back nor outlive its day
    message = await refused(connection, "SELECT key_hash FROM api_key")
    assert "permission denied" in message
    revived = await refused(connection, "UPDATE api_key SET revoked_at = NULL")
    assert "a revoked API key stays revoked" in revived
    # and only a key's own hash finds it, through the one narrow function
    unknown = await column(
        connection, "SELECT api_key_id FROM tablero_identity_for_api_key(:h)", h="0" * 64
    )
    assert unknown == []


async def test_only_a_partners_stewards_reach_its_keys_rows(connection, tenants: Tenants) -> None:
    # given A's secret partner's steward, and a resident of A
    await become_api(
        connection,
        account_id=tenants.a_account,
        member_of=[tenants.a],
        partner_ids=[tenants.a_secret.id],
        steward_of=[tenants.a_secret.id],
    )
    # then the steward reads and changes its partner's key alone
    assert await column(connection, "SELECT partner_id FROM api_key") == [tenants.a_secret.id]
    changed = await connection.execute(
        text("UPDATE api_key SET expires_at = now() + interval '1 day' RETURNING partner_id")
    )
    assert [r.partner_id for r in changed] == [tenants.a_secret.id]
    # but never pushes that expiry out again, nor clears it
    for later in ("now() + interval '2 days'", "NULL"):
        pushed = await refused(connection, f"UPDATE api_key SET expires_at = {later}")
        assert "an API key's expiry only comes closer" in pushed
    # and nobody without a stewardship reaches any key
    await become_api(connection, account_id=tenants.a_account, member_of=[tenants.a])
    assert await column(connection, "SELECT count(*) FROM api_key") == [0]
    untouched = await connection.execute(text("UPDATE api_key SET expires_at = now()"))
    assert untouched.rowcount == 0


async def test_every_policy_on_api_keys_asks_for_a_stewardship(connection) -> None:
    # when
    policies = await connection.execute(
        text(
            "SELECT policyname, coalesce(qual, '') || coalesce(with_check, '') AS rule"
            " FROM pg_policies WHERE tablename = 'api_key' AND :role = ANY (roles)"
            " ORDER BY policyname"
        ),
        {"role": API_ROLE},
    )
    # then
    rules = {r.policyname: r.rule for r in policies}
    assert sorted(rules) == ["api_create", "api_read", "api_update"]
    assert all("tablero_steward_of()" in rule for rule in rules.values()), rules


# -- writing -------------------------------------------------------------------------------


async def test_inserting_a_partner_where_the_viewer_is_not_backbone_is_refused(
    connection, tenants: Tenants
) -> None:
    # given the backbone of A, and everything but backbone of B
    await become_api(
        connection,
        member_of=[tenants.a, tenants.b],
        partner_ids=[tenants.b_secret.id],
        steward_of=[tenants.b_secret.id],
        backbone_of=[tenants.a],
    )
    # when
    message = await refused(
        connection, INSERT_PARTNER, collaborative_id=tenants.b, id=uuid4(), name="Intruder"
    )
    await connection.execute(
        INSERT_PARTNER, {"collaborative_id": tenants.a, "id": uuid4(), "name": "Welcome"}
    )
    # then
    assert "row-level security" in message
    assert await column(
        connection, "SELECT name FROM partner WHERE name IN ('Intruder', 'Welcome')"
    ) == ["Welcome"]


async def test_inserting_anything_without_a_viewer_is_refused(connection, tenants: Tenants) -> None:
    # when
    await become_api(connection)
    # then
    await refused(connection, INSERT_PARTNER, collaborative_id=tenants.a, id=uuid4(), name="X")
    await refused(
        connection,
        "INSERT INTO partner_contact (collaborative_id, partner_id, email)"
        " VALUES (:c, :p, 'x@example.org')",
        c=tenants.b,
        p=tenants.b_bare.id,
    )


async def test_a_contact_of_another_collaboratives_partner_cannot_be_added(
    connection, tenants: Tenants
) -> None:
    # given the backbone of A
    await become_api(connection, member_of=[tenants.a], backbone_of=[tenants.a])
    # when
    message = await refused(
        connection,
        "INSERT INTO partner_contact (collaborative_id, partner_id, email)"
        " VALUES (:c, :p, 'x@example.org')",
        c=tenants.b,
        p=tenants.b_bare.id,
    )
    # then
    assert "row-level security" in message


async def test_updating_another_collaboratives_partners_changes_no_row(
    connection, tenants: Tenants
) -> None:
    # given the backbone and a steward of A
    await become_api(
        connection,
        member_of=[tenants.a],
        partner_ids=[tenants.a_secret.id],
        steward_of=[tenants.a_secret.id],
        backbone_of=[tenants.a],
    )
    # when
    partners = await connection.execute(
        text("UPDATE partner SET description = 'hijacked' WHERE collaborative_id = :b"),
        {"b": tenants.b},
    )
    contacts = await connection.execute(
        text("UPDATE partner_contact SET email = 'thief@example.org' WHERE collaborative_id = :b"),
        {"b": tenants.b},
    )
    # then
    assert (partners.rowcount, contacts.rowcount) == (0, 0)
    await connection.exec_driver_sql("RESET ROLE")
    assert await column(
        connection, "SELECT count(*) FROM partner WHERE description = 'hijacked'"
    ) == [0]
    assert await column(
        connection, "SELECT count(*) FROM partner_contact WHERE email = 'thief@example.org'"
    ) == [0]


async def test_a_steward_updates_no_other_partner_even_one_it_can_read(
    connection, tenants: Tenants
) -> None:
    # when
    await become_steward_of_a_secret(connection, tenants)
    others = await connection.execute(
        text("UPDATE partner SET description = 'mine now' WHERE id = :id"),
        {"id": tenants.a_public.id},
    )
    own = await connection.execute(
        text("UPDATE partner SET description = 'ours' WHERE id = :id"),
        {"id": tenants.a_secret.id},
    )
    # then
    assert (others.rowcount, own.rowcount) == (0, 1)


async def test_the_backbone_cannot_change_a_partners_visibility_even_in_raw_sql(
    connection, tenants: Tenants
) -> None:
    # given the backbone of A, steward of nothing
    await become_api(connection, member_of=[tenants.a], backbone_of=[tenants.a])
    # when
    message = await refused(
        connection,
        "UPDATE partner SET visibility = 'public' WHERE id = :id",
        id=tenants.a_secret.id,
    )
    kept_current = await connection.execute(
        text("UPDATE partner SET description = 'kept current' WHERE id = :id"),
        {"id": tenants.a_secret.id},
    )
    # then
    assert "only the partner's stewards change its visibility" in message
    assert kept_current.rowcount == 1
    assert await column(
        connection, "SELECT visibility FROM partner WHERE id = :id", id=tenants.a_secret.id
    ) == ["collaborative"]


async def test_a_steward_changes_its_own_partners_visibility_in_raw_sql(
    connection, tenants: Tenants
) -> None:
    # when
    await become_steward_of_a_secret(connection, tenants)
    changed = await connection.execute(
        text("UPDATE partner SET visibility = 'public' WHERE id = :id"),
        {"id": tenants.a_secret.id},
    )
    # then
    assert changed.rowcount == 1


@pytest.mark.parametrize(
    "table",
    [
        "collaborative",
        "partner",
        "partner_contact",
        "account",
        "api_key",
        "performance_measure",
        "observation",
        "indicator",
    ],
)
async def test_the_api_role_deletes_nothing(connection, tenants: Tenants, table: str) -> None:
    # given every power over A
    await become_api(
        connection,
        account_id=tenants.a_account,
        member_of=[tenants.a],
        partner_ids=[tenants.a_secret.id],
        steward_of=[tenants.a_secret.id],
        backbone_of=[tenants.a],
    )
    # when
    message = await refused(connection, f"DELETE FROM {table}")
    # then
    assert "permission denied" in message


async def test_the_api_role_may_delete_only_links_and_targets(connection) -> None:
    # when
    deletable = await column(
        connection,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        " AND has_table_privilege(:role, c.oid, 'DELETE') ORDER BY c.relname",
        role=API_ROLE,
    )
    # then
    assert deletable == [
        "dashboard_panel",  # a dashboard's layout, replaced whole by saveDashboard
        "indicator_dimension",
        "measure_contribution",
        "measure_dimension",
        "membership",  # removeMember, by whoever holds the reach (migration 0021's policy)
        "persisted_document",  # clients' own persisted queries, the oldest dropped (never trusted)
        "rate_limit_usage",  # the processes delete minutes that have passed
        "target",
        "translation",  # removing a translation shows the default-language text again
    ]


# -- the role and the catalog --------------------------------------------------------------


async def test_the_api_role_is_neither_superuser_nor_bypassrls_nor_owner_of_anything(
    connection,
) -> None:
    # when
    (role,) = (
        await connection.execute(
            text(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb"
                " FROM pg_roles WHERE rolname = :role"
            ),
            {"role": API_ROLE},
        )
    ).all()
    owned = await column(
        connection,
        "SELECT c.relname FROM pg_class c WHERE pg_get_userbyid(c.relowner) = :role",
        role=API_ROLE,
    )
    powerful_roles_it_belongs_to = await column(
        connection,
        "SELECT rolname FROM pg_roles r WHERE pg_has_role(:role, r.oid, 'MEMBER')"
        " AND (r.rolsuper OR r.rolbypassrls OR EXISTS ("
        "   SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public'"
        "   AND t.tableowner = r.rolname))",
        role=API_ROLE,
    )
    can_create = await column(
        connection, "SELECT has_schema_privilege(:role, 'public', 'CREATE')", role=API_ROLE
    )
    # then
    assert tuple(role) == (False, False, False, False)
    assert owned == []
    assert (
        await column(
            connection, "SELECT tablename FROM pg_tables WHERE tableowner = :role", role=API_ROLE
        )
        == []
    )
    assert powerful_roles_it_belongs_to == []
    assert can_create == [False]


async def test_every_table_with_tenant_data_has_row_level_security_enabled_and_forced(
    connection,
) -> None:
    # when
    tables = (
        await connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                " EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
                "   AND a.attname = 'collaborative_id' AND NOT a.attisdropped)"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            )
        )
    ).all()
    # then
    tenant_tables = {name for name, _, _, tenant in tables if tenant} | {"account"}
    assert {"partner", "partner_contact", "membership", "api_key", "observation"} <= tenant_tables
    unprotected = sorted(name for name, enabled, forced, _ in tables if not (enabled and forced))
    assert not tenant_tables & set(unprotected)
    assert unprotected == ["alembic_version"]  # and no table of any other kind slips by
