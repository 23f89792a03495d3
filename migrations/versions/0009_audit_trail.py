"""audit trail: every change to every table, recorded by the database, append-only

`tablero_audit()` runs after each insert, update and delete on every table (a row trigger,
attached below to every table of the schema that exists when this migration runs, and by
later migrations through `tablero_audit_table()`). It records who (the viewer's account or
API key), what (table, operation, row, before and after), when, and whose row it was and
who could see it then, which the read policy decides on: the owning partner, the backbone
for what is not private to a partner, and each person for their own changes. The API role
can only read it; updating or deleting audit rows is refused to everyone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
NOT_AUDITED = ("audit_event", "alembic_version")

API_KEY_FUNCTION = """
CREATE FUNCTION tablero_api_key_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('tablero.api_key_id', true), '')::uuid $$"""

# Secrets never reach the trail, even hashed.
AUDIT_FUNCTION = """
CREATE FUNCTION tablero_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - 'key_hash' END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - 'key_hash' END;
  subject jsonb := coalesce(new_row, old_row);
  tenant uuid := (subject ->> 'collaborative_id')::uuid;
  owner uuid := (subject ->> 'partner_id')::uuid;
  seen text := subject ->> 'visibility';
  measure uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND old_row = new_row THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'collaborative' THEN
    tenant := (subject ->> 'id')::uuid;
  ELSIF TG_TABLE_NAME = 'partner' THEN
    owner := (subject ->> 'id')::uuid;
  END IF;
  -- A measure's own parts (dimensions, contributions, targets, batches, translations) are
  -- its owner's and seen as it is seen. Rows that only link to a measure (a story, an
  -- action item) keep their own owner and visibility.
  IF TG_TABLE_NAME IN ('measure_dimension', 'measure_contribution', 'target',
                       'observation_batch') THEN
    measure := (subject ->> 'measure_id')::uuid;
  ELSIF TG_TABLE_NAME = 'translation' AND subject ->> 'subject_kind' = 'performance_measure' THEN
    measure := (subject ->> 'subject_id')::uuid;
  END IF;
  IF measure IS NOT NULL AND (owner IS NULL OR seen IS NULL) THEN
    SELECT coalesce(owner, m.partner_id), coalesce(seen, m.visibility) INTO owner, seen
      FROM performance_measure m WHERE m.collaborative_id = tenant AND m.id = measure;
  END IF;
  -- What a row was while private stays private: making it visible does not show its past.
  IF TG_OP = 'UPDATE' AND (old_row ->> 'visibility') = 'private' THEN
    seen := 'private';
  END IF;
  -- A draft is its owner's alone until it is published.
  IF TG_TABLE_NAME = 'observation' AND (subject ->> 'status') = 'draft' THEN
    seen := 'private';
  END IF;
  INSERT INTO audit_event (request_id, collaborative_id, account_id, api_key_id, table_name,
                           operation, row_id, partner_id, visibility, before, after)
  VALUES (nullif(current_setting('tablero.request_id', true), ''), tenant,
          tablero_account_id(), tablero_api_key_id(), TG_TABLE_NAME, lower(TG_OP),
          (subject ->> 'id')::uuid, owner, seen, old_row, new_row);
  RETURN NULL;
END $$"""

ATTACH_FUNCTION = """
CREATE FUNCTION tablero_audit_table(target regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s '
                 'FOR EACH ROW EXECUTE FUNCTION tablero_audit()', target);
END $$"""

ATTACH_ALL = f"""
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.oid::regclass AS target FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
             AND c.relname NOT IN {NOT_AUDITED!r}
  LOOP
    PERFORM tablero_audit_table(t.target);
  END LOOP;
END $$"""

APPEND_ONLY = """
CREATE FUNCTION tablero_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END $$"""

READ_POLICY = f"""
CREATE POLICY api_read ON audit_event FOR SELECT TO {API} USING (
  account_id = (SELECT tablero_account_id())
  OR partner_id = ANY ((SELECT tablero_partner_ids())::uuid[])
  OR (collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])
      AND visibility IS DISTINCT FROM 'private'))"""


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("collaborative_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("table_name", sa.String(63), nullable=False),
        sa.Column(
            "operation",
            sa.Enum(
                "insert",
                "update",
                "delete",
                name="audit_operation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("row_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("visibility", sa.String(32), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_collaborative_id_id", "audit_event", ["collaborative_id", "id"])
    op.create_index("ix_audit_event_table_name_row_id", "audit_event", ["table_name", "row_id"])
    op.execute("ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE audit_event FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY maintenance ON audit_event TO CURRENT_USER USING (true) WITH CHECK (true)"
    )
    op.execute(READ_POLICY)
    op.execute(f"GRANT SELECT ON audit_event TO {API}")
    op.execute(APPEND_ONLY)
    op.execute(
        "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION tablero_audit_is_append_only()"
    )
    op.execute(
        "CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION tablero_audit_is_append_only()"
    )
    op.execute(API_KEY_FUNCTION)
    op.execute(AUDIT_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION tablero_audit() FROM PUBLIC")
    op.execute(ATTACH_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION tablero_audit_table(regclass) FROM PUBLIC")
    op.execute(ATTACH_ALL)


def downgrade() -> None:
    op.execute(
        """DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT tgrelid::regclass AS target FROM pg_trigger
           WHERE tgname = 'audit' AND tgfoid = 'tablero_audit()'::regprocedure
  LOOP
    EXECUTE format('DROP TRIGGER audit ON %s', t.target);
  END LOOP;
END $$"""
    )
    op.drop_table("audit_event")
    for fn in (
        "tablero_audit_table(regclass)",
        "tablero_audit()",
        "tablero_audit_is_append_only()",
        "tablero_api_key_id()",
    ):
        op.execute(f"DROP FUNCTION {fn}")
