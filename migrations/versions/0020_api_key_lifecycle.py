"""api key lifecycle: stewards issue, list, rotate and revoke their partner's keys

A key may expire (`expires_at`; a rotated key's grace period ends there too), records its
last use to the minute (`last_used_at`, kept out of the audit trail) and the key that
replaced it (`replaced_by`). An expired key is an unknown key. The API role reads and
writes a partner's keys only for that partner's stewards, in person, and never reads a
key's hash. The audit trail now also leaves out invitations' code hashes (0051).
Statements: migrations/sql/0050_api_keys.sql.

Revision ID: 0020
Revises: 0019
Create Date: 2027-01-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from migrations.sql_scripts import statements

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
IDENTITY = "tablero_identity_for_api_key(text)"


def upgrade() -> None:
    for column in ("expires_at", "last_used_at"):
        op.add_column("api_key", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_key", sa.Column("replaced_by", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_api_key_collaborative_id_replaced_by_api_key"),
        "api_key",
        "api_key",
        ["collaborative_id", "replaced_by"],
        ["collaborative_id", "id"],
    )
    op.execute(f"DROP FUNCTION {IDENTITY}")
    for statement in statements("0050_api_keys.sql"):
        op.execute(statement)
    op.execute(f"REVOKE ALL ON FUNCTION {IDENTITY} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {IDENTITY} TO {API}")


def downgrade() -> None:
    previous = context.script.get_revision("0015").module  # type: ignore[attr-defined]
    op.execute(previous.AUDIT)
    op.execute(f"REVOKE ALL ON api_key FROM {API}")
    for name in ("api_update", "api_create", "api_read"):
        op.execute(f"DROP POLICY {name} ON api_key")
    least_privilege = context.script.get_revision("0014").module  # type: ignore[attr-defined]
    least_privilege._identity(
        "api_key_id uuid, collaborative_id uuid, partner_id uuid, partner_kind text, scopes text[]",
        f"SELECT k.id, k.collaborative_id, k.partner_id, p.kind::text, k.scopes::text[] "
        f"{least_privilege.KEY_BY_HASH}",
    )
    op.drop_constraint(
        op.f("fk_api_key_collaborative_id_replaced_by_api_key"), "api_key", type_="foreignkey"
    )
    for column in ("replaced_by", "last_used_at", "expires_at"):
        op.drop_column("api_key", column)
