"""measurement core

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:17:25.791545
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


API = "tablero_api"
MEMBER = "collaborative_id = ANY ((SELECT tablero_member_of())::uuid[])"
BACKBONE = "collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])"
OWNS = "partner_id = ANY ((SELECT tablero_partner_ids())::uuid[])"
AGENDA_TABLES = ("domain", "result", "dimension", "dimension_category", "shared_measure")
RLS_TABLES = (
    *AGENDA_TABLES,
    "indicator",
    "indicator_dimension",
    "performance_measure",
    "measure_dimension",
    "measure_contribution",
    "measure_visibility_change",
    "observation",
    "observation_batch",
    "target",
)
FUNCTIONS = (
    "tablero_observation_owner()",
    "tablero_keep_measure_owner()",
    "tablero_measure_visibility_changed()",
    "tablero_indicator_visibility_changed()",
)

VISIBLE_MEASURE = f"""(
  visibility = 'public'
  OR (visibility = 'collaborative' AND {MEMBER})
  OR {OWNS})"""
# An indicator under discussion is for members; adopted ones are shown as the table chose.
VISIBLE_INDICATOR = f"((visibility = 'public' AND status <> 'proposed') OR {MEMBER})"
# Owners see their drafts; everyone else sees published rows as their measure allows.
VISIBLE_OBSERVATION = f"""(
  {OWNS}
  OR (partner_id IS NULL AND {BACKBONE})
  OR (status = 'published' AND (visibility = 'public'
      OR (visibility = 'collaborative' AND {MEMBER}))))"""
WRITES_OBSERVATION = f"({OWNS} OR (partner_id IS NULL AND {BACKBONE}))"


def _exists(table: str, column: str, extra: str = "") -> str:
    """A row of `table` the viewer can see (its own RLS applies inside the subquery)."""
    return (
        f"EXISTS (SELECT 1 FROM {table} s WHERE s.collaborative_id = "
        f"{{t}}.collaborative_id AND s.id = {{t}}.{column}{extra})"
    )


def _policies() -> list[str]:
    statements = []
    for table in AGENDA_TABLES:
        statements += [
            f"CREATE POLICY api_read ON {table} FOR SELECT TO {API} USING (true)",
            f"CREATE POLICY api_create ON {table} FOR INSERT TO {API} WITH CHECK ({BACKBONE})",
            f"CREATE POLICY api_update ON {table} FOR UPDATE TO {API} USING ({BACKBONE}) "
            f"WITH CHECK ({BACKBONE})",
        ]
    owned_measure = _exists(
        "performance_measure",
        "measure_id",
        " AND s.partner_id = ANY ((SELECT tablero_partner_ids())::uuid[])",
    )
    visible_measure = _exists("performance_measure", "measure_id")
    visible_indicator = _exists("indicator", "indicator_id")
    statements += [
        f"CREATE POLICY api_read ON indicator FOR SELECT TO {API} USING {VISIBLE_INDICATOR}",
        f"CREATE POLICY api_create ON indicator FOR INSERT TO {API} WITH CHECK ({BACKBONE})",
        f"CREATE POLICY api_update ON indicator FOR UPDATE TO {API} USING ({BACKBONE}) "
        f"WITH CHECK ({BACKBONE})",
        f"CREATE POLICY api_read ON indicator_dimension FOR SELECT TO {API} "
        f"USING ({visible_indicator.format(t='indicator_dimension')})",
        f"CREATE POLICY api_write ON indicator_dimension FOR ALL TO {API} "
        f"USING ({BACKBONE}) WITH CHECK ({BACKBONE})",
        f"CREATE POLICY api_read ON performance_measure FOR SELECT TO {API} "
        f"USING {VISIBLE_MEASURE}",
        f"CREATE POLICY api_create ON performance_measure FOR INSERT TO {API} WITH CHECK ({OWNS})",
        f"CREATE POLICY api_update ON performance_measure FOR UPDATE TO {API} "
        f"USING ({OWNS}) WITH CHECK ({OWNS})",
        f"CREATE POLICY api_read ON measure_visibility_change FOR SELECT TO {API} USING ({OWNS})",
        f"CREATE POLICY api_create ON measure_visibility_change FOR INSERT TO {API} "
        f"WITH CHECK ({OWNS})",
        f"CREATE POLICY api_read ON observation FOR SELECT TO {API} USING {VISIBLE_OBSERVATION}",
        f"CREATE POLICY api_create ON observation FOR INSERT TO {API} "
        f"WITH CHECK {WRITES_OBSERVATION}",
        f"CREATE POLICY api_update ON observation FOR UPDATE TO {API} "
        f"USING {WRITES_OBSERVATION} WITH CHECK {WRITES_OBSERVATION}",
        f"CREATE POLICY api_read ON observation_batch FOR SELECT TO {API} "
        f"USING {WRITES_OBSERVATION}",
        f"CREATE POLICY api_create ON observation_batch FOR INSERT TO {API} "
        f"WITH CHECK {WRITES_OBSERVATION}",
    ]
    for table in ("measure_dimension", "measure_contribution"):
        statements += [
            f"CREATE POLICY api_read ON {table} FOR SELECT TO {API} "
            f"USING ({visible_measure.format(t=table)})",
            f"CREATE POLICY api_write ON {table} FOR ALL TO {API} "
            f"USING ({owned_measure.format(t=table)}) "
            f"WITH CHECK ({owned_measure.format(t=table)})",
        ]
    target_read = (
        f"(measure_id IS NOT NULL AND {visible_measure.format(t='target')}) OR "
        f"(indicator_id IS NOT NULL AND {visible_indicator.format(t='target')})"
    )
    target_write = (
        f"(measure_id IS NOT NULL AND {owned_measure.format(t='target')}) OR "
        f"(indicator_id IS NOT NULL AND {BACKBONE})"
    )
    statements += [
        f"CREATE POLICY api_read ON target FOR SELECT TO {API} USING ({target_read})",
        f"CREATE POLICY api_write ON target FOR ALL TO {API} USING ({target_write}) "
        f"WITH CHECK ({target_write})",
    ]
    return statements


TRIGGERS = [
    # An observation's owner and visibility are its measure's (or its indicator's), whatever
    # the client sent. Runs as the caller: a measure the caller cannot see is not found.
    """CREATE FUNCTION tablero_observation_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.measure_id IS NOT NULL THEN
    SELECT m.partner_id, m.visibility INTO NEW.partner_id, NEW.visibility
      FROM performance_measure m
      WHERE m.collaborative_id = NEW.collaborative_id AND m.id = NEW.measure_id;
  ELSE
    SELECT NULL, i.visibility INTO NEW.partner_id, NEW.visibility
      FROM indicator i
      WHERE i.collaborative_id = NEW.collaborative_id AND i.id = NEW.indicator_id;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no measure or indicator with this id' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER observation_owner BEFORE INSERT ON observation
  FOR EACH ROW EXECUTE FUNCTION tablero_observation_owner()""",
    # A measure stays with the partner that defined it.
    """CREATE FUNCTION tablero_keep_measure_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.partner_id IS DISTINCT FROM OLD.partner_id THEN
    RAISE EXCEPTION 'a measure cannot change its owner' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER keep_owner BEFORE UPDATE ON performance_measure
  FOR EACH ROW EXECUTE FUNCTION tablero_keep_measure_owner()""",
    # Changing who sees a measure is recorded, and carried to its observations at once. The
    # function runs as the owner role: observations' visibility is not the API's to write.
    """CREATE FUNCTION tablero_measure_visibility_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO measure_visibility_change
    (collaborative_id, id, measure_id, partner_id, from_visibility, to_visibility, changed_by)
  VALUES (NEW.collaborative_id, gen_random_uuid(), NEW.id, NEW.partner_id,
          OLD.visibility, NEW.visibility, tablero_account_id());
  UPDATE observation SET visibility = NEW.visibility
    WHERE collaborative_id = NEW.collaborative_id AND measure_id = NEW.id;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER visibility_changed AFTER UPDATE OF visibility ON performance_measure
  FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility)
  EXECUTE FUNCTION tablero_measure_visibility_changed()""",
    """CREATE FUNCTION tablero_indicator_visibility_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  UPDATE observation SET visibility = NEW.visibility
    WHERE collaborative_id = NEW.collaborative_id AND indicator_id = NEW.id;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER visibility_changed AFTER UPDATE OF visibility ON indicator
  FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility)
  EXECUTE FUNCTION tablero_indicator_visibility_changed()""",
]

GRANTS = [
    f"GRANT SELECT, INSERT, UPDATE ON {', '.join(AGENDA_TABLES)}, indicator, "
    f"performance_measure TO {API}",
    f"GRANT SELECT, INSERT, DELETE ON indicator_dimension, measure_dimension, "
    f"measure_contribution TO {API}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON target TO {API}",
    f"GRANT SELECT, INSERT ON measure_visibility_change, observation_batch TO {API}",
    # Values are never changed in place: only which revision is current, and publishing.
    f"GRANT SELECT, INSERT ON observation TO {API}",
    f"GRANT UPDATE (is_current, status) ON observation TO {API}",
]


def _secure() -> None:
    for table in RLS_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)"
        )
    for statement in [*_policies(), *TRIGGERS, *GRANTS]:
        op.execute(statement)


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "dimension",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("key ~ '^[a-z0-9][a-z0-9_]*$'", name=op.f("ck_dimension_key_format")),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_dimension_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_dimension")),
        sa.UniqueConstraint(
            "collaborative_id", "key", name=op.f("uq_dimension_collaborative_id_key")
        ),
    )
    op.create_table(
        "domain",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_domain_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_domain")),
        sa.UniqueConstraint(
            "collaborative_id", "name", name=op.f("uq_domain_collaborative_id_name")
        ),
    )
    op.create_table(
        "shared_measure",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("definition", sa.String(4000), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "count",
                "percent",
                "rate",
                "currency",
                "score",
                "duration",
                "ratio",
                name="unit",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "higher_is_better",
                "lower_is_better",
                name="direction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("numerator_definition", sa.String(2000), nullable=False),
        sa.Column("denominator_definition", sa.String(2000), nullable=False),
        sa.Column(
            "aggregation",
            sa.Enum(
                "sum",
                "rate",
                "mean",
                name="aggregation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "granularity",
            sa.Enum(
                "month",
                "quarter",
                "year",
                "school_year",
                name="granularity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "ratified",
                "retired",
                name="shared_measure_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_shared_measure_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_shared_measure")),
        sa.UniqueConstraint(
            "collaborative_id", "name", name=op.f("uq_shared_measure_collaborative_id_name")
        ),
    )
    op.create_table(
        "dimension_category",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dimension_id", sa.Uuid(), nullable=False),
        sa.Column("rolls_up_to_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "key ~ '^[a-z0-9][a-z0-9_]*$'", name=op.f("ck_dimension_category_key_format")
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "dimension_id"],
            ["dimension.collaborative_id", "dimension.id"],
            name=op.f("fk_dimension_category_collaborative_id_dimension_id_dimension"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "rolls_up_to_id"],
            ["dimension_category.collaborative_id", "dimension_category.id"],
            name=op.f("fk_dimension_category_collaborative_id_rolls_up_to_id_dimension_category"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_dimension_category_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_dimension_category")),
        sa.UniqueConstraint(
            "collaborative_id",
            "dimension_id",
            "key",
            name=op.f("uq_dimension_category_collaborative_id_dimension_id_key"),
        ),
    )
    op.create_table(
        "performance_measure",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column(
            "quadrant",
            sa.Enum(
                "how_much",
                "how_well",
                "better_off",
                name="quadrant",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "unit",
            sa.Enum(
                "count",
                "percent",
                "rate",
                "currency",
                "score",
                "duration",
                "ratio",
                name="unit",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "higher_is_better",
                "lower_is_better",
                name="direction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "granularity",
            sa.Enum(
                "month",
                "quarter",
                "year",
                "school_year",
                name="granularity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "visibility",
            sa.Enum(
                "private",
                "collaborative",
                "public",
                name="visibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("share_in_aggregates", sa.Boolean(), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("shared_measure_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "partner_id"],
            ["partner.collaborative_id", "partner.id"],
            name=op.f("fk_performance_measure_collaborative_id_partner_id_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "shared_measure_id"],
            ["shared_measure.collaborative_id", "shared_measure.id"],
            name=op.f("fk_performance_measure_collaborative_id_shared_measure_id_shared_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_performance_measure_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_performance_measure")),
        sa.UniqueConstraint(
            "collaborative_id",
            "partner_id",
            "name",
            name=op.f("uq_performance_measure_collaborative_id_partner_id_name"),
        ),
    )
    op.create_index(
        op.f("ix_performance_measure_partner_id"),
        "performance_measure",
        ["partner_id"],
        unique=False,
    )
    op.create_table(
        "result",
        sa.Column("statement", sa.String(500), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("domain_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "domain_id"],
            ["domain.collaborative_id", "domain.id"],
            name=op.f("fk_result_collaborative_id_domain_id_domain"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_result_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_result")),
    )
    op.create_table(
        "indicator",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("definition", sa.String(4000), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "count",
                "percent",
                "rate",
                "currency",
                "score",
                "duration",
                "ratio",
                name="unit",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "higher_is_better",
                "lower_is_better",
                name="direction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "population",
                "systems",
                name="indicator_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("data_source", sa.String(500), nullable=False),
        sa.Column(
            "granularity",
            sa.Enum(
                "month",
                "quarter",
                "year",
                "school_year",
                name="granularity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("baseline_period_start", sa.Date(), nullable=True),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column(
            "visibility",
            sa.Enum(
                "collaborative",
                "public",
                name="visibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("result_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "ratified",
                "retired",
                name="indicator_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "result_id"],
            ["result.collaborative_id", "result.id"],
            name=op.f("fk_indicator_collaborative_id_result_id_result"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_indicator_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_indicator")),
        sa.UniqueConstraint(
            "collaborative_id", "name", name=op.f("uq_indicator_collaborative_id_name")
        ),
    )
    op.create_table(
        "measure_dimension",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("dimension_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "dimension_id"],
            ["dimension.collaborative_id", "dimension.id"],
            name=op.f("fk_measure_dimension_collaborative_id_dimension_id_dimension"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f("fk_measure_dimension_collaborative_id_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_measure_dimension_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint(
            "collaborative_id", "measure_id", "dimension_id", name=op.f("pk_measure_dimension")
        ),
    )
    op.create_table(
        "measure_visibility_change",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_visibility",
            sa.Enum(
                "private",
                "collaborative",
                "public",
                name="from_visibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_visibility",
            sa.Enum(
                "private",
                "collaborative",
                "public",
                name="to_visibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f(
                "fk_measure_visibility_change_collaborative_id_measure_id_performance_measure"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_measure_visibility_change_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint(
            "collaborative_id", "id", name=op.f("pk_measure_visibility_change")
        ),
    )
    op.create_index(
        op.f("ix_measure_visibility_change_measure_id"),
        "measure_visibility_change",
        ["measure_id"],
        unique=False,
    )
    op.create_table(
        "indicator_dimension",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("dimension_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "dimension_id"],
            ["dimension.collaborative_id", "dimension.id"],
            name=op.f("fk_indicator_dimension_collaborative_id_dimension_id_dimension"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"],
            ["indicator.collaborative_id", "indicator.id"],
            name=op.f("fk_indicator_dimension_collaborative_id_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_indicator_dimension_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint(
            "collaborative_id", "indicator_id", "dimension_id", name=op.f("pk_indicator_dimension")
        ),
    )
    op.create_table(
        "measure_contribution",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("result_id", sa.Uuid(), nullable=True),
        sa.Column("indicator_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(result_id IS NULL) <> (indicator_id IS NULL)",
            name=op.f("ck_measure_contribution_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"],
            ["indicator.collaborative_id", "indicator.id"],
            name=op.f("fk_measure_contribution_collaborative_id_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f("fk_measure_contribution_collaborative_id_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "result_id"],
            ["result.collaborative_id", "result.id"],
            name=op.f("fk_measure_contribution_collaborative_id_result_id_result"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_measure_contribution_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_measure_contribution")),
        sa.UniqueConstraint(
            "collaborative_id",
            "measure_id",
            "result_id",
            "indicator_id",
            name=op.f("uq_measure_contribution_collaborative_id_measure_id_result_id_indicator_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_table(
        "observation",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("indicator_id", sa.Uuid(), nullable=True),
        sa.Column(
            "subject_id",
            sa.Uuid(),
            sa.Computed("coalesce(measure_id, indicator_id)", persisted=True),
            nullable=False,
        ),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "visibility",
            sa.Enum(
                "private",
                "collaborative",
                "public",
                name="visibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "granularity",
            sa.Enum(
                "month",
                "quarter",
                "year",
                "school_year",
                name="granularity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("breakdown", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("breakdown_key", sa.String(1000), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("suppressed_at_source", sa.String(16), nullable=True),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("previous_id", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", sa.String(2000), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_account", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_api_key", sa.Uuid(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(measure_id IS NULL) <> (indicator_id IS NULL)",
            name=op.f("ck_observation_one_subject"),
        ),
        sa.CheckConstraint(
            "(value IS NULL) <> (suppressed_at_source IS NULL)",
            name=op.f("ck_observation_value_or_suppressed"),
        ),
        sa.CheckConstraint("n IS NULL OR n >= 0", name=op.f("ck_observation_n_not_negative")),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"],
            ["indicator.collaborative_id", "indicator.id"],
            name=op.f("fk_observation_collaborative_id_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f("fk_observation_collaborative_id_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_observation_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_observation")),
    )
    op.create_index(
        "ix_observation_subject_period",
        "observation",
        ["subject_id", "period_start"],
        unique=False,
        postgresql_where=sa.text("is_current"),
    )
    op.create_index(
        "uq_observation_current_cell",
        "observation",
        ["collaborative_id", "subject_id", "granularity", "period_start", "breakdown_key"],
        unique=True,
        postgresql_where=sa.text("is_current"),
    )
    op.create_table(
        "observation_batch",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("indicator_id", sa.Uuid(), nullable=True),
        sa.Column(
            "subject_id",
            sa.Uuid(),
            sa.Computed("coalesce(measure_id, indicator_id)", persisted=True),
            nullable=False,
        ),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("client_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("observation_ids", sa.ARRAY(sa.Uuid()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(measure_id IS NULL) <> (indicator_id IS NULL)",
            name=op.f("ck_observation_batch_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"],
            ["indicator.collaborative_id", "indicator.id"],
            name=op.f("fk_observation_batch_collaborative_id_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f("fk_observation_batch_collaborative_id_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_observation_batch_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_observation_batch")),
        sa.UniqueConstraint(
            "collaborative_id",
            "subject_id",
            "client_key",
            name=op.f("uq_observation_batch_collaborative_id_subject_id_client_key"),
        ),
    )
    op.create_table(
        "target",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("indicator_id", sa.Uuid(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("breakdown", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("breakdown_key", sa.String(1000), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(measure_id IS NULL) <> (indicator_id IS NULL)", name=op.f("ck_target_one_subject")
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"],
            ["indicator.collaborative_id", "indicator.id"],
            name=op.f("fk_target_collaborative_id_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f("fk_target_collaborative_id_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_target_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_target")),
        sa.UniqueConstraint(
            "collaborative_id",
            "measure_id",
            "indicator_id",
            "breakdown_key",
            "period_start",
            name=op.f(
                "uq_target_collaborative_id_measure_id_indicator_id_breakdown_key_period_start"
            ),
            postgresql_nulls_not_distinct=True,
        ),
    )
    # ### end Alembic commands ###
    _secure()


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function} CASCADE")
    op.drop_table("target")
    op.drop_table("observation_batch")
    op.drop_index(
        "uq_observation_current_cell",
        table_name="observation",
        postgresql_where=sa.text("is_current"),
    )
    op.drop_index(
        "ix_observation_subject_period",
        table_name="observation",
        postgresql_where=sa.text("is_current"),
    )
    op.drop_table("observation")
    op.drop_table("measure_contribution")
    op.drop_table("indicator_dimension")
    op.drop_index(
        op.f("ix_measure_visibility_change_measure_id"), table_name="measure_visibility_change"
    )
    op.drop_table("measure_visibility_change")
    op.drop_table("measure_dimension")
    op.drop_table("indicator")
    op.drop_table("result")
    op.drop_index(op.f("ix_performance_measure_partner_id"), table_name="performance_measure")
    op.drop_table("performance_measure")
    op.drop_table("dimension_category")
    op.drop_table("shared_measure")
    op.drop_table("domain")
    op.drop_table("dimension")
    # ### end Alembic commands ###
