"""aggregate cells: the narrow path hands out publishable cells only

`tablero_aggregate_cells(shared_measure)` runs as the owner (SECURITY DEFINER) and returns,
to a viewer who holds a role in the shared measure's collaborative (the twin of
policy.can_read_aggregates; a proposal only to members, as policy.shared_measure_visible),
every cell of the measure's cube: period, breakdown and either the value with its partner
count and people counted, or the reason it is hidden and nothing else. It is the PL/pgSQL
port of services/analytics/suppression.py (the specification, and
the property test in tests/test_aggregate_cells.py holds the two to the same decisions):
primary rules on every cell and on every partner's unsplit remainder, the viewer-dependent
rule on what the viewer can read anyway, then exact complementary suppression per period.

It replaces `tablero_aggregate_contributions` (0003), which handed every partner's raw
values to the API role under pseudonyms. The `tablero_cells_*` helpers are the owner's:
the API role may not call them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import context, op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
OLD = "tablero_aggregate_contributions(uuid)"
CELLS = "tablero_aggregate_cells(uuid)"
SHARES = "double precision[], double precision[], double precision[]"
UNSAFE = f"tablero_cells_unsafe(boolean[], {SHARES}, text, integer, integer, double precision)"
EXPOSED = (
    f"tablero_cells_exposed(uuid[], boolean[], {SHARES}, uuid[], text, integer, integer,"
    " double precision)"
)
DETERMINED = "tablero_cells_determined(numeric[], integer, integer)"
HELPERS = (UNSAFE, EXPOSED, DETERMINED)

# suppression._unsafe: the first rule a set of shares breaks (partner rules always apply)
UNSAFE_FUNCTION = """
CREATE FUNCTION tablero_cells_unsafe(
  p_ok boolean[], p_a double precision[], p_b double precision[], p_people double precision[],
  p_aggregation text, p_min_partners integer, p_min_cell integer,
  p_max_dominance double precision)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_people double precision;
BEGIN
  IF false = ANY (p_ok) THEN
    RETURN 'suppressed_at_source';
  END IF;
  IF coalesce(cardinality(p_ok), 0) < p_min_partners THEN
    RETURN 'too_few_partners';
  END IF;
  IF array_position(p_people, NULL) IS NOT NULL THEN
    RETURN 'unknown_size';
  END IF;
  v_people := abs((SELECT sum(x) FROM unnest(p_people) AS x));
  IF v_people > 0 AND v_people < p_min_cell THEN
    RETURN 'small_cell';
  END IF;
  IF EXISTS (
    SELECT FROM (
      SELECT max(abs(x)) AS top, sum(abs(x)) AS total FROM unnest(p_a) AS x
      WHERE p_aggregation <> 'mean'
      UNION ALL
      SELECT max(abs(x)), sum(abs(x)) FROM unnest(p_b) AS x WHERE p_aggregation <> 'sum'
    ) AS side
    WHERE side.total > 0 AND side.top / side.total > p_max_dominance) THEN
    RETURN 'dominance';
  END IF;
  RETURN NULL;
END
$$
"""

# suppression._exposed: the rules on the whole, then on what the viewer cannot read of it
EXPOSED_FUNCTION = """
CREATE FUNCTION tablero_cells_exposed(
  p_partner uuid[], p_ok boolean[], p_a double precision[], p_b double precision[],
  p_people double precision[], p_seen uuid[], p_aggregation text, p_min_partners integer,
  p_min_cell integer, p_max_dominance double precision)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_reason text;
  v_ok boolean[] := '{}';
  v_a double precision[] := '{}';
  v_b double precision[] := '{}';
  v_people double precision[] := '{}';
  v_all integer := coalesce(cardinality(p_partner), 0);
  i integer;
BEGIN
  v_reason := tablero_cells_unsafe(p_ok, p_a, p_b, p_people, p_aggregation, p_min_partners,
                                   p_min_cell, p_max_dominance);
  IF v_reason IS NOT NULL THEN
    RETURN v_reason;
  END IF;
  FOR i IN 1 .. v_all LOOP
    IF NOT coalesce(p_partner[i] = ANY (p_seen), false) THEN
      v_ok := v_ok || p_ok[i];
      v_a := v_a || p_a[i];
      v_b := v_b || p_b[i];
      v_people := v_people || p_people[i];
    END IF;
  END LOOP;
  IF cardinality(v_ok) > 0 AND cardinality(v_ok) < v_all
     AND tablero_cells_unsafe(v_ok, v_a, v_b, v_people, p_aggregation,
                              greatest(2, p_min_partners - 1), p_min_cell,
                              p_max_dominance) IS NOT NULL THEN
    RETURN 'seen_parts';
  END IF;
  RETURN NULL;
END
$$
"""

# linear.determined: which unknowns (columns) the equations (rows) pin down exactly.
# Gauss-Jordan on integer rows, without fractions: row := p * row - f * pivot row, then
# divided by the gcd of its entries; a column is determined when its pivot row has no
# other nonzero entry.
DETERMINED_FUNCTION = """
CREATE FUNCTION tablero_cells_determined(p_matrix numeric[], p_rows integer, p_cols integer)
RETURNS boolean[] LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  m numeric[] := p_matrix;
  pivot_of integer[] := array_fill(0, ARRAY[greatest(p_cols, 1)]);
  is_pivot boolean[] := array_fill(false, ARRAY[greatest(p_rows, 1)]);
  result boolean[] := array_fill(false, ARRAY[greatest(p_cols, 1)]);
  support integer[];
  r integer; i integer; c integer; col integer; nonzero integer;
  p numeric; f numeric; g numeric;
BEGIN
  FOR col IN 1 .. p_cols LOOP
    r := NULL;
    FOR i IN 1 .. p_rows LOOP
      IF NOT is_pivot[i] AND m[(i - 1) * p_cols + col] <> 0 THEN
        r := i;
        EXIT;
      END IF;
    END LOOP;
    CONTINUE WHEN r IS NULL;
    is_pivot[r] := true;
    pivot_of[col] := r;
    p := m[(r - 1) * p_cols + col];
    support := '{}';
    FOR c IN 1 .. p_cols LOOP
      IF m[(r - 1) * p_cols + c] <> 0 THEN
        support := support || c;
      END IF;
    END LOOP;
    FOR i IN 1 .. p_rows LOOP
      CONTINUE WHEN i = r;
      f := m[(i - 1) * p_cols + col];
      CONTINUE WHEN f = 0;
      IF abs(p) = 1 THEN  -- the common case: only the pivot row's entries change anything
        FOREACH c IN ARRAY support LOOP
          m[(i - 1) * p_cols + c] := m[(i - 1) * p_cols + c] - f * p * m[(r - 1) * p_cols + c];
        END LOOP;
      ELSE
        g := 0;
        FOR c IN 1 .. p_cols LOOP
          m[(i - 1) * p_cols + c] := p * m[(i - 1) * p_cols + c] - f * m[(r - 1) * p_cols + c];
          g := gcd(g, m[(i - 1) * p_cols + c]);
        END LOOP;
        IF g > 1 THEN
          FOR c IN 1 .. p_cols LOOP
            m[(i - 1) * p_cols + c] := div(m[(i - 1) * p_cols + c], g);
          END LOOP;
        END IF;
      END IF;
    END LOOP;
  END LOOP;
  FOR col IN 1 .. p_cols LOOP
    r := pivot_of[col];
    CONTINUE WHEN r = 0;
    nonzero := 0;
    FOR c IN 1 .. p_cols LOOP
      IF m[(r - 1) * p_cols + c] <> 0 THEN
        nonzero := nonzero + 1;
      END IF;
    END LOOP;
    result[col] := nonzero = 1;
  END LOOP;
  RETURN result;
END
$$
"""

# The cube (cube.build_cube), its relations (cube.relations), the primary decisions and
# the remainders' (suppression._primary, _known, _exposed), all in one statement; then
# complementary suppression per period (suppression._complete, _cover) and the values of
# the cells that stay shown (suppression._publish). The planner cannot estimate the CTEs'
# sizes and would nest loops over them (5x slower on 840 cells): hash joins, for this
# function only.
CELLS_FUNCTION = """
CREATE FUNCTION tablero_aggregate_cells(p_shared_measure uuid)
RETURNS TABLE (
  period_start date, breakdown jsonb, value double precision, partners integer,
  n double precision, reason text, unstable boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET enable_nestloop = off AS $$
#variable_conflict use_column
DECLARE
  v_collaborative uuid;
  v_granularity text;
  v_aggregation text;
  v_unit text;
  v_min_partners integer;
  v_min_cell integer;
  v_max_dominance double precision;
  v_scale double precision;
  c_period date[]; c_breakdown jsonb[]; c_reason text[]; c_a double precision[];
  c_b double precision[]; c_people double precision[]; c_partners integer[];
  r_period date[]; r_first integer[]; r_last integer[]; r_unknown boolean[];
  r_guarded boolean[]; m_cell integer[]; m_sign integer[];
  v_cells integer; v_rels integer;
  c_lo integer; c_hi integer; r_lo integer; r_hi integer;
  col_of_cell integer[]; col_of_rest integer[]; u_cell integer[]; u_rest integer[];
  u integer; matrix numeric[];
  determined boolean[]; disclosed integer; extra integer; best double precision;
  people double precision; near boolean; k integer; r integer; j integer; q integer;
BEGIN
  SELECT s.collaborative_id, s.granularity, s.aggregation, s.unit, c.min_partners,
         c.min_cell, c.max_dominance_share
  INTO v_collaborative, v_granularity, v_aggregation, v_unit, v_min_partners, v_min_cell,
       v_max_dominance
  FROM shared_measure s JOIN collaborative c ON c.id = s.collaborative_id
  WHERE s.id = p_shared_measure
    AND (s.collaborative_id = ANY (tablero_member_of())
         OR (s.status <> 'proposed'  -- a proposal stays among members (policy 0012)
             AND EXISTS (SELECT FROM partner p
                         WHERE p.id = ANY (tablero_partner_ids())
                           AND p.collaborative_id = s.collaborative_id)));
  IF NOT FOUND THEN
    RETURN;
  END IF;

  WITH RECURSIVE
  parent AS (  -- (dimension, category) -> the broader one it rolls up to, by key
    SELECT d.key AS d, c.key AS c, bd.key AS pd, b.key AS pc
    FROM dimension d
    JOIN dimension_category c ON c.collaborative_id = d.collaborative_id
      AND c.dimension_id = d.id
    JOIN dimension_category b ON b.collaborative_id = c.collaborative_id
      AND b.id = c.rolls_up_to_id
    JOIN dimension bd ON bd.collaborative_id = b.collaborative_id AND bd.id = b.dimension_id
    WHERE d.collaborative_id = v_collaborative),
  chain AS (
    SELECT d, c, pd, pc, ARRAY[d || '=' || c, pd || '=' || pc] AS seen, 1 AS depth
    FROM parent WHERE (pd, pc) <> (d, c)
    UNION ALL
    SELECT chain.d, chain.c, parent.pd, parent.pc, chain.seen || (parent.pd || '=' || parent.pc),
           chain.depth + 1
    FROM chain JOIN parent ON parent.d = chain.pd AND parent.c = chain.pc
    WHERE NOT (parent.pd || '=' || parent.pc) = ANY (chain.seen)),
  broadest AS (
    SELECT DISTINCT ON (d, c) d, c, pd, pc FROM chain ORDER BY d, c, depth DESC),
  contribution AS (
    SELECT m.partner_id, o.period_start, o.breakdown, o.value, o.numerator, o.denominator,
           o.n::double precision AS n, o.suppressed_at_source IS NOT NULL AS at_source,
           (o.visibility = 'public'
            OR (o.visibility = 'collaborative' AND o.collaborative_id = ANY (tablero_member_of()))
            OR o.partner_id = ANY (tablero_partner_ids())) AS visible
    FROM performance_measure m
    JOIN observation o ON o.collaborative_id = m.collaborative_id AND o.measure_id = m.id
    WHERE m.collaborative_id = v_collaborative AND m.shared_measure_id = p_shared_measure
      AND m.granularity = v_granularity AND m.share_in_aggregates
      AND o.granularity = v_granularity AND o.is_current AND o.status = 'published'),
  mass AS (
    SELECT k.partner_id, k.period_start, k.breakdown,
      CASE WHEN k.at_source THEN false
           WHEN v_aggregation = 'sum' THEN k.value IS NOT NULL
           WHEN v_aggregation = 'rate' THEN k.numerator IS NOT NULL AND k.denominator IS NOT NULL
           ELSE k.value IS NOT NULL AND k.n IS NOT NULL END AS ok,
      CASE v_aggregation WHEN 'sum' THEN k.value WHEN 'rate' THEN k.numerator
           ELSE k.value * k.n END AS a,
      CASE v_aggregation WHEN 'sum' THEN 0 WHEN 'rate' THEN k.denominator ELSE k.n END AS b,
      CASE v_aggregation
           WHEN 'sum' THEN CASE WHEN v_unit = 'count' THEN least(h.people, k.value)
                                ELSE h.people END
           WHEN 'rate' THEN least(h.people, k.denominator)
           ELSE h.people END AS people
    FROM contribution k,
    LATERAL (SELECT CASE WHEN k.n = 0 AND (coalesce(k.value, 0) <> 0
                                           OR coalesce(k.denominator, 0) <> 0)
                         THEN NULL ELSE k.n END AS people) AS h),
  rolled AS (
    SELECT mass.*, NULLIF((
      SELECT CASE WHEN count(DISTINCT coalesce(b.pd, e.key)) = count(*)
                  THEN jsonb_object_agg(coalesce(b.pd, e.key), coalesce(b.pc, e.value)) END
      FROM jsonb_each_text(mass.breakdown) AS e
      LEFT JOIN broadest b ON b.d = e.key AND b.c = e.value), mass.breakdown) AS broad
    FROM mass),
  direct AS (
    SELECT period_start, breakdown, partner_id, bool_and(ok) AS ok, sum(a) AS a, sum(b) AS b,
           CASE WHEN bool_and(people IS NOT NULL) THEN sum(people) END AS people
    FROM mass GROUP BY period_start, breakdown, partner_id),
  derived AS (
    SELECT period_start, broad AS breakdown, partner_id, bool_and(ok) AS ok, sum(a) AS a,
           sum(b) AS b, CASE WHEN bool_and(people IS NOT NULL) THEN sum(people) END AS people
    FROM rolled WHERE broad IS NOT NULL GROUP BY period_start, broad, partner_id),
  share AS (  -- a partner's own report of a cell wins over the sum of its detailed ones
    SELECT coalesce(d.period_start, v.period_start) AS period_start,
           coalesce(d.breakdown, v.breakdown) AS breakdown,
           coalesce(d.partner_id, v.partner_id) AS partner_id,
           CASE WHEN d.partner_id IS NULL THEN v.ok ELSE d.ok END AS ok,
           CASE WHEN d.partner_id IS NULL THEN v.a ELSE d.a END AS a,
           CASE WHEN d.partner_id IS NULL THEN v.b ELSE d.b END AS b,
           CASE WHEN d.partner_id IS NULL THEN v.people ELSE d.people END AS people
    FROM direct d FULL JOIN derived v ON v.period_start = d.period_start
      AND v.breakdown = d.breakdown AND v.partner_id = d.partner_id),
  seen AS (  -- partners every one of whose values the viewer may read anyway
    SELECT coalesce(array_agg(partner_id), '{}') AS ids
    FROM (SELECT partner_id FROM contribution GROUP BY partner_id HAVING bool_and(visible)) s),
  grouped_cell AS (
    SELECT s.period_start, s.breakdown, array_agg(s.partner_id) AS partner,
           array_agg(s.ok) AS ok, array_agg(s.a) AS a, array_agg(s.b) AS b,
           array_agg(s.people) AS people, count(*)::integer AS partners,
           sum(s.a) AS total_a, sum(s.b) AS total_b,
           CASE WHEN bool_and(s.ok AND s.people IS NOT NULL) THEN sum(s.people) END AS total_people,
           (SELECT count(*) FROM jsonb_object_keys(s.breakdown)) AS width,
           (SELECT coalesce(string_agg(e.key || '=' || e.value, ';' ORDER BY e.key COLLATE "C"), '')
            FROM jsonb_each_text(s.breakdown) AS e) AS label,
           (SELECT coalesce(string_agg(e.key || chr(1) || e.value || chr(2), ''
                                       ORDER BY e.key COLLATE "C"), '')
            FROM jsonb_each_text(s.breakdown) AS e) AS sort_key
    FROM share s GROUP BY s.period_start, s.breakdown),
  cell AS (
    SELECT row_number() OVER (ORDER BY g.period_start, g.width, g.label COLLATE "C")::integer AS i,
           g.*,
           coalesce(
             tablero_cells_exposed(g.partner, g.ok, g.a, g.b, g.people, (SELECT ids FROM seen),
                                   v_aggregation, v_min_partners, v_min_cell, v_max_dominance),
             CASE WHEN v_aggregation <> 'sum' AND g.total_b = 0 THEN 'undefined' END) AS reason
    FROM grouped_cell g),
  item AS (
    SELECT c.i, c.period_start, e.key AS d, e.value AS v, c.breakdown - e.key AS rest
    FROM cell c, jsonb_each_text(c.breakdown) AS e),
  grouped AS (  -- a total and its parts: along a dimension, or along a roll-up
    SELECT period_start, rest AS margin, d, '' AS via, i FROM item
    UNION ALL
    SELECT item.period_start, item.rest || jsonb_build_object(p.pd, p.pc), item.d,
           p.pd || '=' || p.pc, item.i
    FROM item JOIN parent p ON p.d = item.d AND p.c = item.v
    WHERE NOT item.rest ? p.pd),
  relation_set AS (
    SELECT g.period_start, m.i AS margin, m.sort_key AS margin_key,
           array_agg(g.i) AS parts,
           string_agg(part.sort_key || chr(3), '' ORDER BY part.sort_key COLLATE "C") AS parts_key
    FROM grouped g
    JOIN cell m ON m.period_start = g.period_start AND m.breakdown = g.margin
    JOIN cell part ON part.i = g.i
    GROUP BY g.period_start, g.margin, g.d, g.via, m.i, m.sort_key),
  relation AS (
    SELECT row_number() OVER (ORDER BY period_start, margin_key COLLATE "C",
                                       parts_key COLLATE "C")::integer AS ri, *
    FROM relation_set),
  member AS (
    SELECT ri, margin AS i, 1 AS sign FROM relation
    UNION ALL
    SELECT ri, unnest(parts), -1 FROM relation),
  rest AS (  -- per partner, what a total holds beyond its parts
    SELECT mb.ri, s.partner_id, bool_and(s.ok) AS ok, sum(mb.sign * s.a) AS a,
           sum(mb.sign * s.b) AS b,
           CASE WHEN bool_and(s.people IS NOT NULL) THEN sum(mb.sign * s.people) END AS people
    FROM member mb JOIN cell c ON c.i = mb.i
    JOIN share s ON s.period_start = c.period_start AND s.breakdown = c.breakdown
    GROUP BY mb.ri, s.partner_id),
  remainder AS (  -- remainders a reader cannot know, and whether each must stay unknown
    SELECT ri, tablero_cells_exposed(array_agg(partner_id), array_agg(ok), array_agg(a),
                                     array_agg(b), array_agg(people), (SELECT ids FROM seen),
                                     v_aggregation, v_min_partners, v_min_cell,
                                     v_max_dominance) IS NOT NULL AS guarded
    FROM rest
    WHERE ok AND NOT (abs(a) <= 1e-9 AND abs(b) <= 1e-9 AND abs(coalesce(people, 0)) <= 1e-9)
    GROUP BY ri),
  membership AS (
    SELECT row_number() OVER (ORDER BY ri, sign DESC, i)::integer AS j, * FROM member),
  factor AS (
    SELECT array_agg(value * denominator / numerator ORDER BY value * denominator / numerator)
           AS f
    FROM contribution WHERE value <> 0 AND numerator <> 0 AND denominator <> 0)
  SELECT
    (SELECT array_agg(period_start ORDER BY i) FROM cell),
    (SELECT array_agg(breakdown ORDER BY i) FROM cell),
    (SELECT array_agg(reason ORDER BY i) FROM cell),
    (SELECT array_agg(total_a ORDER BY i) FROM cell),
    (SELECT array_agg(total_b ORDER BY i) FROM cell),
    (SELECT array_agg(total_people ORDER BY i) FROM cell),
    (SELECT array_agg(partners ORDER BY i) FROM cell),
    (SELECT array_agg(period_start ORDER BY ri) FROM relation),
    (SELECT array_agg(x.first ORDER BY x.ri) FROM
       (SELECT ri, min(j) AS first FROM membership GROUP BY ri) x),
    (SELECT array_agg(x.last ORDER BY x.ri) FROM
       (SELECT ri, max(j) AS last FROM membership GROUP BY ri) x),
    (SELECT array_agg(rm.ri IS NOT NULL ORDER BY r.ri)
     FROM relation r LEFT JOIN remainder rm ON rm.ri = r.ri),
    (SELECT array_agg(coalesce(rm.guarded, false) ORDER BY r.ri)
     FROM relation r LEFT JOIN remainder rm ON rm.ri = r.ri),
    (SELECT array_agg(i ORDER BY j) FROM membership),
    (SELECT array_agg(sign ORDER BY j) FROM membership),
    (SELECT CASE WHEN v_unit = 'percent' THEN 100
                 WHEN f IS NULL THEN 1
                 ELSE power(10::double precision,
                            round(log(abs(f[cardinality(f) / 2 + 1])))) END FROM factor)
  INTO c_period, c_breakdown, c_reason, c_a, c_b, c_people, c_partners, r_period, r_first,
       r_last, r_unknown, r_guarded, m_cell, m_sign, v_scale;

  v_cells := coalesce(cardinality(c_period), 0);
  v_rels := coalesce(cardinality(r_period), 0);
  -- complementary suppression, period by period
  c_lo := 1;
  r_lo := 1;
  WHILE c_lo <= v_cells LOOP
    c_hi := c_lo;
    WHILE c_hi < v_cells AND c_period[c_hi + 1] = c_period[c_lo] LOOP
      c_hi := c_hi + 1;
    END LOOP;
    WHILE r_lo <= v_rels AND r_period[r_lo] < c_period[c_lo] LOOP
      r_lo := r_lo + 1;
    END LOOP;
    r_hi := r_lo - 1;
    WHILE r_hi < v_rels AND r_period[r_hi + 1] = c_period[c_lo] LOOP
      r_hi := r_hi + 1;
    END LOOP;
    WHILE r_hi >= r_lo LOOP  -- hide one more cell per pass until nothing hidden follows
      col_of_cell := '{}';
      col_of_rest := '{}';
      u_cell := '{}';
      u_rest := '{}';
      u := 0;
      FOR k IN c_lo .. c_hi LOOP
        IF c_reason[k] IS NOT NULL THEN
          u := u + 1;
          col_of_cell[k] := u;
          u_cell[u] := k;
        END IF;
      END LOOP;
      FOR r IN r_lo .. r_hi LOOP
        IF r_unknown[r] THEN
          u := u + 1;
          col_of_rest[r] := u;
          u_rest[u] := r;
        END IF;
      END LOOP;
      EXIT WHEN u = 0;
      matrix := array_fill(0::numeric, ARRAY[(r_hi - r_lo + 1) * u]);
      FOR r IN r_lo .. r_hi LOOP
        FOR j IN r_first[r] .. r_last[r] LOOP
          IF c_reason[m_cell[j]] IS NOT NULL THEN
            matrix[(r - r_lo) * u + col_of_cell[m_cell[j]]] := m_sign[j];
          END IF;
        END LOOP;
        IF r_unknown[r] THEN
          matrix[(r - r_lo) * u + col_of_rest[r]] := -1;
        END IF;
      END LOOP;
      determined := tablero_cells_determined(matrix, r_hi - r_lo + 1, u);
      disclosed := NULL;
      FOR q IN 1 .. u LOOP
        IF determined[q] AND (u_cell[q] IS NOT NULL OR r_guarded[u_rest[q]]) THEN
          disclosed := q;
          EXIT;
        END IF;
      END LOOP;
      EXIT WHEN disclosed IS NULL;
      -- the shown cell to hide next: the smallest in a relation with the disclosed unknown,
      -- else in any relation of the period
      extra := NULL;
      FOREACH near IN ARRAY ARRAY[true, false] LOOP
        FOR r IN r_lo .. r_hi LOOP
          CONTINUE WHEN near AND NOT (
            (u_rest[disclosed] IS NOT NULL AND u_rest[disclosed] = r)
            OR (u_cell[disclosed] IS NOT NULL
                AND u_cell[disclosed] = ANY (m_cell[r_first[r] : r_last[r]])));
          FOR j IN r_first[r] .. r_last[r] LOOP
            k := m_cell[j];
            CONTINUE WHEN c_reason[k] IS NOT NULL;
            people := coalesce(c_people[k], 'Infinity'::double precision);
            IF extra IS NULL OR people < best OR (people = best AND k < extra) THEN
              extra := k;
              best := people;
            END IF;
          END LOOP;
        END LOOP;
        EXIT WHEN extra IS NOT NULL;
      END LOOP;
      EXIT WHEN extra IS NULL;
      c_reason[extra] := 'complementary';
    END LOOP;
    c_lo := c_hi + 1;
  END LOOP;

  FOR k IN 1 .. v_cells LOOP
    period_start := c_period[k];
    breakdown := c_breakdown[k];
    reason := c_reason[k];
    IF reason IS NOT NULL THEN
      value := NULL;
      partners := NULL;
      n := NULL;
      unstable := false;
    ELSE
      partners := c_partners[k];
      n := c_people[k];
      CASE v_aggregation
        WHEN 'sum' THEN
          value := c_a[k];
          unstable := false;
        WHEN 'rate' THEN
          value := c_a[k] / c_b[k] * v_scale;
          unstable := c_a[k] <= 20;
        ELSE
          value := c_a[k] / c_b[k];
          unstable := c_b[k] <= 20;
      END CASE;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$
"""


def upgrade() -> None:
    op.execute(f"DROP FUNCTION {OLD}")
    for function in (UNSAFE_FUNCTION, EXPOSED_FUNCTION, DETERMINED_FUNCTION, CELLS_FUNCTION):
        op.execute(function)  # asyncpg prepares statements one at a time
    for signature in (*HELPERS, CELLS):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {CELLS} TO {API}")


def downgrade() -> None:
    for signature in (CELLS, *HELPERS):
        op.execute(f"DROP FUNCTION {signature}")
    previous = context.script.get_revision("0003").module  # type: ignore[attr-defined]
    previous.upgrade()
