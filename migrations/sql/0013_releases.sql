-- Releases: a closed reporting period's shared-measure aggregates, published once as
-- stored cells, with every earlier release of the period counted as known.
--
-- This is the database's port of services/analytics/suppression.py and rules.py (the
-- specification; tests/test_release_cells.py holds the two to the same decisions). Only
-- these functions read partners' private values for aggregates: they run as the owner
-- (SECURITY DEFINER) and write nothing but publishable cells where the API role can read.
-- The shares a release counted (release_share) stay the owner's: the API role may not
-- read them. No temporary table is used: a caller could have made one of the same name.

-- Who may read a value: 0 its partner's people, 1 members, 2 anyone.
CREATE FUNCTION tablero_visibility_rank(p text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE p WHEN 'public' THEN 2 WHEN 'collaborative' THEN 1 ELSE 0 END $$;

CREATE FUNCTION tablero_visibility_of_rank(p integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE p WHEN 2 THEN 'public' WHEN 1 THEN 'collaborative' ELSE 'private' END $$;

-- The day after a period ends.
CREATE FUNCTION tablero_period_end(p_granularity text, p_start date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (p_start + CASE p_granularity WHEN 'month' THEN interval '1 month'
                                       WHEN 'quarter' THEN interval '3 months'
                                       ELSE interval '1 year' END)::date $$;

-- An observation remembers the widest audience that ever could read it, and a value that
-- a release counted may never be read more widely than it could then (its cap): readers
-- would otherwise subtract it from the cells it was hidden in. Whatever a client sends.
CREATE FUNCTION tablero_observation_reach() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.visibility_cap := NULL;
    NEW.widest_visibility := 'private';
  ELSE
    IF OLD.visibility_cap IS NOT NULL AND (NEW.visibility_cap IS NULL
        OR tablero_visibility_rank(NEW.visibility_cap)
           > tablero_visibility_rank(OLD.visibility_cap)) THEN
      NEW.visibility_cap := OLD.visibility_cap;
    END IF;
    IF tablero_visibility_rank(NEW.widest_visibility)
       < tablero_visibility_rank(OLD.widest_visibility) THEN
      NEW.widest_visibility := OLD.widest_visibility;
    END IF;
  END IF;
  IF NEW.visibility_cap IS NOT NULL AND tablero_visibility_rank(NEW.visibility)
                                        > tablero_visibility_rank(NEW.visibility_cap) THEN
    NEW.visibility := NEW.visibility_cap;
  END IF;
  IF NEW.status = 'published' AND tablero_visibility_rank(NEW.visibility)
                                  > tablero_visibility_rank(NEW.widest_visibility) THEN
    NEW.widest_visibility := NEW.visibility;
  END IF;
  RETURN NEW;
END $$;

-- A measure's first value for a period opens that reporting period (what releases list).
CREATE FUNCTION tablero_open_reporting_periods() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  INSERT INTO reporting_period (collaborative_id, granularity, period_start)
  SELECT DISTINCT collaborative_id, granularity, period_start FROM inserted
  WHERE measure_id IS NOT NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

-- suppression.rules.unsafe: the first rule a set of partners' shares breaks, leaving out
-- `p_skip` (a partner whose people know their own share), if any.
CREATE FUNCTION tablero_release_unsafe(
  p_partner uuid[], p_ok boolean[], p_a double precision[], p_b double precision[],
  p_people double precision[], p_skip uuid, p_aggregation text, p_min_partners integer,
  p_min_cell integer, p_max_dominance double precision)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_count integer := 0;
  v_people double precision := 0;
  v_top_a double precision := 0;
  v_sum_a double precision := 0;
  v_top_b double precision := 0;
  v_sum_b double precision := 0;
  v_unknown boolean := false;
  i integer;
BEGIN
  FOR i IN 1 .. coalesce(cardinality(p_partner), 0) LOOP
    CONTINUE WHEN p_partner[i] = p_skip;
    IF NOT p_ok[i] THEN
      RETURN 'suppressed_at_source';
    END IF;
    v_count := v_count + 1;
    IF p_people[i] IS NULL THEN
      v_unknown := true;
    ELSE
      v_people := v_people + p_people[i];
    END IF;
    v_top_a := greatest(v_top_a, abs(p_a[i]));
    v_sum_a := v_sum_a + abs(p_a[i]);
    v_top_b := greatest(v_top_b, abs(p_b[i]));
    v_sum_b := v_sum_b + abs(p_b[i]);
  END LOOP;
  IF v_count < p_min_partners THEN
    RETURN 'too_few_partners';
  END IF;
  IF v_unknown THEN
    RETURN 'unknown_size';
  END IF;
  IF abs(v_people) > 0 AND abs(v_people) < p_min_cell THEN
    RETURN 'small_cell';
  END IF;
  IF (p_aggregation <> 'mean' AND v_sum_a > 0 AND v_top_a / v_sum_a > p_max_dominance)
     OR (p_aggregation <> 'sum' AND v_sum_b > 0 AND v_top_b / v_sum_b > p_max_dominance) THEN
    RETURN 'dominance';
  END IF;
  RETURN NULL;
END $$;

-- rules.one_partner_singles_out_the_rest: whether some partner (of `p_knowers`, NULL: any),
-- taking its own share away, leaves a set that breaks a rule (at least `p_left` partners
-- required of the rest).
CREATE FUNCTION tablero_release_singles_out(
  p_partner uuid[], p_ok boolean[], p_a double precision[], p_b double precision[],
  p_people double precision[], p_knowers uuid[], p_aggregation text, p_left integer,
  p_min_cell integer, p_max_dominance double precision)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_n integer := coalesce(cardinality(p_partner), 0);
  v_unusable integer := 0;
  v_unknown_size integer := 0;
  v_people double precision := 0;
  v_total double precision[] := ARRAY[0, 0];
  v_top double precision[] := ARRAY[0, 0];
  v_second double precision[] := ARRAY[0, 0];
  v_at integer[] := ARRAY[0, 0];
  v_weight double precision;
  v_rest double precision;
  v_largest double precision;
  v_side integer;
  i integer;
BEGIN
  IF v_n < 2 THEN
    RETURN false;  -- a lone partner only learns its own values
  END IF;
  FOR i IN 1 .. v_n LOOP
    IF NOT p_ok[i] THEN
      v_unusable := v_unusable + 1;
    END IF;
    IF p_people[i] IS NULL THEN
      v_unknown_size := v_unknown_size + 1;
    ELSE
      v_people := v_people + p_people[i];
    END IF;
    FOR v_side IN 1 .. 2 LOOP
      v_weight := coalesce(abs(CASE v_side WHEN 1 THEN p_a[i] ELSE p_b[i] END), 0);
      v_total[v_side] := v_total[v_side] + v_weight;
      IF v_weight > v_top[v_side] OR v_at[v_side] = 0 THEN
        v_second[v_side] := v_top[v_side];
        v_top[v_side] := v_weight;
        v_at[v_side] := i;
      ELSIF v_weight > v_second[v_side] THEN
        v_second[v_side] := v_weight;
      END IF;
    END LOOP;
  END LOOP;
  FOR i IN 1 .. v_n LOOP
    CONTINUE WHEN p_knowers IS NOT NULL AND NOT p_partner[i] = ANY (p_knowers);
    -- what partner i's people are left with: every other partner's share
    IF v_unusable - (CASE WHEN p_ok[i] THEN 0 ELSE 1 END) > 0
       OR v_n - 1 < p_left
       OR v_unknown_size - (CASE WHEN p_people[i] IS NULL THEN 1 ELSE 0 END) > 0 THEN
      RETURN true;
    END IF;
    v_rest := abs(v_people - coalesce(p_people[i], 0));
    IF v_rest > 0 AND v_rest < p_min_cell THEN
      RETURN true;
    END IF;
    FOR v_side IN 1 .. 2 LOOP  -- 1: the amounts (not of a mean), 2: the bases (not of a sum)
      CONTINUE WHEN (v_side = 1 AND p_aggregation = 'mean')
                 OR (v_side = 2 AND p_aggregation = 'sum');
      v_weight := coalesce(abs(CASE v_side WHEN 1 THEN p_a[i] ELSE p_b[i] END), 0);
      v_rest := v_total[v_side] - v_weight;
      v_largest := CASE WHEN i = v_at[v_side] THEN v_second[v_side] ELSE v_top[v_side] END;
      IF v_rest > 0 AND v_largest / v_rest > p_max_dominance THEN
        RETURN true;
      END IF;
    END LOOP;
  END LOOP;
  RETURN false;
END $$;

-- rules.exposed for a cell: the cell as a whole, then for each audience what it cannot read
-- of it (when it reads some), and what any one partner's people would be left with (any
-- partner's among members, a funder's among the public).
CREATE FUNCTION tablero_release_exposed(
  f_partner uuid[], f_ok boolean[], f_a double precision[], f_b double precision[],
  f_people double precision[],
  m_partner uuid[], m_ok boolean[], m_a double precision[], m_b double precision[],
  m_people double precision[], m_reads_some boolean,
  p_partner uuid[], p_ok boolean[], p_a double precision[], p_b double precision[],
  p_people double precision[], p_reads_some boolean, p_funders uuid[],
  p_aggregation text, p_min_partners integer, p_min_cell integer,
  p_max_dominance double precision)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_reason text;
  v_left integer := greatest(2, p_min_partners - 1);
BEGIN
  v_reason := tablero_release_unsafe(f_partner, f_ok, f_a, f_b, f_people, NULL,
                                     p_aggregation, p_min_partners, p_min_cell,
                                     p_max_dominance);
  IF v_reason IS NOT NULL THEN
    RETURN v_reason;
  END IF;
  IF (cardinality(m_partner) > 0 AND m_reads_some
      AND tablero_release_unsafe(m_partner, m_ok, m_a, m_b, m_people, NULL, p_aggregation,
                                 v_left, p_min_cell, p_max_dominance) IS NOT NULL)
     OR tablero_release_singles_out(m_partner, m_ok, m_a, m_b, m_people, NULL, p_aggregation,
                                    v_left, p_min_cell, p_max_dominance)
     OR (cardinality(p_partner) > 0 AND p_reads_some
         AND tablero_release_unsafe(p_partner, p_ok, p_a, p_b, p_people, NULL, p_aggregation,
                                    v_left, p_min_cell, p_max_dominance) IS NOT NULL)
     OR tablero_release_singles_out(p_partner, p_ok, p_a, p_b, p_people, p_funders,
                                    p_aggregation, v_left, p_min_cell, p_max_dominance) THEN
    RETURN 'seen_parts';
  END IF;
  RETURN NULL;
END $$;

-- Something a reader may not know (suppression.Unknown): a cell of a release, what a total
-- holds beyond its parts, or what changed in a cell between two releases; with, per
-- audience (m_: members, p_: the public), each partner's share the audience cannot read.
CREATE TYPE tablero_release_unknown AS (
  kind smallint,  -- 1 cell, 2 remainder, 3 change
  number integer,  -- its release (the later one, for a change)
  position integer,  -- a remainder's relation within its release; a change's earlier release
  key text,  -- the breakdown key of the cell (of a remainder's total)
  breakdown jsonb,
  reason text,  -- a cell's: why it is hidden, or NULL when shown
  people double precision,  -- a cell of this release: its size ('Infinity' when unknown)
  total_a double precision,
  total_b double precision,
  partners integer,
  m_partner uuid[], m_ok boolean[], m_a double precision[], m_b double precision[],
  m_people double precision[],
  p_partner uuid[], p_ok boolean[], p_a double precision[], p_b double precision[],
  p_people double precision[]);

-- A total and its parts in one release (cube.Relation), by breakdown key.
CREATE TYPE tablero_release_relation AS (
  number integer, position integer, margin text, parts text[]);

-- An additive relation among unknowns: sum of coefficient x unknown = something known.
CREATE TYPE tablero_release_equation AS (members integer[], coefficients integer[]);

-- suppression.System.disclosed: the protected unknowns that some reader can compute from
-- the equations: each audience alone (1: members, 2: the public), and joined by any one
-- partner's people (any partner's among members, a funder's among the public). A partner's
-- knowledge changes what is unknown only where it is the sole partner unread; elsewhere the
-- audience's own system serves, with what that partner would learn of the rest.
CREATE FUNCTION tablero_release_disclosed(
  u tablero_release_unknown[], eq tablero_release_equation[], v_hidden boolean[],
  v_aggregation text, v_min_partners integer, v_min_cell integer,
  v_max_dominance double precision, v_funders uuid[])
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_left integer := greatest(2, v_min_partners - 1);
  v_found integer[] := '{}';
  v_knowers uuid[];
  v_sole uuid[];
  v_own uuid;
  v_audience integer;
  v_partners uuid[];
  v_columns integer[];
  v_col_of integer[];
  v_width integer;
  v_rows integer;
  v_matrix numeric[];
  v_determined boolean[];
  v_protected boolean;
  i integer; j integer; k integer; e integer; c integer;
BEGIN
  FOREACH v_audience IN ARRAY ARRAY[1, 2] LOOP
    -- whose people read as this audience, besides their own: any partner's among
    -- members, a funder's among the public (rules.Rules.knowers)
    v_knowers := CASE v_audience WHEN 1 THEN NULL ELSE v_funders END;
    v_sole := '{}';  -- partners that alone hold what the audience cannot read of something
    FOR i IN 1 .. cardinality(u) LOOP
      CONTINUE WHEN NOT v_hidden[i];
      v_partners := CASE v_audience WHEN 1 THEN u[i].m_partner ELSE u[i].p_partner END;
      IF cardinality(v_partners) = 1 AND NOT v_partners[1] = ANY (v_sole)
         AND (v_knowers IS NULL OR v_partners[1] = ANY (v_knowers)) THEN
        v_sole := v_sole || v_partners[1];
      END IF;
    END LOOP;
    FOR k IN 0 .. cardinality(v_sole) LOOP
      v_own := CASE WHEN k = 0 THEN NULL ELSE v_sole[k] END;
      v_columns := '{}';
      v_col_of := array_fill(0, ARRAY[cardinality(u)]);
      FOR i IN 1 .. cardinality(u) LOOP
        CONTINUE WHEN NOT v_hidden[i];
        v_partners := CASE v_audience WHEN 1 THEN u[i].m_partner ELSE u[i].p_partner END;
        IF cardinality(array_remove(v_partners, v_own)) > 0 THEN
          v_columns := v_columns || i;
          v_col_of[i] := cardinality(v_columns);
        END IF;
      END LOOP;
      v_width := cardinality(v_columns);
      CONTINUE WHEN v_width = 0;
      v_rows := 0;
      v_matrix := '{}';
      FOR e IN 1 .. coalesce(cardinality(eq), 0) LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM unnest(eq[e].members) AS m
                                  WHERE v_col_of[m] > 0);
        v_rows := v_rows + 1;
        v_matrix := v_matrix || array_fill(0::numeric, ARRAY[v_width]);
        FOR j IN 1 .. cardinality(eq[e].members) LOOP
          c := v_col_of[eq[e].members[j]];
          IF c > 0 THEN
            v_matrix[(v_rows - 1) * v_width + c] :=
              v_matrix[(v_rows - 1) * v_width + c] + eq[e].coefficients[j];
          END IF;
        END LOOP;
      END LOOP;
      CONTINUE WHEN v_rows = 0;
      v_determined := tablero_cells_determined(v_matrix, v_rows, v_width);
      FOR c IN 1 .. v_width LOOP
        i := v_columns[c];
        CONTINUE WHEN NOT v_determined[c] OR i = ANY (v_found);
        IF v_audience = 1 THEN
          v_protected := CASE
            WHEN v_own IS NULL THEN
              u[i].kind = 1
              OR tablero_release_unsafe(u[i].m_partner, u[i].m_ok, u[i].m_a, u[i].m_b,
                                        u[i].m_people, NULL, v_aggregation, v_left,
                                        v_min_cell, v_max_dominance) IS NOT NULL
              OR tablero_release_singles_out(u[i].m_partner, u[i].m_ok, u[i].m_a, u[i].m_b,
                                             u[i].m_people, v_knowers, v_aggregation, v_left,
                                             v_min_cell, v_max_dominance)
            ELSE tablero_release_unsafe(u[i].m_partner, u[i].m_ok, u[i].m_a, u[i].m_b,
                                        u[i].m_people, v_own, v_aggregation, v_left,
                                        v_min_cell, v_max_dominance) IS NOT NULL END;
        ELSE
          v_protected := CASE
            WHEN v_own IS NULL THEN
              u[i].kind = 1
              OR tablero_release_unsafe(u[i].p_partner, u[i].p_ok, u[i].p_a, u[i].p_b,
                                        u[i].p_people, NULL, v_aggregation, v_left,
                                        v_min_cell, v_max_dominance) IS NOT NULL
              OR tablero_release_singles_out(u[i].p_partner, u[i].p_ok, u[i].p_a, u[i].p_b,
                                             u[i].p_people, v_knowers, v_aggregation, v_left,
                                             v_min_cell, v_max_dominance)
            ELSE tablero_release_unsafe(u[i].p_partner, u[i].p_ok, u[i].p_a, u[i].p_b,
                                        u[i].p_people, v_own, v_aggregation, v_left,
                                        v_min_cell, v_max_dominance) IS NOT NULL END;
        END IF;
        IF v_protected THEN
          v_found := v_found || i;
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;
  RETURN v_found;
END $$;

-- The cells of one shared measure in one release: the shares it counts are recorded, then
-- suppression runs over every release of the period (suppression.System) and the cells
-- are written. Returns the number of cells written.
CREATE FUNCTION tablero_release_measure(
  p_collaborative uuid, p_release uuid, p_shared_measure uuid)
RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp SET enable_nestloop = off AS $$
#variable_conflict use_column
DECLARE
  v_granularity text;
  v_period date;
  v_current integer;
  v_aggregation text;
  v_unit text;
  v_min_partners integer;
  v_min_cell integer;
  v_max_dominance double precision;
  v_left integer;
  v_scale double precision;
  v_funders uuid[];  -- partners whose people read as the public does
  u tablero_release_unknown[];
  v_relations tablero_release_relation[];
  eq tablero_release_equation[];
  v_alone tablero_release_equation[];
  v_found integer[];
  v_hidden boolean[];
  v_disclosed integer;
  v_extra integer;
  v_known_anyway boolean[];
  v_reached boolean[];
  v_frontier boolean[];
  v_next boolean[];
  v_any boolean;
  i integer; j integer; k integer; e integer;
  v_written integer;
BEGIN
  SELECT r.granularity, r.period_start, r.number, s.aggregation, s.unit, c.min_partners,
         c.min_cell, c.max_dominance_share
  INTO v_granularity, v_period, v_current, v_aggregation, v_unit, v_min_partners,
       v_min_cell, v_max_dominance
  FROM release r
  JOIN shared_measure s ON s.collaborative_id = r.collaborative_id AND s.id = p_shared_measure
  JOIN collaborative c ON c.id = r.collaborative_id
  WHERE r.collaborative_id = p_collaborative AND r.id = p_release;
  v_left := greatest(2, v_min_partners - 1);
  SELECT coalesce(array_agg(id), '{}') INTO v_funders FROM partner
  WHERE collaborative_id = p_collaborative AND kind = 'funder';

  -- 1. What this release counts (cube.build_cube): each adopting, consenting measure's
  -- current published values, rolled up to broader categories (a measure's own report of a
  -- broad cell wins over the sum of its detailed ones), per measure and per widest audience.
  WITH RECURSIVE
  parent AS (
    SELECT x ->> 'd' AS d, x ->> 'c' AS c, x ->> 'pd' AS pd, x ->> 'pc' AS pc
    FROM release r, jsonb_array_elements(r.parents) AS x
    WHERE r.collaborative_id = p_collaborative AND r.id = p_release),
  chain AS (
    SELECT d, c, pd, pc, ARRAY[d || '=' || c, pd || '=' || pc] AS seen, 1 AS depth
    FROM parent WHERE (pd, pc) <> (d, c)
    UNION ALL
    SELECT chain.d, chain.c, parent.pd, parent.pc,
           chain.seen || (parent.pd || '=' || parent.pc), chain.depth + 1
    FROM chain JOIN parent ON parent.d = chain.pd AND parent.c = chain.pc
    WHERE NOT (parent.pd || '=' || parent.pc) = ANY (chain.seen)),
  broadest AS (
    SELECT DISTINCT ON (d, c) d, c, pd, pc FROM chain ORDER BY d, c, depth DESC),
  contribution AS (
    SELECT m.partner_id, m.id AS measure_id, o.id AS version, o.breakdown,
           tablero_visibility_rank(o.widest_visibility) AS level, o.value, o.numerator,
           o.denominator, o.n::double precision AS n,
           o.suppressed_at_source IS NOT NULL AS at_source
    FROM performance_measure m
    JOIN observation o ON o.collaborative_id = m.collaborative_id AND o.measure_id = m.id
    WHERE m.collaborative_id = p_collaborative AND m.shared_measure_id = p_shared_measure
      AND m.granularity = v_granularity AND m.share_in_aggregates
      AND o.granularity = v_granularity AND o.period_start = v_period AND o.is_current
      AND o.status = 'published'),
  mass AS (  -- cube.mass_of
    SELECT k.partner_id, k.measure_id, k.version, k.breakdown, k.level,
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
    SELECT breakdown, partner_id, measure_id, level, bool_and(ok) AS ok, sum(a) AS a,
           sum(b) AS b, CASE WHEN bool_and(people IS NOT NULL) THEN sum(people) END AS people,
           array_agg(version ORDER BY version) AS versions
    FROM mass GROUP BY breakdown, partner_id, measure_id, level),
  derived AS (
    SELECT broad AS breakdown, partner_id, measure_id, level, bool_and(ok) AS ok,
           sum(a) AS a, sum(b) AS b,
           CASE WHEN bool_and(people IS NOT NULL) THEN sum(people) END AS people,
           array_agg(version ORDER BY version) AS versions
    FROM rolled WHERE broad IS NOT NULL GROUP BY broad, partner_id, measure_id, level),
  chosen AS (
    SELECT * FROM direct
    UNION ALL
    SELECT * FROM derived v WHERE NOT EXISTS (
      SELECT FROM direct x WHERE x.breakdown = v.breakdown AND x.partner_id = v.partner_id
                             AND x.measure_id = v.measure_id))
  INSERT INTO release_share (collaborative_id, release_id, shared_measure_id, breakdown,
                             breakdown_key, partner_id, measure_id, visibility, ok, a, b,
                             people, versions)
  SELECT p_collaborative, p_release, p_shared_measure, breakdown,
         (SELECT coalesce(string_agg(e.key || '=' || e.value, ';' ORDER BY e.key COLLATE "C"),
                          '')
          FROM jsonb_each_text(breakdown) AS e),
         partner_id, measure_id, tablero_visibility_of_rank(level), ok, a, b, people, versions
  FROM chosen;

  -- A rate's scale (percent, or per 1,000...) from every current value of the measure.
  SELECT CASE WHEN v_unit = 'percent' THEN 100
              WHEN f IS NULL THEN 1
              ELSE power(10::double precision, round(log(f[cardinality(f) / 2 + 1])))
         END
  INTO v_scale
  FROM (SELECT array_agg(abs(o.value * o.denominator / o.numerator)
                         ORDER BY abs(o.value * o.denominator / o.numerator)) AS f
        FROM performance_measure m
        JOIN observation o ON o.collaborative_id = m.collaborative_id AND o.measure_id = m.id
        WHERE m.collaborative_id = p_collaborative AND m.shared_measure_id = p_shared_measure
          AND m.granularity = v_granularity AND m.share_in_aggregates
          AND o.granularity = v_granularity AND o.is_current AND o.status = 'published'
          AND o.value <> 0 AND o.numerator <> 0 AND o.denominator <> 0) AS factor;

  -- 2. Everything a reader may not know in this period, across its releases, in the order
  -- of the specification (suppression.System): per release its cells, then its
  -- remainders; then what changed, per later and earlier release.
  WITH
  period_release AS (
    SELECT r.id, r.number, r.parents FROM release r
    WHERE r.collaborative_id = p_collaborative AND r.granularity = v_granularity
      AND r.period_start = v_period AND r.number <= v_current),
  share AS (
    SELECT pr.number, s.breakdown_key AS key, s.breakdown, s.partner_id, s.measure_id,
           tablero_visibility_rank(s.visibility) AS level, s.ok, s.a, s.b, s.people,
           s.versions
    FROM release_share s JOIN period_release pr ON pr.id = s.release_id
    WHERE s.collaborative_id = p_collaborative AND s.shared_measure_id = p_shared_measure),
  by_partner AS (  -- cube.by_partner: whole, and what each audience cannot read
    SELECT number, key, breakdown, partner_id,
      bool_and(ok) AS ok, sum(a) AS a, sum(b) AS b,
      CASE WHEN bool_and(people IS NOT NULL) THEN sum(people) END AS people,
      bool_or(level < 1) AS has_m, bool_and(ok) FILTER (WHERE level < 1) AS m_ok,
      sum(a) FILTER (WHERE level < 1) AS m_a, sum(b) FILTER (WHERE level < 1) AS m_b,
      CASE WHEN bool_and(people IS NOT NULL) FILTER (WHERE level < 1)
           THEN sum(people) FILTER (WHERE level < 1) END AS m_people,
      bool_or(level < 2) AS has_p, bool_and(ok) FILTER (WHERE level < 2) AS p_ok,
      sum(a) FILTER (WHERE level < 2) AS p_a, sum(b) FILTER (WHERE level < 2) AS p_b,
      CASE WHEN bool_and(people IS NOT NULL) FILTER (WHERE level < 2)
           THEN sum(people) FILTER (WHERE level < 2) END AS p_people,
      bool_or(level >= 1) AS m_reads, bool_or(level >= 2) AS p_reads
    FROM share GROUP BY number, key, breakdown, partner_id),
  cell AS (
    SELECT number, key, breakdown,
      array_agg(partner_id ORDER BY partner_id) AS f_partner,
      array_agg(ok ORDER BY partner_id) AS f_ok,
      array_agg(a ORDER BY partner_id) AS f_a,
      array_agg(b ORDER BY partner_id) AS f_b,
      array_agg(people ORDER BY partner_id) AS f_people,
      coalesce(array_agg(partner_id ORDER BY partner_id) FILTER (WHERE has_m), '{}')
        AS m_partner,
      coalesce(array_agg(m_ok ORDER BY partner_id) FILTER (WHERE has_m), '{}') AS m_ok,
      coalesce(array_agg(m_a ORDER BY partner_id) FILTER (WHERE has_m), '{}') AS m_a,
      coalesce(array_agg(m_b ORDER BY partner_id) FILTER (WHERE has_m), '{}') AS m_b,
      coalesce(array_agg(m_people ORDER BY partner_id) FILTER (WHERE has_m), '{}')
        AS m_people,
      coalesce(array_agg(partner_id ORDER BY partner_id) FILTER (WHERE has_p), '{}')
        AS p_partner,
      coalesce(array_agg(p_ok ORDER BY partner_id) FILTER (WHERE has_p), '{}') AS p_ok,
      coalesce(array_agg(p_a ORDER BY partner_id) FILTER (WHERE has_p), '{}') AS p_a,
      coalesce(array_agg(p_b ORDER BY partner_id) FILTER (WHERE has_p), '{}') AS p_b,
      coalesce(array_agg(p_people ORDER BY partner_id) FILTER (WHERE has_p), '{}')
        AS p_people,
      bool_or(m_reads) AS m_reads, bool_or(p_reads) AS p_reads,
      count(*)::integer AS partners, sum(a) AS total_a, sum(b) AS total_b,
      CASE WHEN bool_and(ok AND people IS NOT NULL) THEN sum(people) END AS total_people,
      (SELECT count(*) FROM jsonb_object_keys(breakdown))::integer AS width,
      (SELECT coalesce(string_agg(e.key || chr(1) || e.value || chr(2), ''
                                  ORDER BY e.key COLLATE "C"), '')
       FROM jsonb_each_text(breakdown) AS e) AS sort_key
    FROM by_partner GROUP BY number, key, breakdown),
  decided AS (  -- this release's primary decision (suppression.primary); earlier, stored
    SELECT c.*,
      CASE WHEN c.number = v_current THEN coalesce(
             tablero_release_exposed(c.f_partner, c.f_ok, c.f_a, c.f_b, c.f_people,
                                     c.m_partner, c.m_ok, c.m_a, c.m_b, c.m_people, c.m_reads,
                                     c.p_partner, c.p_ok, c.p_a, c.p_b, c.p_people, c.p_reads,
                                     v_funders, v_aggregation, v_min_partners, v_min_cell,
                                     v_max_dominance),
             CASE WHEN v_aggregation <> 'sum' AND c.total_b = 0 THEN 'undefined' END)
           ELSE (SELECT rc.reason FROM release_cell rc JOIN period_release pr
                   ON pr.id = rc.release_id AND pr.number = c.number
                 WHERE rc.collaborative_id = p_collaborative
                   AND rc.shared_measure_id = p_shared_measure AND rc.breakdown_key = c.key)
      END AS reason
    FROM cell c),
  parent AS (  -- each release's own roll-ups
    SELECT pr.number, x ->> 'd' AS d, x ->> 'c' AS c, x ->> 'pd' AS pd, x ->> 'pc' AS pc
    FROM period_release pr, jsonb_array_elements(pr.parents) AS x),
  item AS (
    SELECT c.number, c.key, e.key AS d, e.value AS v, c.breakdown - e.key AS rest
    FROM decided c, jsonb_each_text(c.breakdown) AS e),
  grouped AS (  -- cube.relations: along a dimension, or along a roll-up
    SELECT number, rest AS margin, d, '' AS via, key FROM item
    UNION ALL
    SELECT item.number, item.rest || jsonb_build_object(p.pd, p.pc), item.d,
           p.pd || '=' || p.pc, item.key
    FROM item JOIN parent p ON p.number = item.number AND p.d = item.d AND p.c = item.v
    WHERE NOT item.rest ? p.pd),
  relation AS (
    SELECT g.number, m.key AS margin, m.sort_key AS margin_key,
           array_agg(g.key ORDER BY part.sort_key COLLATE "C") AS parts,
           string_agg(part.sort_key || chr(3), '' ORDER BY part.sort_key COLLATE "C")
             AS parts_key
    FROM grouped g
    JOIN decided m ON m.number = g.number AND m.breakdown = g.margin
    JOIN decided part ON part.number = g.number AND part.key = g.key
    GROUP BY g.number, g.margin, g.d, g.via, m.key, m.sort_key),
  numbered AS (
    SELECT row_number() OVER (PARTITION BY number ORDER BY margin_key COLLATE "C",
                                                          parts_key COLLATE "C")::integer
             AS position, *
    FROM relation),
  member AS (
    SELECT number, position, margin AS key, 1 AS sign FROM numbered
    UNION ALL
    SELECT number, position, unnest(parts), -1 FROM numbered),
  holder_rest AS (  -- cube.residual: per contribution, its total beyond its parts
    SELECT mb.number, mb.position, s.partner_id, s.measure_id, s.level, bool_and(s.ok) AS ok,
           sum(mb.sign * s.a) AS a, sum(mb.sign * s.b) AS b,
           CASE WHEN bool_and(s.people IS NOT NULL) THEN sum(mb.sign * s.people) END AS people
    FROM member mb JOIN share s ON s.number = mb.number AND s.key = mb.key
    GROUP BY mb.number, mb.position, s.partner_id, s.measure_id, s.level),
  partner_rest AS (  -- usable, nonzero remainders, per partner and audience
    SELECT number, position, partner_id, cut, sum(a) AS a, sum(b) AS b,
           CASE WHEN bool_and(people IS NOT NULL) THEN sum(people) END AS people
    FROM holder_rest, LATERAL (VALUES (1), (2)) AS audience(cut)
    WHERE ok AND level < cut
      AND NOT (abs(a) <= 1e-9 AND abs(b) <= 1e-9 AND abs(coalesce(people, 0)) <= 1e-9)
    GROUP BY number, position, partner_id, cut),
  rest_share AS (
    SELECT number, position, cut,
           array_agg(partner_id ORDER BY partner_id) AS partner,
           array_agg(true ORDER BY partner_id) AS ok,
           array_agg(a ORDER BY partner_id) AS a, array_agg(b ORDER BY partner_id) AS b,
           array_agg(people ORDER BY partner_id) AS people
    FROM partner_rest
    WHERE NOT (abs(a) <= 1e-9 AND abs(b) <= 1e-9 AND abs(coalesce(people, 0)) <= 1e-9)
    GROUP BY number, position, cut),
  pair AS (
    SELECT later.number AS later, earlier.number AS earlier
    FROM period_release later JOIN period_release earlier ON earlier.number < later.number),
  holder_change AS (  -- cube.change: every contribution whose versions differ
    SELECT p.later, p.earlier, x.*
    FROM pair p,
    LATERAL (
      SELECT coalesce(n.key, o.key) AS key, coalesce(n.partner_id, o.partner_id) AS partner_id,
             coalesce(n.level, o.level) AS level,
             coalesce(n.ok, true) AND coalesce(o.ok, true) AS ok,
             coalesce(n.a, 0) - coalesce(o.a, 0) AS a,
             coalesce(n.b, 0) - coalesce(o.b, 0) AS b,
             CASE WHEN (n.key IS NOT NULL AND n.people IS NULL)
                       OR (o.key IS NOT NULL AND o.people IS NULL) THEN NULL
                  ELSE coalesce(n.people, 0) - coalesce(o.people, 0) END AS people,
             n.versions IS DISTINCT FROM o.versions AS changed
      FROM (SELECT * FROM share WHERE number = p.later) AS n
      FULL JOIN (SELECT * FROM share WHERE number = p.earlier) AS o
        ON o.key = n.key AND o.partner_id = n.partner_id AND o.measure_id = n.measure_id
           AND o.level = n.level) AS x),
  change_share AS (
    SELECT later, earlier, key, cut,
           array_agg(partner_id ORDER BY partner_id) AS partner,
           array_agg(ok ORDER BY partner_id) AS ok,
           array_agg(a ORDER BY partner_id) AS a, array_agg(b ORDER BY partner_id) AS b,
           array_agg(people ORDER BY partner_id) AS people
    FROM (SELECT later, earlier, key, partner_id, cut, bool_and(ok) AS ok, sum(a) AS a,
                 sum(b) AS b,
                 CASE WHEN bool_and(people IS NOT NULL) THEN sum(people) END AS people
          FROM holder_change, LATERAL (VALUES (1), (2)) AS audience(cut)
          WHERE changed AND level < cut
          GROUP BY later, earlier, key, partner_id, cut) AS partner_change
    GROUP BY later, earlier, key, cut),
  change_key AS (SELECT DISTINCT later, earlier, key FROM holder_change),
  ordered AS (
    SELECT 0 AS grp, d.number AS o1, 0 AS o2, d.width AS o3, d.key AS o4, 0 AS o5,
      ROW(1::smallint, d.number, 0, d.key, d.breakdown, d.reason,
          coalesce(d.total_people, 'Infinity'::double precision),
          d.total_a, d.total_b, d.partners,
          d.m_partner, d.m_ok, d.m_a, d.m_b, d.m_people,
          d.p_partner, d.p_ok, d.p_a, d.p_b, d.p_people)::tablero_release_unknown AS unknown
    FROM decided d
    UNION ALL
    SELECT 0, r.number, 1, 0, '', r.position,
      ROW(2::smallint, r.number, r.position, r.margin, NULL, NULL, NULL, NULL, NULL, NULL,
          coalesce(m.partner, '{}'), coalesce(m.ok, '{}'), coalesce(m.a, '{}'),
          coalesce(m.b, '{}'), coalesce(m.people, '{}'),
          coalesce(p.partner, '{}'), coalesce(p.ok, '{}'), coalesce(p.a, '{}'),
          coalesce(p.b, '{}'), coalesce(p.people, '{}'))::tablero_release_unknown
    FROM numbered r
    LEFT JOIN rest_share m ON (m.number, m.position, m.cut) = (r.number, r.position, 1)
    LEFT JOIN rest_share p ON (p.number, p.position, p.cut) = (r.number, r.position, 2)
    UNION ALL
    SELECT 1, k.later, k.earlier,
      CASE WHEN k.key = '' THEN 0 ELSE cardinality(string_to_array(k.key, ';')) END,
      k.key, 0,
      ROW(3::smallint, k.later, k.earlier, k.key, NULL, NULL, NULL, NULL, NULL, NULL,
          coalesce(m.partner, '{}'), coalesce(m.ok, '{}'), coalesce(m.a, '{}'),
          coalesce(m.b, '{}'), coalesce(m.people, '{}'),
          coalesce(p.partner, '{}'), coalesce(p.ok, '{}'), coalesce(p.a, '{}'),
          coalesce(p.b, '{}'), coalesce(p.people, '{}'))::tablero_release_unknown
    FROM change_key k
    LEFT JOIN change_share m
      ON (m.later, m.earlier, m.key, m.cut) = (k.later, k.earlier, k.key, 1)
    LEFT JOIN change_share p
      ON (p.later, p.earlier, p.key, p.cut) = (k.later, k.earlier, k.key, 2))
  SELECT (SELECT array_agg(unknown ORDER BY grp, o1, o2, o3, o4 COLLATE "C", o5)
          FROM ordered),
         (SELECT array_agg(ROW(number, position, margin, parts)::tablero_release_relation)
          FROM numbered)
  INTO u, v_relations;

  IF u IS NULL THEN
    RETURN 0;  -- nobody reported this period
  END IF;

  -- The relations as equations over unknowns (by index): a total minus its parts minus its
  -- remainder; a cell of a later release minus the same cell earlier minus what changed.
  WITH
  idx AS (
    SELECT x.kind, x.number, x.position, x.key, n::integer AS n
    FROM unnest(u) WITH ORDINALITY AS x(kind, number, position, key, breakdown, reason,
                                        people, total_a, total_b, partners, m_partner, m_ok,
                                        m_a, m_b, m_people, p_partner, p_ok, p_a, p_b,
                                        p_people, n)),
  cell AS (SELECT number, key, n FROM idx WHERE kind = 1)
  SELECT array_agg(equation)
  INTO eq
  FROM (
    SELECT ROW(ARRAY[m.n, rest.n] || (SELECT array_agg(part.n ORDER BY part.n)
                                       FROM unnest(r.parts) AS pk
                                       JOIN cell part ON part.number = r.number
                                                     AND part.key = pk),
               ARRAY[1, -1] || array_fill(-1, ARRAY[cardinality(r.parts)])
           )::tablero_release_equation AS equation
    FROM unnest(v_relations) AS r
    JOIN cell m ON m.number = r.number AND m.key = r.margin
    JOIN idx rest ON rest.kind = 2 AND rest.number = r.number AND rest.position = r.position
    UNION ALL
    SELECT ROW(ARRAY[ch.n] || coalesce(ARRAY[later.n], '{}') || coalesce(ARRAY[earlier.n], '{}'),
               ARRAY[-1] || CASE WHEN later.n IS NULL THEN '{}'::integer[] ELSE ARRAY[1] END
                         || CASE WHEN earlier.n IS NULL THEN '{}'::integer[] ELSE ARRAY[-1] END
           )::tablero_release_equation
    FROM idx ch
    LEFT JOIN cell later ON later.number = ch.number AND later.key = ch.key
    LEFT JOIN cell earlier ON earlier.number = ch.position AND earlier.key = ch.key
    WHERE ch.kind = 3) AS x;

  -- 3. Complementary suppression (suppression.System.complete): hide the cell of this
  -- release nearest a disclosed unknown until no audience, alone or joined by any one
  -- partner's people, can compute anything protected.
  -- Cells of this release an earlier one showed, none of whose contributions changed since:
  -- everyone knows them already, so hiding them covers nothing.
  v_known_anyway := array_fill(false, ARRAY[cardinality(u)]);
  FOR i IN 1 .. cardinality(u) LOOP
    CONTINUE WHEN u[i].kind <> 3 OR u[i].number <> v_current
                  OR cardinality(u[i].p_partner) > 0;
    FOR j IN 1 .. cardinality(u) LOOP
      IF u[j].kind = 1 AND u[j].number = u[i].position AND u[j].key = u[i].key
         AND u[j].reason IS NULL THEN
        FOR k IN 1 .. cardinality(u) LOOP
          IF u[k].kind = 1 AND u[k].number = v_current AND u[k].key = u[i].key THEN
            v_known_anyway[k] := true;
          END IF;
        END LOOP;
      END IF;
    END LOOP;
  END LOOP;
  -- the relations of this release alone
  SELECT coalesce(array_agg(x), '{}') INTO v_alone FROM unnest(eq) AS x
  WHERE NOT EXISTS (SELECT FROM unnest(x.members) AS m
                    WHERE u[m].kind = 3 OR u[m].number <> v_current);
  v_hidden := array_fill(false, ARRAY[cardinality(u)]);
  LOOP
    FOR i IN 1 .. cardinality(u) LOOP
      v_hidden[i] := u[i].kind <> 1 OR u[i].reason IS NOT NULL;
    END LOOP;
    v_found := tablero_release_disclosed(u, eq, v_hidden, v_aggregation, v_min_partners,
                                         v_min_cell, v_max_dominance, v_funders);
    v_disclosed := (SELECT min(x) FROM unnest(v_found) AS x);
    EXIT WHEN v_disclosed IS NULL;

    -- The cover: the smallest shown cell of this release nearest the disclosed unknown
    -- through the relations (suppression.System.cover).
    v_extra := NULL;
    v_reached := array_fill(false, ARRAY[cardinality(u)]);
    v_reached[v_disclosed] := true;
    v_frontier := v_reached;
    LOOP
      v_next := array_fill(false, ARRAY[cardinality(u)]);
      v_any := false;
      FOR e IN 1 .. coalesce(cardinality(eq), 0) LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM unnest(eq[e].members) AS m WHERE v_frontier[m]);
        FOREACH j IN ARRAY eq[e].members LOOP
          IF u[j].kind = 1 AND u[j].number = v_current AND u[j].reason IS NULL
             AND NOT v_known_anyway[j]
             AND (v_extra IS NULL OR u[j].people < u[v_extra].people
                  OR (u[j].people = u[v_extra].people AND j < v_extra)) THEN
            v_extra := j;
          END IF;
          IF NOT v_reached[j] THEN
            v_next[j] := true;
            v_any := true;
          END IF;
        END LOOP;
      END LOOP;
      EXIT WHEN v_extra IS NOT NULL OR NOT v_any;
      FOR j IN 1 .. cardinality(u) LOOP
        v_reached[j] := v_reached[j] OR v_next[j];
      END LOOP;
      v_frontier := v_next;
    END LOOP;
    EXIT WHEN v_extra IS NULL;  -- nothing of this release left to hide around it
    -- COMPLEMENTARY when this release would give it away on its own, REVISION when only
    -- beside an earlier release
    u[v_extra].reason := CASE
      WHEN u[v_disclosed].kind <> 3 AND u[v_disclosed].number = v_current
           AND v_disclosed = ANY (tablero_release_disclosed(
                 u, v_alone, v_hidden, v_aggregation, v_min_partners, v_min_cell,
                 v_max_dominance, v_funders))
      THEN 'complementary' ELSE 'revision' END;
  END LOOP;

  -- 4. The cells of this release: a value, or the reason it is hidden and nothing else.
  INSERT INTO release_cell (collaborative_id, release_id, shared_measure_id, period_start,
                            breakdown, breakdown_key, dimensions, value, partners, n, reason,
                            unstable)
  SELECT p_collaborative, p_release, p_shared_measure, v_period, x.breakdown, x.key,
         (SELECT coalesce(string_agg(d, ',' ORDER BY d COLLATE "C"), '')
          FROM jsonb_object_keys(x.breakdown) AS d),
         CASE WHEN x.reason IS NOT NULL THEN NULL
              WHEN v_aggregation = 'sum' THEN x.total_a
              WHEN v_aggregation = 'rate' THEN x.total_a / x.total_b * v_scale
              ELSE x.total_a / x.total_b END,
         CASE WHEN x.reason IS NULL THEN x.partners END,
         CASE WHEN x.reason IS NULL AND x.people < 'Infinity'::double precision
              THEN x.people END,
         x.reason,
         x.reason IS NULL AND ((v_aggregation = 'rate' AND x.total_a <= 20)
                               OR (v_aggregation = 'mean' AND x.total_b <= 20))
  FROM unnest(u) AS x
  WHERE x.kind = 1 AND x.number = v_current;
  GET DIAGNOSTICS v_written = ROW_COUNT;
  RETURN v_written;
END $$;

-- A release of a closed period: every shared measure of its granularity, decided with
-- every earlier release of the period known. Who released it is recorded; the values it
-- counted may never be read more widely than they could be now. Returns the release.
CREATE FUNCTION tablero_release(
  p_collaborative uuid, p_granularity text, p_period date, p_note text, p_by uuid,
  p_automatic boolean)
RETURNS uuid LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_release uuid := gen_random_uuid();
  v_number integer;
  v_today date;
  v_measure uuid;
  v_account text := current_setting('tablero.account_id', true);
  v_api_key text := current_setting('tablero.api_key_id', true);
BEGIN
  SELECT (now() AT TIME ZONE c.time_zone)::date INTO v_today
  FROM collaborative c WHERE c.id = p_collaborative;
  IF tablero_period_end(p_granularity, p_period) > v_today THEN
    RAISE EXCEPTION 'the period has not ended' USING ERRCODE = 'check_violation';
  END IF;
  -- one release of a period at a time
  PERFORM pg_advisory_xact_lock(
    hashtextextended(p_collaborative::text || p_granularity || p_period::text, 13));
  SELECT coalesce(max(number), 0) + 1 INTO v_number FROM release
  WHERE collaborative_id = p_collaborative AND granularity = p_granularity
    AND period_start = p_period;
  INSERT INTO reporting_period (collaborative_id, granularity, period_start)
  VALUES (p_collaborative, p_granularity, p_period) ON CONFLICT DO NOTHING;
  INSERT INTO release (collaborative_id, id, granularity, period_start, number, released_by,
                       automatic, note, parents)
  VALUES (p_collaborative, v_release, p_granularity, p_period, v_number, p_by, p_automatic,
          coalesce(p_note, ''),
          (SELECT coalesce(jsonb_agg(jsonb_build_object('d', d.key, 'c', c.key,
                                                        'pd', bd.key, 'pc', b.key)
                                     ORDER BY d.key, c.key), '[]')
           FROM dimension d
           JOIN dimension_category c ON c.collaborative_id = d.collaborative_id
             AND c.dimension_id = d.id
           JOIN dimension_category b ON b.collaborative_id = c.collaborative_id
             AND b.id = c.rolls_up_to_id
           JOIN dimension bd ON bd.collaborative_id = b.collaborative_id
             AND bd.id = b.dimension_id
           WHERE d.collaborative_id = p_collaborative));
  -- What the release writes of partners' values (the shares it counts, the caps on what it
  -- counted) is the release's own doing: the audit trail must not show it to whoever asked
  -- for the release as "their own change".
  PERFORM set_config('tablero.account_id', '', true);
  PERFORM set_config('tablero.api_key_id', '', true);
  FOR v_measure IN
    SELECT id FROM shared_measure
    WHERE collaborative_id = p_collaborative AND granularity = p_granularity ORDER BY id
  LOOP
    PERFORM tablero_release_measure(p_collaborative, v_release, v_measure);
  END LOOP;
  UPDATE observation o SET visibility_cap = o.widest_visibility
  FROM (SELECT DISTINCT unnest(versions) AS id FROM release_share
        WHERE collaborative_id = p_collaborative AND release_id = v_release) AS counted
  WHERE o.collaborative_id = p_collaborative AND o.id = counted.id
    AND o.widest_visibility <> 'public'
    AND (o.visibility_cap IS NULL OR o.visibility_cap <> o.widest_visibility);
  UPDATE release r SET
    cells_shown = s.shown, cells_hidden = s.hidden, cells_withheld = s.withheld,
    cells_changed = s.changed, cells_newly_shown = s.newly_shown
  FROM (
    SELECT count(*) FILTER (WHERE c.reason IS NULL) AS shown,
           count(*) FILTER (WHERE c.reason IS NOT NULL) AS hidden,
           count(*) FILTER (WHERE c.reason = 'revision') AS withheld,
           count(*) FILTER (WHERE c.reason IS NULL AND before.reason IS NULL
                            AND before.value IS DISTINCT FROM c.value) AS changed,
           count(*) FILTER (WHERE c.reason IS NULL
                            AND (before.breakdown_key IS NULL OR before.reason IS NOT NULL))
             AS newly_shown
    FROM release_cell c
    LEFT JOIN release previous ON previous.collaborative_id = p_collaborative
      AND previous.granularity = p_granularity AND previous.period_start = p_period
      AND previous.number = v_number - 1
    LEFT JOIN release_cell before ON before.collaborative_id = p_collaborative
      AND before.release_id = previous.id AND before.shared_measure_id = c.shared_measure_id
      AND before.breakdown_key = c.breakdown_key
    WHERE c.collaborative_id = p_collaborative AND c.release_id = v_release) AS s
  WHERE r.collaborative_id = p_collaborative AND r.id = v_release;
  PERFORM set_config('tablero.account_id', coalesce(v_account, ''), true);
  PERFORM set_config('tablero.api_key_id', coalesce(v_api_key, ''), true);
  RETURN v_release;
END $$;

-- The backbone's people release a closed period of their collaborative (not a system's key).
CREATE FUNCTION tablero_release_period(
  p_collaborative uuid, p_granularity text, p_period date, p_note text)
RETURNS uuid LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NOT coalesce(p_collaborative = ANY (tablero_backbone_of()), false)
     OR tablero_api_key_id() IS NOT NULL THEN
    RAISE EXCEPTION 'only the backbone releases a period' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN tablero_release(p_collaborative, p_granularity, p_period, p_note,
                         tablero_account_id(), false);
END $$;

-- Every period whose reporting deadline has passed and that was never released, in every
-- collaborative that releases on its deadline. Anyone may ask: it only does what the
-- deadline does anyway. Returns how many periods it released.
CREATE FUNCTION tablero_release_due() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_due record;
  v_count integer := 0;
BEGIN
  FOR v_due IN
    SELECT p.collaborative_id, p.granularity, p.period_start
    FROM reporting_period p JOIN collaborative c ON c.id = p.collaborative_id
    WHERE c.release_after_days IS NOT NULL
      AND tablero_period_end(p.granularity, p.period_start) + c.release_after_days
          <= (now() AT TIME ZONE c.time_zone)::date
      AND NOT EXISTS (SELECT FROM release r
                      WHERE r.collaborative_id = p.collaborative_id
                        AND r.granularity = p.granularity
                        AND r.period_start = p.period_start)
    ORDER BY p.collaborative_id, p.period_start, p.granularity
  LOOP
    PERFORM tablero_release(v_due.collaborative_id, v_due.granularity, v_due.period_start,
                            '', NULL, true);
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END $$;
