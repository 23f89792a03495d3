"""collaborative rules: the backbone strengthens the suppression rules, a vote weakens them

The backbone may raise `min_partners` or `min_cell`, lower `max_dominance_share`, and choose
the default language among the collaborative's languages; below the API a weaker rule is
refused to the API role (`tablero_guard_privacy_rules`) and comes only from a ratified
`change_rule` proposal, applied by `tablero_apply_rule_change` (now with the suppression
rules beside the ratification rule). Releases read the rules when they run, so a change
applies from the next release on.

Revision ID: 0052
Revises: 0051
Create Date: 2027-01-20
"""

from collections.abc import Sequence

from alembic import context, op

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
COLUMNS = "min_partners, min_cell, max_dominance_share, default_language"

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


def downgrade() -> None:
    op.execute(f"REVOKE UPDATE ({COLUMNS}) ON collaborative FROM {API}")
    governance = context.script.get_revision("0005").module  # type: ignore[attr-defined]
    op.execute(governance.APPLY_RULE[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.execute("DROP TRIGGER guard_privacy_rules ON collaborative")
    op.execute("DROP FUNCTION tablero_guard_privacy_rules()")
