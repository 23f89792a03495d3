"""least privilege: API keys hold scopes; a measure's visibility and consent are its stewards'

`api_key.scopes` lists what a partner system may do (services/viewer.py, Scope). New keys
read and report; keys issued before keep what they could do, except what nobody but a
steward may do now. `tablero_identity_for_api_key` returns the scopes.

Only a partner's stewards choose who sees a measure and whether it is shared in aggregates:
the API role cannot create a measure wider than private or withheld from aggregates, nor
change either, unless the viewer stewards its partner (twin of
policy.can_choose_measure_visibility). The table's owner (migrations, seeds) is not bound.

Revision ID: 0014
Revises: 0013
Create Date: 2027-01-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
IDENTITY = "tablero_identity_for_api_key(text)"
ALL_SCOPES = "{actions:write,measures:write,observations:write,read}"
DEFAULT_SCOPES = "{observations:write,read}"

GUARD = """
CREATE FUNCTION tablero_guard_measure_choices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = (SELECT tableowner FROM pg_tables
                     WHERE schemaname = 'public' AND tablename = 'performance_measure')
     OR NEW.partner_id = ANY (tablero_steward_of()) THEN
    RETURN NEW;
  END IF;
  IF (TG_OP = 'INSERT' AND (NEW.visibility <> 'private' OR NOT NEW.share_in_aggregates))
     OR (TG_OP = 'UPDATE' AND (NEW.visibility IS DISTINCT FROM OLD.visibility
                               OR NEW.share_in_aggregates IS DISTINCT FROM OLD.share_in_aggregates))
  THEN
    RAISE EXCEPTION 'only the partner''s stewards choose who sees a measure and its consent'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$"""


def _identity(columns: str, select: str) -> None:
    op.execute(f"DROP FUNCTION {IDENTITY}")
    op.execute(
        f"""CREATE FUNCTION tablero_identity_for_api_key(p_key_hash text)
RETURNS TABLE ({columns})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS
$$ {select} $$"""
    )
    op.execute(f"REVOKE ALL ON FUNCTION {IDENTITY} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {IDENTITY} TO {API}")


KEY_BY_HASH = (
    "FROM api_key k "
    "JOIN partner p ON p.collaborative_id = k.collaborative_id AND p.id = k.partner_id "
    "WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL"
)


def upgrade() -> None:
    op.add_column(
        "api_key",
        sa.Column(
            "scopes",
            postgresql.ARRAY(sa.String(32)),
            server_default=sa.text(f"'{DEFAULT_SCOPES}'"),
            nullable=False,
        ),
    )
    # Keys issued before scopes existed keep what they could do (a steward's choices aside).
    op.execute(f"UPDATE api_key SET scopes = '{ALL_SCOPES}'")
    op.create_check_constraint(
        op.f("ck_api_key_known_scopes"), "api_key", f"scopes <@ '{ALL_SCOPES}'::varchar[]"
    )
    _identity(
        "api_key_id uuid, collaborative_id uuid, partner_id uuid, partner_kind text, scopes text[]",
        f"SELECT k.id, k.collaborative_id, k.partner_id, p.kind::text, k.scopes::text[] "
        f"{KEY_BY_HASH}",
    )
    op.execute(GUARD)
    op.execute(
        "CREATE TRIGGER guard_choices BEFORE INSERT OR UPDATE ON performance_measure "
        "FOR EACH ROW EXECUTE FUNCTION tablero_guard_measure_choices()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER guard_choices ON performance_measure")
    op.execute("DROP FUNCTION tablero_guard_measure_choices()")
    _identity(
        "api_key_id uuid, collaborative_id uuid, partner_id uuid, partner_kind text",
        f"SELECT k.id, k.collaborative_id, k.partner_id, p.kind::text {KEY_BY_HASH}",
    )
    op.drop_constraint(op.f("ck_api_key_known_scopes"), "api_key", type_="check")
    op.drop_column("api_key", "scopes")
