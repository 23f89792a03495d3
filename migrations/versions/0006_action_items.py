"""action items: commitments of partners, and their append-only status history

Members see every item and its history; a funder (not a member) sees its own partner's.
The owner partner's people and the backbone create and edit items. The API role cannot write
an item's status: it inserts a status change, and a trigger moves the item with it, so the
history and the item never disagree. History rows are never updated nor deleted,
and a finished item's due date never moves.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
MEMBER = "collaborative_id = ANY ((SELECT tablero_member_of())::uuid[])"
BACKBONE = "collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])"
OWNS = "partner_id = ANY ((SELECT tablero_partner_ids())::uuid[])"
NOW = sa.text("now()")
STATUSES = ("open", "in_progress", "done", "dropped")
FUNCTION = "tablero_action_item_status_changed()"
LINK_GUARD = "tablero_action_item_links_visible()"
DUE_GUARD = "tablero_action_item_keeps_due_date()"

# Twins of services/policy.py: action_item_visible, can_manage_action_items.
VISIBLE = f"({MEMBER} OR {OWNS})"
MANAGES = f"({BACKBONE} OR {OWNS})"
# A link must be to something the writer may see (its RLS applies inside the subquery).
LINKS_VISIBLE = """(
  (measure_id IS NULL OR EXISTS (SELECT 1 FROM performance_measure m
     WHERE m.collaborative_id = action_item.collaborative_id
       AND m.id = action_item.measure_id))
  AND (indicator_id IS NULL OR EXISTS (SELECT 1 FROM indicator i
     WHERE i.collaborative_id = action_item.collaborative_id
       AND i.id = action_item.indicator_id)))"""
ITEM_OF_CHANGE = (
    "EXISTS (SELECT 1 FROM action_item a WHERE a.collaborative_id = "
    "action_item_status_change.collaborative_id AND a.id = action_item_status_change.action_item_id"
)
BY_VIEWER = "IS NOT DISTINCT FROM (SELECT tablero_account_id())"

POLICIES = [
    f"CREATE POLICY api_read ON action_item FOR SELECT TO {API} USING {VISIBLE}",
    f"CREATE POLICY api_create ON action_item FOR INSERT TO {API} WITH CHECK ({MANAGES} "
    f"AND status = 'open' AND created_by {BY_VIEWER} AND {LINKS_VISIBLE})",
    # Links changed by an update are checked by a trigger below: an edit by the backbone
    # must not fail for an owner's private measure it cannot see but leaves linked.
    f"CREATE POLICY api_update ON action_item FOR UPDATE TO {API} USING {MANAGES} "
    f"WITH CHECK {MANAGES}",
    # The item's own read policy applies inside the subquery: its history is seen with it.
    f"CREATE POLICY api_read ON action_item_status_change FOR SELECT TO {API} "
    f"USING ({ITEM_OF_CHANGE}))",
    f"CREATE POLICY api_create ON action_item_status_change FOR INSERT TO {API} "
    f"WITH CHECK ({ITEM_OF_CHANGE} AND (a.{BACKBONE} OR a.{OWNS})) "
    f"AND changed_by {BY_VIEWER})",
]

TRIGGERS = [
    # Runs as the caller, so its row-level security decides what it may link to.
    f"""CREATE FUNCTION {LINK_GUARD} RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.measure_id IS DISTINCT FROM OLD.measure_id AND NEW.measure_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM performance_measure m
                      WHERE m.collaborative_id = NEW.collaborative_id AND m.id = NEW.measure_id))
     OR (NEW.indicator_id IS DISTINCT FROM OLD.indicator_id AND NEW.indicator_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM indicator i
                      WHERE i.collaborative_id = NEW.collaborative_id AND i.id = NEW.indicator_id))
  THEN
    RAISE EXCEPTION 'no measure or indicator with this id' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END $$""",
    f"""CREATE TRIGGER links_visible BEFORE UPDATE OF measure_id, indicator_id ON action_item
  FOR EACH ROW EXECUTE FUNCTION {LINK_GUARD}""",
    # A finished item's due date is history: moving it would turn "done late" into "on time".
    f"""CREATE FUNCTION {DUE_GUARD} RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.due_date IS DISTINCT FROM OLD.due_date AND OLD.status IN ('done', 'dropped') THEN
    RAISE EXCEPTION 'a finished action item keeps its due date'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$""",
    f"""CREATE TRIGGER keeps_due_date BEFORE UPDATE OF due_date ON action_item
  FOR EACH ROW EXECUTE FUNCTION {DUE_GUARD}""",
    # Runs as the owner: the API role may not write an item's status, only append to its
    # history. The row-level check on the history row (the caller's) runs after this
    # trigger, in the same statement, so a refused change moves nothing.
    f"""CREATE FUNCTION {FUNCTION} RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  SELECT a.status INTO NEW.from_status FROM action_item a
    WHERE a.collaborative_id = NEW.collaborative_id AND a.id = NEW.action_item_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no action item with this id' USING ERRCODE = 'foreign_key_violation';
  END IF;
  UPDATE action_item SET status = NEW.to_status,
      completed_on = CASE WHEN NEW.to_status = 'done'
                          THEN (NEW.changed_at AT TIME ZONE (
                            SELECT c.time_zone FROM collaborative c
                            WHERE c.id = NEW.collaborative_id))::date END,
      updated_at = now()
    WHERE collaborative_id = NEW.collaborative_id AND id = NEW.action_item_id;
  RETURN NEW;
END $$""",
    f"""CREATE TRIGGER status_changed BEFORE INSERT ON action_item_status_change
  FOR EACH ROW EXECUTE FUNCTION {FUNCTION}""",
]

GRANTS = [
    f"GRANT SELECT, INSERT ON action_item TO {API}",
    # Not changed_at: a change is stamped by the clock (the owner role may backdate, for seeds).
    f"GRANT SELECT, INSERT (collaborative_id, id, action_item_id, from_status, to_status, note, "
    f"changed_by) ON action_item_status_change TO {API}",
    # Not partner_id (an item keeps its owner), nor status/completed_on (history only).
    f"GRANT UPDATE (title, description, due_date, result_id, indicator_id, measure_id, "
    f"updated_at) ON action_item TO {API}",
]


def _status(name: str) -> sa.Enum:
    return sa.Enum(*STATUSES, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.add_column(
        "collaborative",
        sa.Column("time_zone", sa.String(64), server_default="UTC", nullable=False),
    )
    op.create_table(
        "action_item",
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("status", _status("action_status"), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("result_id", sa.Uuid(), nullable=True),
        sa.Column("indicator_id", sa.Uuid(), nullable=True),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "(status = 'done') = (completed_on IS NOT NULL)",
            name=op.f("ck_action_item_completed_if_done"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "indicator_id"],
            ["indicator.collaborative_id", "indicator.id"],
            name=op.f("fk_action_item_collaborative_id_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "measure_id"],
            ["performance_measure.collaborative_id", "performance_measure.id"],
            name=op.f("fk_action_item_collaborative_id_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "partner_id"],
            ["partner.collaborative_id", "partner.id"],
            name=op.f("fk_action_item_collaborative_id_partner_id_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "result_id"],
            ["result.collaborative_id", "result.id"],
            name=op.f("fk_action_item_collaborative_id_result_id_result"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_action_item_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_action_item")),
    )
    op.create_index(
        "ix_action_item_partner_due",
        "action_item",
        ["collaborative_id", "partner_id", "due_date"],
        unique=False,
    )
    op.create_table(
        "action_item_status_change",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("action_item_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", _status("from_status"), nullable=True),
        sa.Column("to_status", _status("to_status"), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "from_status <> to_status", name=op.f("ck_action_item_status_change_changes_status")
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "action_item_id"],
            ["action_item.collaborative_id", "action_item.id"],
            name=op.f("fk_action_item_status_change_collaborative_id_action_item_id_action_item"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_action_item_status_change_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint(
            "collaborative_id", "id", name=op.f("pk_action_item_status_change")
        ),
    )
    op.create_index(
        op.f("ix_action_item_status_change_action_item_id"),
        "action_item_status_change",
        ["action_item_id"],
        unique=False,
    )
    for table in ("action_item", "action_item_status_change"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)"
        )
    for statement in POLICIES + TRIGGERS + GRANTS:
        op.execute(statement)  # asyncpg prepares statements one at a time


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {FUNCTION} CASCADE")
    op.execute(f"DROP FUNCTION {LINK_GUARD} CASCADE")
    op.execute(f"DROP FUNCTION {DUE_GUARD} CASCADE")
    op.drop_index(
        op.f("ix_action_item_status_change_action_item_id"), table_name="action_item_status_change"
    )
    op.drop_table("action_item_status_change")
    op.drop_index("ix_action_item_partner_due", table_name="action_item")
    op.drop_table("action_item")
    op.drop_column("collaborative", "time_zone")
