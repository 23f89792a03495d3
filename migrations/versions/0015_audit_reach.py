"""audit reach: every audited table is read as its subject is, and unknown tables stay private

Before, a row of a table without a `visibility` column was recorded with none, and the
backbone read it: the visibility-change records of other partners' private measures (a
table only their owners read) and partners' API key records among them.

Now `tablero_audit_reach(table)` classifies every table explicitly (a test holds every
audited table to a classification):
- `own`: the row carries its visibility (a measure, an observation, a story, ...);
- `measure`: a measure's part, read as its measure is (dimensions, contributions, targets,
  batches, a measure's translations);
- `private`: its owner's alone (visibility-change records, API keys), and any table
  nobody classified: a new table is private until someone decides otherwise;
- `members`: the collaborative's shared business (the agenda, governance, action items).
Rows about a measure also record the measure (`audit_event.measure_id`), and the backbone
reads them only while the measure itself is not private: a measure made private later hides
its past too. The read policy and services/policy.audit_visible say the same.

Revision ID: 0015
Revises: 0014
Create Date: 2027-01-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"

REACH = """
CREATE FUNCTION tablero_audit_reach(p_table text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
  WHEN p_table IN ('partner', 'performance_measure', 'observation', 'story', 'indicator',
                   'dashboard', 'release_share') THEN 'own'
  WHEN p_table IN ('measure_dimension', 'measure_contribution', 'target', 'observation_batch',
                   'translation') THEN 'measure'
  WHEN p_table IN ('collaborative', 'account', 'membership', 'partner_contact', 'domain',
                   'result', 'dimension', 'dimension_category', 'shared_measure',
                   'indicator_dimension', 'indicator_version', 'proposal', 'proposal_comment',
                   'proposal_vote', 'action_item', 'action_item_status_change',
                   'dashboard_panel', 'persisted_document', 'reporting_period', 'release',
                   'release_cell') THEN 'members'
  ELSE 'private'
END $$"""

# Secrets never reach the trail, even hashed.
AUDIT = """
CREATE OR REPLACE FUNCTION tablero_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - 'key_hash' END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - 'key_hash' END;
  subject jsonb := coalesce(new_row, old_row);
  reach text := tablero_audit_reach(TG_TABLE_NAME);
  tenant uuid := (subject ->> 'collaborative_id')::uuid;
  owner uuid := (subject ->> 'partner_id')::uuid;
  seen text;
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
  IF TG_TABLE_NAME = 'performance_measure' THEN
    measure := (subject ->> 'id')::uuid;
  ELSIF TG_TABLE_NAME = 'translation' THEN
    IF subject ->> 'subject_kind' = 'performance_measure' THEN
      measure := (subject ->> 'subject_id')::uuid;
    END IF;
  ELSE
    measure := (subject ->> 'measure_id')::uuid;
  END IF;
  IF reach = 'own' THEN
    seen := subject ->> 'visibility';
  ELSIF reach = 'private' THEN
    seen := 'private';
  ELSIF reach = 'measure' AND measure IS NOT NULL THEN
    SELECT coalesce(owner, m.partner_id), m.visibility INTO owner, seen
      FROM performance_measure m WHERE m.collaborative_id = tenant AND m.id = measure;
    seen := coalesce(seen, 'private');  -- a part of a measure that is gone: its owner's
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
                           operation, row_id, partner_id, visibility, measure_id, before, after)
  VALUES (nullif(current_setting('tablero.request_id', true), ''), tenant,
          tablero_account_id(), tablero_api_key_id(), TG_TABLE_NAME, lower(TG_OP),
          (subject ->> 'id')::uuid, owner, seen, measure, old_row, new_row);
  RETURN NULL;
END $$"""

READ_POLICY = f"""
CREATE POLICY api_read ON audit_event FOR SELECT TO {API} USING (
  account_id = (SELECT tablero_account_id())
  OR partner_id = ANY ((SELECT tablero_partner_ids())::uuid[])
  OR (collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])
      AND visibility IS DISTINCT FROM 'private'
      AND (measure_id IS NULL OR EXISTS (
        SELECT 1 FROM performance_measure m
        WHERE m.collaborative_id = audit_event.collaborative_id
          AND m.id = audit_event.measure_id AND m.visibility <> 'private'))))"""

OLD_READ_POLICY = f"""
CREATE POLICY api_read ON audit_event FOR SELECT TO {API} USING (
  account_id = (SELECT tablero_account_id())
  OR partner_id = ANY ((SELECT tablero_partner_ids())::uuid[])
  OR (collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])
      AND visibility IS DISTINCT FROM 'private'))"""

# Rows written before: record their measure, and keep the owner-only ones private.
BACKFILL = """
UPDATE audit_event SET
  measure_id = CASE
    WHEN table_name = 'performance_measure' THEN row_id
    WHEN table_name = 'translation'
         AND coalesce(after, before) ->> 'subject_kind' = 'performance_measure'
      THEN (coalesce(after, before) ->> 'subject_id')::uuid
    WHEN table_name <> 'translation' THEN (coalesce(after, before) ->> 'measure_id')::uuid
  END,
  visibility = CASE WHEN tablero_audit_reach(table_name) = 'private' THEN 'private'
                    ELSE visibility END"""


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("measure_id", sa.Uuid(), nullable=True))
    op.execute(REACH)
    op.execute("ALTER TABLE audit_event DISABLE TRIGGER append_only")
    op.execute(BACKFILL)
    op.execute("ALTER TABLE audit_event ENABLE TRIGGER append_only")
    op.execute(AUDIT)
    op.execute("DROP POLICY api_read ON audit_event")
    op.execute(READ_POLICY)


def downgrade() -> None:
    op.execute("DROP POLICY api_read ON audit_event")
    op.execute(OLD_READ_POLICY)
    op.execute(OLD_AUDIT)
    op.execute("DROP FUNCTION tablero_audit_reach(text)")
    op.drop_column("audit_event", "measure_id")


# The trigger function as migration 0009 wrote it.
OLD_AUDIT = """
CREATE OR REPLACE FUNCTION tablero_audit() RETURNS trigger
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
  IF TG_OP = 'UPDATE' AND (old_row ->> 'visibility') = 'private' THEN
    seen := 'private';
  END IF;
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
