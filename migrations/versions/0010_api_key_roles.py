"""api key roles: a partner system acts with its partner's standing, a funder's as a funder

`tablero_identity_for_api_key` now also returns the partner's kind, so that a funder's key
acts as funder staff (public data and aggregates) instead of as a member of the table.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
SIGNATURE = "tablero_identity_for_api_key(text)"


def _create(columns: str, select: str) -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute(
        f"""CREATE FUNCTION tablero_identity_for_api_key(p_key_hash text)
RETURNS TABLE ({columns})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS
$$ {select} $$"""
    )
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {API}")


def upgrade() -> None:
    _create(
        "api_key_id uuid, collaborative_id uuid, partner_id uuid, partner_kind text",
        "SELECT k.id, k.collaborative_id, k.partner_id, p.kind::text FROM api_key k "
        "JOIN partner p ON p.collaborative_id = k.collaborative_id AND p.id = k.partner_id "
        "WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL",
    )


def downgrade() -> None:
    _create(
        "api_key_id uuid, collaborative_id uuid, partner_id uuid",
        "SELECT k.id, k.collaborative_id, k.partner_id FROM api_key k "
        "WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL",
    )
