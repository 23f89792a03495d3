"""releases: aggregates published per closed period, as stored cells, revised openly

A period's shared-measure aggregates reach readers only through a release
(`tablero_release_period`, the backbone's; `tablero_release_due`, the reporting deadline's).
A release decides every cell once, with every earlier release of the period counted as
known, and stores the publishable cells (`release_cell`, readable by members and funders)
and what it counted (`release_share`, the owner's alone). Observations remember the widest
audience that ever could read them, and a value a release counted may never be read more
widely afterwards. The functions are in migrations/sql/0013_releases.sql.

`tablero_aggregate_cells` (0004), which decided the cube anew on every request, is gone;
its linear-algebra helper stays for the releases.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from migrations.sql_scripts import statements

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
OLD_CELLS = "tablero_aggregate_cells(uuid)"
OLD_HELPERS = (
    "tablero_cells_exposed(uuid[], boolean[], double precision[], double precision[], "
    "double precision[], uuid[], text, integer, integer, double precision)",
    "tablero_cells_unsafe(boolean[], double precision[], double precision[], "
    "double precision[], text, integer, integer, double precision)",
)
GRANULARITY = sa.Enum(
    "month",
    "quarter",
    "year",
    "school_year",
    name="granularity",
    native_enum=False,
    create_constraint=True,
    length=32,
)


def _visibility(name: str) -> sa.Enum:
    return sa.Enum(
        "private",
        "collaborative",
        "public",
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
    )


# Members and funders of a collaborative read its releases (policy.can_read_aggregates).
READERS = """
CREATE FUNCTION tablero_aggregate_readers_of() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT tablero_member_of() || coalesce(
    (SELECT array_agg(DISTINCT p.collaborative_id) FROM partner p
     WHERE p.id = ANY (tablero_partner_ids())), '{}')
$$"""
READER = "collaborative_id = ANY ((SELECT tablero_aggregate_readers_of())::uuid[])"
MEMBER = "collaborative_id = ANY ((SELECT tablero_member_of())::uuid[])"
# A proposed shared measure's cells stay among members, as the measure itself does (0012).
CELL_READER = (
    f"{MEMBER} OR ({READER} AND EXISTS (SELECT FROM shared_measure s "
    "WHERE s.collaborative_id = release_cell.collaborative_id "
    "AND s.id = release_cell.shared_measure_id AND s.status <> 'proposed'))"
)
FUNCTIONS_FOR_API = (
    "tablero_release_period(uuid, text, date, text)",
    "tablero_release_due()",
)
OWNERS_ONLY = (
    "tablero_release(uuid, text, date, text, uuid, boolean)",
    "tablero_release_measure(uuid, uuid, uuid)",
    "tablero_release_exposed(uuid[], boolean[], double precision[], double precision[], "
    "double precision[], uuid[], boolean[], double precision[], double precision[], "
    "double precision[], boolean, uuid[], boolean[], double precision[], double precision[], "
    "double precision[], boolean, uuid[], text, integer, integer, double precision)",
    "tablero_release_unsafe(uuid[], boolean[], double precision[], double precision[], "
    "double precision[], uuid, text, integer, integer, double precision)",
    "tablero_release_singles_out(uuid[], boolean[], double precision[], double precision[], "
    "double precision[], uuid[], text, integer, integer, double precision)",
    "tablero_open_reporting_periods()",
    "tablero_release_disclosed(tablero_release_unknown[], tablero_release_equation[], "
    "boolean[], text, integer, integer, double precision, uuid[])",
)


def _tables() -> None:
    op.create_table(
        "reporting_period",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("granularity", GRANULARITY, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column(
            "opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_reporting_period_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint(
            "collaborative_id", "granularity", "period_start", name=op.f("pk_reporting_period")
        ),
    )
    op.create_table(
        "release",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("granularity", GRANULARITY, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "released_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("released_by", sa.Uuid(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("parents", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cells_shown", sa.Integer(), nullable=False),
        sa.Column("cells_hidden", sa.Integer(), nullable=False),
        sa.Column("cells_withheld", sa.Integer(), nullable=False),
        sa.Column("cells_changed", sa.Integer(), nullable=False),
        sa.Column("cells_newly_shown", sa.Integer(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_release_number_positive")),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "granularity", "period_start"],
            [
                "reporting_period.collaborative_id",
                "reporting_period.granularity",
                "reporting_period.period_start",
            ],
            name=op.f("fk_release_collaborative_id_granularity_period_start_reporting_period"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_release_collaborative_id_collaborative"),
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["account.id"], name=op.f("fk_release_released_by_account")
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_release")),
        sa.UniqueConstraint(
            "collaborative_id",
            "granularity",
            "period_start",
            "number",
            name=op.f("uq_release_collaborative_id_granularity_period_start_number"),
        ),
    )
    for column in ("automatic",):
        op.alter_column("release", column, server_default=sa.false())
    for column in (
        "cells_shown",
        "cells_hidden",
        "cells_withheld",
        "cells_changed",
        "cells_newly_shown",
    ):
        op.alter_column("release", column, server_default="0")
    op.create_table(
        "release_cell",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("shared_measure_id", sa.Uuid(), nullable=False),
        sa.Column("breakdown_key", sa.String(1000), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("breakdown", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dimensions", sa.String(1000), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("partners", sa.Integer(), nullable=True),
        sa.Column("n", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("unstable", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(value IS NULL) <> (reason IS NULL)", name=op.f("ck_release_cell_value_or_reason")
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "release_id"],
            ["release.collaborative_id", "release.id"],
            name=op.f("fk_release_cell_collaborative_id_release_id_release"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "shared_measure_id"],
            ["shared_measure.collaborative_id", "shared_measure.id"],
            name=op.f("fk_release_cell_collaborative_id_shared_measure_id_shared_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_release_cell_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint(
            "collaborative_id",
            "release_id",
            "shared_measure_id",
            "breakdown_key",
            name=op.f("pk_release_cell"),
        ),
    )
    op.create_index(
        "ix_release_cell_measure_period",
        "release_cell",
        ["collaborative_id", "shared_measure_id", "dimensions", "period_start"],
        unique=False,
    )
    op.create_table(
        "release_share",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("shared_measure_id", sa.Uuid(), nullable=False),
        sa.Column("breakdown_key", sa.String(1000), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("visibility", _visibility("visibility"), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("breakdown", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("a", sa.Float(), nullable=True),
        sa.Column("b", sa.Float(), nullable=True),
        sa.Column("people", sa.Float(), nullable=True),
        sa.Column("versions", sa.ARRAY(sa.Uuid()), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f("fk_release_share_collaborative_id_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "partner_id"],
            ["partner.collaborative_id", "partner.id"],
            name=op.f("fk_release_share_collaborative_id_partner_id_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "release_id"],
            ["release.collaborative_id", "release.id"],
            name=op.f("fk_release_share_collaborative_id_release_id_release"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "shared_measure_id"],
            ["shared_measure.collaborative_id", "shared_measure.id"],
            name=op.f("fk_release_share_collaborative_id_shared_measure_id_shared_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_release_share_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint(
            "collaborative_id",
            "release_id",
            "shared_measure_id",
            "breakdown_key",
            "measure_id",
            "visibility",
            name=op.f("pk_release_share"),
        ),
    )


def _columns() -> None:
    op.add_column("collaborative", sa.Column("release_after_days", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_collaborative_release_after_days_range"),
        "collaborative",
        "release_after_days IS NULL OR release_after_days BETWEEN 0 AND 366",
    )
    op.add_column(
        "observation",
        sa.Column(
            "widest_visibility",
            _visibility("widest_visibility"),
            server_default="private",
            nullable=False,
        ),
    )
    op.add_column(
        "observation",
        sa.Column("visibility_cap", _visibility("visibility_cap"), nullable=True),
    )
    # What was readable already was readable: not a change to record row by row.
    op.execute("ALTER TABLE observation DISABLE TRIGGER audit")
    op.execute("UPDATE observation SET widest_visibility = visibility WHERE status = 'published'")
    op.execute("ALTER TABLE observation ENABLE TRIGGER audit")


def _secure() -> None:
    for table in ("reporting_period", "release", "release_cell", "release_share"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)"
        )
        op.execute(f"SELECT tablero_audit_table('{table}')")
    op.execute(READERS)
    op.execute("REVOKE ALL ON FUNCTION tablero_aggregate_readers_of() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION tablero_aggregate_readers_of() TO {API}")
    for table in ("reporting_period", "release"):
        op.execute(f"CREATE POLICY api_read ON {table} FOR SELECT TO {API} USING ({READER})")
    op.execute(f"CREATE POLICY api_read ON release_cell FOR SELECT TO {API} USING ({CELL_READER})")
    op.execute(f"GRANT SELECT ON reporting_period, release, release_cell TO {API}")
    op.execute(f"GRANT UPDATE (release_after_days) ON collaborative TO {API}")


def upgrade() -> None:
    _tables()
    _columns()
    for statement in statements("0013_releases.sql"):
        op.execute(statement)
    op.execute(
        "CREATE TRIGGER observation_reach BEFORE INSERT OR UPDATE ON observation "
        "FOR EACH ROW EXECUTE FUNCTION tablero_observation_reach()"
    )
    op.execute(
        "CREATE TRIGGER open_reporting_periods AFTER INSERT ON observation "
        "REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION tablero_open_reporting_periods()"
    )
    _secure()
    op.execute(
        "INSERT INTO reporting_period (collaborative_id, granularity, period_start) "
        "SELECT DISTINCT collaborative_id, granularity, period_start FROM observation "
        "WHERE measure_id IS NOT NULL"
    )
    for signature in (*FUNCTIONS_FOR_API, *OWNERS_ONLY):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    for signature in FUNCTIONS_FOR_API:
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {API}")
    op.execute(f"DROP FUNCTION {OLD_CELLS}")
    for signature in OLD_HELPERS:
        op.execute(f"DROP FUNCTION {signature}")


def downgrade() -> None:
    previous = context.script.get_revision("0004").module  # type: ignore[attr-defined]
    for function in (previous.UNSAFE_FUNCTION, previous.EXPOSED_FUNCTION, previous.CELLS_FUNCTION):
        op.execute(function)
    for signature in (*OLD_HELPERS, OLD_CELLS):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {OLD_CELLS} TO {API}")
    op.execute(f"REVOKE UPDATE (release_after_days) ON collaborative FROM {API}")
    op.execute("DROP TRIGGER open_reporting_periods ON observation")
    op.execute("DROP TRIGGER observation_reach ON observation")
    for signature in (*FUNCTIONS_FOR_API, *OWNERS_ONLY):
        op.execute(f"DROP FUNCTION {signature}")
    for name in ("tablero_release_equation", "tablero_release_relation", "tablero_release_unknown"):
        op.execute(f"DROP TYPE {name}")
    for signature in (
        "tablero_observation_reach()",
        "tablero_period_end(text, date)",
        "tablero_visibility_of_rank(integer)",
        "tablero_visibility_rank(text)",
    ):
        op.execute(f"DROP FUNCTION {signature}")
    op.drop_column("observation", "visibility_cap")
    op.drop_column("observation", "widest_visibility")
    op.drop_constraint(
        op.f("ck_collaborative_release_after_days_range"), "collaborative", type_="check"
    )
    op.drop_column("collaborative", "release_after_days")
    op.drop_table("release_share")
    op.drop_index("ix_release_cell_measure_period", table_name="release_cell")
    op.drop_table("release_cell")
    op.drop_table("release")
    op.drop_table("reporting_period")
    op.execute("DROP FUNCTION tablero_aggregate_readers_of()")
