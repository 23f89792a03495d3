"""collaborative rules: the backbone strengthens the suppression rules, a vote weakens them

The backbone may raise `min_partners` or `min_cell` and lower `max_dominance_share`;
below the API a weaker rule is refused to the API role (`tablero_guard_privacy_rules`) and
comes only from a ratified `change_rule` proposal, applied by `tablero_apply_rule_change`
(now with the suppression rules beside the ratification rule). Releases read the rules when
they run, so a change applies from the next release on.

`tablero_change_default_language` (the backbone's) swaps every base text with its
translation into the new default language, once every text has one.

Revision ID: 0022
Revises: 0021
Create Date: 2027-01-20
"""

from collections.abc import Sequence

from alembic import context, op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
COLUMNS = "min_partners, min_cell, max_dominance_share"
SWAP = "tablero_change_default_language(uuid, text)"
# Every translatable text: (table, subject kind, column), as services/translations/subjects.py.
TEXTS = (
    ("domain", "domain", "name"),
    ("domain", "domain", "description"),
    ("result", "result", "statement"),
    ("result", "result", "description"),
    ("indicator", "indicator", "name"),
    ("indicator", "indicator", "definition"),
    ("shared_measure", "shared_measure", "name"),
    ("shared_measure", "shared_measure", "definition"),
    ("performance_measure", "performance_measure", "name"),
    ("performance_measure", "performance_measure", "description"),
    ("dimension", "dimension", "name"),
    ("dimension_category", "dimension_category", "label"),
    ("dashboard", "dashboard", "title"),
    ("dashboard", "dashboard", "description"),
    ("dashboard_panel", "dashboard_panel", "title"),
)
TEXTS_SQL = ", ".join(f"('{t}', '{k}', '{c}')" for t, k, c in TEXTS)

# The base columns hold the default language's texts, translations the others': a new
# default language takes each base text from its translation, and the old base text becomes
# the old language's translation. Only when every text has the new language's translation
# (else it returns how many lack one, and changes nothing). Partners' private measures are
# rewritten too, by the database, word for word: nobody reads them here.
SWAP_FUNCTION = f"""
CREATE FUNCTION tablero_change_default_language(p_collaborative uuid, p_language text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  old text;
  t record;
  n integer;
  missing integer := 0;
  has_text text := 'length(s.%2$I) > 0';
  translated text := 'EXISTS (SELECT 1 FROM translation tr WHERE tr.collaborative_id = '
    's.collaborative_id AND tr.subject_kind = $2 AND tr.subject_id = s.id '
    'AND tr.field = $3 AND tr.language = $4)';
BEGIN
  IF NOT p_collaborative = ANY (tablero_backbone_of()) THEN
    RAISE EXCEPTION 'the backbone chooses the default language'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT default_language INTO old FROM collaborative WHERE id = p_collaborative FOR UPDATE;
  IF old = p_language THEN
    RETURN 0;
  END IF;
  FOR t IN SELECT * FROM (VALUES {TEXTS_SQL}) AS v(tbl, kind, field) LOOP
    EXECUTE format('SELECT count(*) FROM %1$I s WHERE s.collaborative_id = $1 AND '
                   || has_text || ' AND NOT ' || translated, t.tbl, t.field)
      INTO n USING p_collaborative, t.kind, t.field, p_language;
    missing := missing + n;
  END LOOP;
  IF missing > 0 THEN
    RETURN missing;
  END IF;
  FOR t IN SELECT * FROM (VALUES {TEXTS_SQL}) AS v(tbl, kind, field) LOOP
    EXECUTE format('INSERT INTO translation (collaborative_id, id, subject_kind, subject_id, '
                   'field, language, text) SELECT s.collaborative_id, gen_random_uuid(), $2, '
                   's.id, $3, $5, s.%2$I FROM %1$I s WHERE s.collaborative_id = $1 AND '
                   || has_text || ' ON CONFLICT (collaborative_id, subject_kind, subject_id, '
                   'field, language) DO UPDATE SET text = EXCLUDED.text, updated_at = now()',
                   t.tbl, t.field)
      USING p_collaborative, t.kind, t.field, p_language, old;
    EXECUTE format('UPDATE %1$I s SET %2$I = tr.text FROM translation tr '
                   'WHERE s.collaborative_id = $1 AND tr.collaborative_id = s.collaborative_id '
                   'AND tr.subject_kind = $2 AND tr.subject_id = s.id AND tr.field = $3 '
                   'AND tr.language = $4', t.tbl, t.field)
      USING p_collaborative, t.kind, t.field, p_language;
    DELETE FROM translation tr WHERE tr.collaborative_id = p_collaborative
      AND tr.subject_kind = t.kind AND tr.field = t.field AND tr.language = p_language;
  END LOOP;
  UPDATE collaborative SET default_language = p_language WHERE id = p_collaborative;
  RETURN 0;
END $$"""

GUARD = f"""
CREATE FUNCTION tablero_guard_privacy_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = '{API}' AND (NEW.min_partners < OLD.min_partners
                                 OR NEW.min_cell < OLD.min_cell
                                 OR NEW.max_dominance_share > OLD.max_dominance_share) THEN
    RAISE EXCEPTION 'a weaker suppression rule is adopted only by a ratified proposal'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$"""

APPLY_RULE = """
CREATE OR REPLACE FUNCTION tablero_apply_rule_change(p_collaborative uuid, p_proposal uuid)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  rule jsonb;
BEGIN
  SELECT p.changes INTO rule FROM proposal p
    WHERE p.collaborative_id = p_collaborative AND p.id = p_proposal
      AND p.kind = 'change_rule' AND p.status = 'ratified'
      AND p_collaborative = ANY (tablero_backbone_of());
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no ratified rule change with this id' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE collaborative SET
      quorum = coalesce((rule ->> 'quorum')::integer, quorum),
      resident_majority = coalesce((rule ->> 'resident_majority')::float8, resident_majority),
      organization_majority =
        coalesce((rule ->> 'organization_majority')::float8, organization_majority),
      min_partners = coalesce((rule ->> 'min_partners')::integer, min_partners),
      min_cell = coalesce((rule ->> 'min_cell')::integer, min_cell),
      max_dominance_share =
        coalesce((rule ->> 'max_dominance_share')::float8, max_dominance_share)
    WHERE id = p_collaborative;
END $$"""


def upgrade() -> None:
    op.execute(GUARD)
    op.execute(
        "CREATE TRIGGER guard_privacy_rules BEFORE UPDATE ON collaborative "
        "FOR EACH ROW EXECUTE FUNCTION tablero_guard_privacy_rules()"
    )
    op.execute(APPLY_RULE)
    op.execute(f"GRANT UPDATE ({COLUMNS}) ON collaborative TO {API}")
    op.execute(SWAP_FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {SWAP} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SWAP} TO {API}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SWAP}")
    op.execute(f"REVOKE UPDATE ({COLUMNS}) ON collaborative FROM {API}")
    governance = context.script.get_revision("0005").module  # type: ignore[attr-defined]
    op.execute(governance.APPLY_RULE[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.execute("DROP TRIGGER guard_privacy_rules ON collaborative")
    op.execute("DROP FUNCTION tablero_guard_privacy_rules()")
