"""aggregate contributions: the one narrow path by which aggregates read private rows

`tablero_aggregate_contributions(shared_measure)` runs as the owner (SECURITY DEFINER) and
returns, to a viewer who holds a role in the shared measure's collaborative, the current
published observations of the partner measures that adopt it and consent to aggregation
(`share_in_aggregates`). It returns no partner, measure or observation id, no note: each
partner is a number drawn afresh on every call, so rows cannot be tied to a partner nor
linked across calls; `visible` says whether the viewer may read the row anyway, so that
what it can already see is never subtracted from a cell to single out the rest. Only
services/analytics/contributions.py calls it, and the pure suppression in services/analytics
decides what of it may be published.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
SIGNATURE = "tablero_aggregate_contributions(uuid)"

FUNCTION = f"""
CREATE FUNCTION {SIGNATURE.replace("(uuid)", "(p_shared_measure uuid)")}
RETURNS TABLE (
  contributor integer, period_start date, breakdown jsonb, value double precision,
  numerator double precision, denominator double precision, n integer,
  suppressed_at_source boolean, visible boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH shared AS (
    SELECT s.collaborative_id, s.id, s.granularity FROM shared_measure s
    WHERE s.id = p_shared_measure
      AND (s.collaborative_id = ANY (tablero_member_of())
           OR EXISTS (SELECT FROM partner p
                      WHERE p.id = ANY (tablero_partner_ids())
                        AND p.collaborative_id = s.collaborative_id))),
  adopting AS (
    SELECT m.collaborative_id, m.id, m.partner_id
    FROM performance_measure m JOIN shared ON m.collaborative_id = shared.collaborative_id
      AND m.shared_measure_id = shared.id AND m.granularity = shared.granularity
    WHERE m.share_in_aggregates),
  pseudonym AS (
    SELECT partner_id, (row_number() OVER (ORDER BY random()))::integer AS contributor
    FROM (SELECT DISTINCT partner_id FROM adopting) AS partners)
  SELECT pseudonym.contributor, o.period_start, o.breakdown, o.value, o.numerator,
         o.denominator, o.n, o.suppressed_at_source IS NOT NULL,
         (o.visibility = 'public'
          OR (o.visibility = 'collaborative' AND o.collaborative_id = ANY (tablero_member_of()))
          OR o.partner_id = ANY (tablero_partner_ids()))
  FROM observation o
  JOIN adopting ON o.collaborative_id = adopting.collaborative_id
    AND o.measure_id = adopting.id
  JOIN pseudonym ON pseudonym.partner_id = adopting.partner_id
  JOIN shared ON o.granularity = shared.granularity
  WHERE o.is_current AND o.status = 'published'
$$
"""


def upgrade() -> None:
    op.execute(FUNCTION)  # asyncpg prepares statements one at a time
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {API}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
