"""a revoked API key stays revoked, and a key's expiry only ever comes closer

Stewards update their partner's keys through the API role (revoking, and shortening the old
key's life on rotation). Row-level security says whose keys, not how: without this trigger
a steward's transaction could clear `revoked_at` and bring a leaked key back, or push an
expiry out. The API never does either; the database now refuses both, for every role but
the owner's (an operator's emergency repair).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD = """
CREATE FUNCTION tablero_guard_api_key_life() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = 'tablero_api' THEN
    IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
      RAISE EXCEPTION 'a revoked API key stays revoked' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.expires_at IS NOT NULL
       AND (NEW.expires_at IS NULL OR NEW.expires_at > OLD.expires_at) THEN
      RAISE EXCEPTION 'an API key''s expiry only comes closer'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END $$
"""


def upgrade() -> None:
    op.execute(GUARD)
    op.execute(
        "CREATE TRIGGER guard_api_key_life BEFORE UPDATE OF revoked_at, expires_at ON api_key"
        " FOR EACH ROW EXECUTE FUNCTION tablero_guard_api_key_life()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER guard_api_key_life ON api_key")
    op.execute("DROP FUNCTION tablero_guard_api_key_life()")
