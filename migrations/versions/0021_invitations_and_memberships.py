"""invitations and memberships: a collaborative brings its own people in, and lets them go

- `invitation`: single-use, expiring codes (only their SHA-256 stored, and unreadable by
  the API role) for one role in one partner, issued under a standing that must still hold
  when the code is redeemed. `tablero_redeem_invitation` (SECURITY DEFINER) is the only way
  the API creates an account or grants a membership: one redemption per code whatever the
  concurrency, the invited address whenever the identity provider vouches for the token's.
- `membership`: the partner's stewards change their staff's and stewards' roles and remove
  them; the backbone removes residents, funders' people and its own staff; anyone leaves.
  The last steward of a partner, and the last of the backbone, stay (a trigger, taking
  turns per partner).
- `account.instance_admin`: instance admins found collaboratives (with their backbone
  organization, at the default rules or stronger) and name their first backbone stewards;
  nothing lets the flag read a row.
- Managers read the accounts (names, addresses) of the people they keep.
Statements: migrations/sql/0051_people.sql.

Revision ID: 0021
Revises: 0020
Create Date: 2027-01-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from migrations.sql_scripts import statements

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
SUBJECT = "tablero_identity_for_subject(text)"
FOR_API = (
    "tablero_instance_admin()",
    "tablero_stewards_of(uuid, uuid)",
    "tablero_backbone_people(uuid)",
    "tablero_partners_in(uuid)",
    "tablero_invitation_fits(uuid, text, uuid)",
    "tablero_may_issue(uuid, text, uuid, text)",
    "tablero_manages_membership(uuid, text, uuid)",
    "tablero_redeem_invitation(text, text, text, text)",
)
OWNERS_ONLY = ("tablero_issuer_stands(invitation)", "tablero_invitation_memberships(text)")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _invitation_table() -> None:
    op.create_table(
        "invitation",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column(
            "role",
            _enum(
                "invitation_role",
                "resident",
                "partner_staff",
                "partner_steward",
                "funder",
                "backbone",
                "backbone_steward",
            ),
            nullable=False,
        ),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "issued_as",
            _enum("invitation_issued_as", "steward", "backbone", "admin", "operator"),
            nullable=False,
        ),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(role = 'resident') = (partner_id IS NULL)",
            name=op.f("ck_invitation_partner_iff_partner_role"),
        ),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_invitation_expires_after_creation")
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_invitation_collaborative_id_collaborative"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "partner_id"],
            ["partner.collaborative_id", "partner.id"],
            name=op.f("fk_invitation_collaborative_id_partner"),
        ),
        *(
            sa.ForeignKeyConstraint(
                [column], ["account.id"], name=op.f(f"fk_invitation_{column}_account")
            )
            for column in ("invited_by", "redeemed_by", "revoked_by")
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitation_code_hash")),
    )
    op.execute("ALTER TABLE invitation ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE invitation FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY maintenance ON invitation TO CURRENT_USER USING (true) WITH CHECK (true)"
    )
    op.execute("SELECT tablero_audit_table('invitation')")


def upgrade() -> None:
    op.add_column(
        "account",
        sa.Column("instance_admin", sa.Boolean(), server_default="false", nullable=False),
    )
    _invitation_table()
    op.execute(f"DROP FUNCTION {SUBJECT}")
    for statement in statements("0051_people.sql"):
        op.execute(statement)
    for signature in (SUBJECT, *FOR_API, *OWNERS_ONLY):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    for signature in (SUBJECT, *FOR_API):
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {API}")


def downgrade() -> None:
    audit_reach = context.script.get_revision("0015").module  # type: ignore[attr-defined]
    op.execute(audit_reach.REACH.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.execute("DROP POLICY api_found ON partner")
    op.execute("DROP POLICY api_create ON collaborative")
    op.execute(f"REVOKE INSERT ON collaborative FROM {API}")
    op.execute("DROP POLICY api_read_kept ON account")
    for name in ("api_update", "api_delete"):
        op.execute(f"DROP POLICY {name} ON membership")
    op.execute(f"REVOKE UPDATE (role), DELETE ON membership FROM {API}")
    op.execute("DROP TRIGGER guard_last_steward ON membership")
    op.execute("DROP TRIGGER guard_membership_role ON membership")
    op.execute("DROP FUNCTION tablero_guard_last_steward()")
    op.execute("DROP FUNCTION tablero_guard_membership_role()")
    op.execute("DROP FUNCTION tablero_redeem_invitation(text, text, text, text)")
    op.execute("DROP FUNCTION tablero_issuer_stands(invitation)")
    op.drop_table("invitation")  # and its policies
    for signature in reversed((*FOR_API, *OWNERS_ONLY)):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute(f"DROP FUNCTION {SUBJECT}")
    op.execute(
        """CREATE FUNCTION tablero_identity_for_subject(p_subject text)
RETURNS TABLE (account_id uuid, collaborative_id uuid, role text, partner_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS
$$ SELECT a.id, m.collaborative_id, m.role::text, m.partner_id
   FROM account a LEFT JOIN membership m ON m.account_id = a.id
   WHERE a.subject = p_subject $$"""
    )
    op.execute(f"REVOKE ALL ON FUNCTION {SUBJECT} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SUBJECT} TO {API}")
    op.drop_column("account", "instance_admin")
