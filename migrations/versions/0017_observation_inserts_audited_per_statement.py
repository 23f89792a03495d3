"""observation inserts are audited per statement: the same rows, one INSERT

A spreadsheet import writes up to 100,000 observations in a few statements. Audited row by
row, `tablero_audit()` ran once per observation (a function call with its own settings, a
JSON document and an insert each) and took most of the import's time. Inserts into
observation are now recorded by one statement-level trigger reading the transition table:
one audit row per observation still, with exactly what `tablero_audit()` records for an
inserted observation (no row before; the row after; its partner; `private` for a draft,
else its visibility). Updates and deletes keep the row trigger.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERTED = """
CREATE FUNCTION tablero_audit_inserted_observations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  INSERT INTO audit_event (request_id, collaborative_id, account_id, api_key_id, table_name,
                           operation, row_id, partner_id, visibility, measure_id, before,
                           after)
  SELECT nullif(current_setting('tablero.request_id', true), ''), o.collaborative_id,
         tablero_account_id(), tablero_api_key_id(), TG_TABLE_NAME, 'insert', o.id,
         o.partner_id, CASE WHEN o.status = 'draft' THEN 'private' ELSE o.visibility END,
         o.measure_id, NULL, to_jsonb(o)
  FROM inserted o;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.execute(INSERTED)
    op.execute("REVOKE ALL ON FUNCTION tablero_audit_inserted_observations() FROM PUBLIC")
    op.execute("DROP TRIGGER audit ON observation")
    op.execute(
        "CREATE TRIGGER audit AFTER UPDATE OR DELETE ON observation "
        "FOR EACH ROW EXECUTE FUNCTION tablero_audit()"
    )
    op.execute(
        "CREATE TRIGGER audit_inserts AFTER INSERT ON observation "
        "REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION tablero_audit_inserted_observations()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_inserts ON observation")
    op.execute("DROP TRIGGER audit ON observation")
    op.execute(
        "CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON observation "
        "FOR EACH ROW EXECUTE FUNCTION tablero_audit()"
    )
    op.execute("DROP FUNCTION tablero_audit_inserted_observations()")
