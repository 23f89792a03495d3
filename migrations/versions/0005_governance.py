"""governance: proposals, comments, votes, indicator versions; the ratification rule

Members (residents, partner staff and stewards, backbone) propose, comment and vote; the
backbone closes votes and applies ratified proposals. Funders and admins take no part. A
vote is cast only by its own account, only while its proposal is open, and only in a group
the account holds a membership for (resident, or organization staff), so that the dual
majority cannot be forged below the API either. A closed proposal is never changed, and
what members vote on (rationale, changes) never changes under their votes. Members may
write a new indicator or shared measure only as `proposed` (the proposal's subject). An
indicator on the data development agenda becomes `ratified` with its first published
observation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
MEMBER = "collaborative_id = ANY ((SELECT tablero_member_of())::uuid[])"
BACKBONE = "collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])"
ME = "(SELECT tablero_account_id())"
TABLES = ("proposal", "proposal_comment", "proposal_vote", "indicator_version")
INDICATOR_STATUSES = ("proposed", "ratified", "data_development", "retired")

# Twin of services.policy.voter_groups: the vote's group is one the voter holds.
HOLDS_GROUP = """(
  (voter_group = 'resident' AND EXISTS (
     SELECT 1 FROM membership m WHERE m.collaborative_id = proposal_vote.collaborative_id
       AND m.account_id = proposal_vote.account_id AND m.role = 'resident'))
  OR (voter_group = 'organization' AND EXISTS (
     SELECT 1 FROM membership m WHERE m.collaborative_id = proposal_vote.collaborative_id
       AND m.account_id = proposal_vote.account_id
       AND m.role IN ('partner_staff', 'partner_steward', 'backbone'))))"""
OPEN_PROPOSAL = """EXISTS (SELECT 1 FROM proposal p
  WHERE p.collaborative_id = proposal_vote.collaborative_id AND p.id = proposal_vote.proposal_id
    AND p.status = 'open' AND (p.closes_at IS NULL OR p.closes_at > now()))"""
OWN_VOTE = f"({MEMBER} AND account_id = {ME} AND {OPEN_PROPOSAL} AND {HOLDS_GROUP})"

POLICIES = (
    f"CREATE POLICY api_read ON proposal FOR SELECT TO {API} USING ({MEMBER})",
    f"CREATE POLICY api_create ON proposal FOR INSERT TO {API} "
    f"WITH CHECK ({MEMBER} AND proposed_by = {ME} AND status = 'open')",
    # The backbone closes (not before closes_at); the proposer withdraws. Only an open
    # proposal: once closed, its outcome is the record (and GRANTS below let no one rewrite
    # what was voted on).
    f"CREATE POLICY api_update ON proposal FOR UPDATE TO {API} "
    f"USING ({MEMBER} AND status = 'open' AND ({BACKBONE} OR proposed_by = {ME})) "
    f"WITH CHECK ({MEMBER} AND (({BACKBONE} AND status IN ('ratified', 'rejected') "
    "AND (closes_at IS NULL OR closes_at <= now())) "
    f"OR (proposed_by = {ME} AND status = 'withdrawn')))",
    f"CREATE POLICY api_read ON proposal_comment FOR SELECT TO {API} USING ({MEMBER})",
    f"CREATE POLICY api_create ON proposal_comment FOR INSERT TO {API} "
    f"WITH CHECK ({MEMBER} AND account_id = {ME})",
    f"CREATE POLICY api_read ON proposal_vote FOR SELECT TO {API} USING ({MEMBER})",
    f"CREATE POLICY api_create ON proposal_vote FOR INSERT TO {API} WITH CHECK {OWN_VOTE}",
    f"CREATE POLICY api_update ON proposal_vote FOR UPDATE TO {API} "
    f"USING ({MEMBER} AND account_id = {ME}) WITH CHECK {OWN_VOTE}",
    f"CREATE POLICY api_read ON indicator_version FOR SELECT TO {API} USING (EXISTS ("
    "SELECT 1 FROM indicator i WHERE i.collaborative_id = indicator_version.collaborative_id "
    "AND i.id = indicator_version.indicator_id))",
    f"CREATE POLICY api_create ON indicator_version FOR INSERT TO {API} WITH CHECK ({BACKBONE})",
    # Any member proposes: a new indicator or shared measure may be written as `proposed`.
    f"CREATE POLICY api_propose ON indicator FOR INSERT TO {API} "
    f"WITH CHECK ({MEMBER} AND status = 'proposed')",
    f"CREATE POLICY api_propose ON indicator_dimension FOR INSERT TO {API} WITH CHECK ({MEMBER} "
    "AND EXISTS (SELECT 1 FROM indicator i WHERE i.collaborative_id = "
    "indicator_dimension.collaborative_id AND i.id = indicator_dimension.indicator_id "
    "AND i.status = 'proposed'))",
    f"CREATE POLICY api_propose ON shared_measure FOR INSERT TO {API} "
    f"WITH CHECK ({MEMBER} AND status = 'proposed')",
)
DROPPED_POLICIES = (
    "api_propose ON indicator",
    "api_propose ON indicator_dimension",
    "api_propose ON shared_measure",
)

DATA_ARRIVED = (
    """CREATE FUNCTION tablero_indicator_data_arrived() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  UPDATE indicator SET status = 'ratified'
  WHERE collaborative_id = NEW.collaborative_id AND id = NEW.indicator_id
    AND status = 'data_development';
  RETURN NULL;
END $$""",
    """CREATE TRIGGER data_arrived AFTER INSERT OR UPDATE OF status ON observation
  FOR EACH ROW WHEN (NEW.indicator_id IS NOT NULL AND NEW.status = 'published'
                     AND NEW.value IS NOT NULL)
  EXECUTE FUNCTION tablero_indicator_data_arrived()""",
)

# Ratification is the community's: below the API too, the API role moves an indicator or a
# shared measure into an adopted status only when a ratified proposal is about it (closing
# records the outcome first, then applies it). Seeds and operators, as the owner, may.
RATIFIED_BY_VOTE = (
    f"""CREATE FUNCTION tablero_ratified_by_vote() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = '{API}' AND NOT EXISTS (
       SELECT 1 FROM proposal p
       WHERE p.collaborative_id = NEW.collaborative_id AND p.status = 'ratified'
         AND NEW.id = CASE TG_TABLE_NAME WHEN 'indicator' THEN p.indicator_id
                                         ELSE p.shared_measure_id END) THEN
    RAISE EXCEPTION 'only a ratified proposal adopts a %', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$""",
    *(
        f"""CREATE TRIGGER ratified_by_vote BEFORE UPDATE OF status ON {table} FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ({statuses}))
  EXECUTE FUNCTION tablero_ratified_by_vote()"""
        for table, statuses in (
            ("indicator", "'ratified', 'data_development'"),
            ("shared_measure", "'ratified'"),
        )
    ),
)

# The ratification rule changes only by a ratified change_rule proposal of the same table:
# the API role has no UPDATE on collaborative; this function is its one way in.
APPLY_RULE = (
    """CREATE FUNCTION tablero_apply_rule_change(p_collaborative uuid, p_proposal uuid)
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
        coalesce((rule ->> 'organization_majority')::float8, organization_majority)
    WHERE id = p_collaborative;
END $$""",
    "REVOKE ALL ON FUNCTION tablero_apply_rule_change(uuid, uuid) FROM PUBLIC",
    f"GRANT EXECUTE ON FUNCTION tablero_apply_rule_change(uuid, uuid) TO {API}",
)

# The names shown on what people write are their accounts' own, not what the API role sends:
# below the API, someone could otherwise sign a proposal, comment or vote as someone else.
NAMES = (
    f"""CREATE FUNCTION tablero_governance_signed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  who uuid := coalesce(to_jsonb(NEW) ->> 'proposed_by', to_jsonb(NEW) ->> 'account_id')::uuid;
  signed text;
BEGIN
  IF current_user <> '{API}' THEN
    RETURN NEW;  -- seeds and operators, as the owner
  END IF;
  SELECT a.display_name INTO signed FROM account a WHERE a.id = who;  -- one's own only
  RETURN jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], coalesce(signed, '')));
END $$""",
    *(
        f"CREATE TRIGGER signed BEFORE INSERT ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION tablero_governance_signed('{column}')"
        for table, column in (
            ("proposal", "proposer_name"),
            ("proposal_comment", "author_name"),
            ("proposal_vote", "voter_name"),
        )
    ),
)

GRANTS = (
    f"GRANT SELECT, INSERT ON proposal, proposal_vote TO {API}",
    # Closing and withdrawing only: what members vote on never changes under their votes.
    f"GRANT UPDATE (status, closed_at, closed_by, outcome) ON proposal TO {API}",
    f"GRANT UPDATE (choice, voter_group, updated_at) ON proposal_vote TO {API}",
    f"GRANT SELECT, INSERT ON proposal_comment, indicator_version TO {API}",
)


def _status_check(statuses: Sequence[str]) -> None:
    op.execute("ALTER TABLE indicator DROP CONSTRAINT ck_indicator_indicator_status")
    listed = ", ".join(f"'{s}'" for s in statuses)
    op.execute(
        "ALTER TABLE indicator ADD CONSTRAINT ck_indicator_indicator_status "
        f"CHECK (status IN ({listed}))"
    )


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _timestamp(name: str) -> sa.Column:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _tenant(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["collaborative_id", column],
        [f"{target}.collaborative_id", f"{target}.id"],
        name=op.f(f"fk_{table}_collaborative_id_{column}_{target}"),
    )


def _collaborative(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["collaborative_id"],
        ["collaborative.id"],
        name=op.f(f"fk_{table}_collaborative_id_collaborative"),
    )


def _account(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["account.id"], name=op.f(f"fk_{table}_{column}_account")
    )


def _create_tables() -> None:
    op.create_table(
        "proposal",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            _enum(
                "proposal_kind",
                "new_indicator",
                "new_shared_measure",
                "change_indicator",
                "change_shared_measure",
                "change_rule",
            ),
            nullable=False,
        ),
        sa.Column("indicator_id", sa.Uuid(), nullable=True),
        sa.Column("shared_measure_id", sa.Uuid(), nullable=True),
        sa.Column("rationale", sa.String(4000), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("proposed_by", sa.Uuid(), nullable=False),
        sa.Column("proposer_name", sa.String(200), nullable=False),
        sa.Column(
            "status",
            _enum("proposal_status", "open", "ratified", "rejected", "withdrawn"),
            nullable=False,
        ),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("outcome", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "CASE WHEN kind = 'change_rule'"
            " THEN indicator_id IS NULL AND shared_measure_id IS NULL"
            " ELSE (indicator_id IS NULL) <> (shared_measure_id IS NULL) END",
            name=op.f("ck_proposal_one_subject"),
        ),
        _tenant("proposal", "indicator_id", "indicator"),
        _tenant("proposal", "shared_measure_id", "shared_measure"),
        _account("proposal", "proposed_by"),
        _account("proposal", "closed_by"),
        _collaborative("proposal"),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_proposal")),
    )
    op.create_table(
        "proposal_comment",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("body", sa.String(4000), nullable=False),
        _timestamp("created_at"),
        _tenant("proposal_comment", "proposal_id", "proposal"),
        _account("proposal_comment", "account_id"),
        _collaborative("proposal_comment"),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_proposal_comment")),
    )
    op.create_index(op.f("ix_proposal_comment_proposal_id"), "proposal_comment", ["proposal_id"])
    op.create_table(
        "proposal_vote",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("voter_name", sa.String(200), nullable=False),
        sa.Column("choice", _enum("vote_choice", "yes", "no", "abstain"), nullable=False),
        sa.Column("voter_group", _enum("voter_group", "resident", "organization"), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _tenant("proposal_vote", "proposal_id", "proposal"),
        _account("proposal_vote", "account_id"),
        _collaborative("proposal_vote"),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_proposal_vote")),
        sa.UniqueConstraint(
            "collaborative_id",
            "proposal_id",
            "account_id",
            name=op.f("uq_proposal_vote_collaborative_id_proposal_id_account_id"),
        ),
    )
    op.create_table(
        "indicator_version",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("definition", sa.String(4000), nullable=False),
        sa.Column(
            "unit",
            _enum("unit", "count", "percent", "rate", "currency", "score", "duration", "ratio"),
            nullable=False,
        ),
        sa.Column(
            "granularity",
            _enum("granularity", "month", "quarter", "year", "school_year"),
            nullable=False,
        ),
        sa.Column("data_source", sa.String(500), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        _timestamp("created_at"),
        _tenant("indicator_version", "indicator_id", "indicator"),
        _tenant("indicator_version", "proposal_id", "proposal"),
        _collaborative("indicator_version"),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_indicator_version")),
        sa.UniqueConstraint(
            "collaborative_id",
            "indicator_id",
            "version",
            name=op.f("uq_indicator_version_collaborative_id_indicator_id_version"),
        ),
    )


def upgrade() -> None:
    op.add_column(
        "collaborative", sa.Column("quorum", sa.Integer(), server_default="3", nullable=False)
    )
    for column in ("resident_majority", "organization_majority"):
        op.add_column(
            "collaborative", sa.Column(column, sa.Float(), server_default="0.5", nullable=False)
        )
    _status_check(INDICATOR_STATUSES)
    _create_tables()
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)"
        )
    for statement in (*POLICIES, *DATA_ARRIVED, *RATIFIED_BY_VOTE, *APPLY_RULE, *NAMES, *GRANTS):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION tablero_indicator_data_arrived() CASCADE")
    op.execute("DROP FUNCTION tablero_governance_signed() CASCADE")
    op.execute("DROP FUNCTION tablero_ratified_by_vote() CASCADE")
    op.execute("DROP FUNCTION tablero_apply_rule_change(uuid, uuid)")
    for policy in DROPPED_POLICIES:
        op.execute(f"DROP POLICY {policy}")
    for table in reversed(TABLES):
        op.drop_table(table)
    op.execute("UPDATE indicator SET status = 'ratified' WHERE status = 'data_development'")
    _status_check(tuple(s for s in INDICATOR_STATUSES if s != "data_development"))
    for column in ("organization_majority", "resident_majority", "quorum"):
        op.drop_column("collaborative", column)
