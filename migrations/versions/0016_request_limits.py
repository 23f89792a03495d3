"""request limits: the shared rate-limit ledger and persisted documents

`rate_limit_usage` holds what each client (a hash of an account, an API key or an address)
spent of its query-cost budget per minute, summed by every API process; expired minutes are
deleted by the processes themselves. It holds no tenant data and is not audited (it changes
every second).

`persisted_document` holds GraphQL documents by the SHA-256 of their text: the ones an
operator registered for trusted-documents mode (`trusted`), and later the automatic
persisted queries clients store themselves. The API role reads them; registering is the
owner's (`tablero documents register`).

Revision ID: 0016
Revises: 0015
Create Date: 2027-01-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"


def _protect(table: str, api_policy: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)"
    )
    op.execute(api_policy)


def upgrade() -> None:
    op.create_table(
        "rate_limit_usage",
        sa.Column("window_id", sa.BigInteger(), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("window_id", "client", name=op.f("pk_rate_limit_usage")),
    )
    _protect(
        "rate_limit_usage",
        f"CREATE POLICY api_all ON rate_limit_usage TO {API} USING (true) WITH CHECK (true)",
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_usage TO {API}")

    op.create_table(
        "persisted_document",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_persisted_document_hex")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_persisted_document")),
    )
    _protect(
        "persisted_document",
        f"CREATE POLICY api_read ON persisted_document FOR SELECT TO {API} USING (true)",
    )
    op.execute(f"GRANT SELECT ON persisted_document TO {API}")
    op.execute("SELECT tablero_audit_table('persisted_document')")


def downgrade() -> None:
    op.drop_table("persisted_document")
    op.drop_table("rate_limit_usage")
