"""Foundation: collaboratives, partners, accounts, memberships, API keys; roles and RLS.

The API role (`tablero_api`) is neither superuser, nor owner, nor BYPASSRLS. It reads and
writes only through the policies below, which read the viewer from transaction-local
settings (`tablero.*`). The role running this migration owns the tables; its own
`maintenance` policies let migrations, seeds and the SECURITY DEFINER identity functions
work under FORCE ROW LEVEL SECURITY.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
RLS_TABLES = ("collaborative", "partner", "partner_contact", "account", "membership", "api_key")

VIEWER_FUNCTIONS = """
CREATE FUNCTION tablero_account_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('tablero.account_id', true), '')::uuid $$;

CREATE FUNCTION tablero_uuids(setting text) RETURNS uuid[] LANGUAGE sql STABLE AS
$$ SELECT coalesce(nullif(current_setting(setting, true), ''), '{}')::uuid[] $$;

-- The collaboratives whose `collaborative` rows the viewer reads (members, not funders).
CREATE FUNCTION tablero_member_of() RETURNS uuid[] LANGUAGE sql STABLE AS
$$ SELECT tablero_uuids('tablero.member_of') $$;

-- The partners the viewer acts for: their private rows are the viewer's own.
CREATE FUNCTION tablero_partner_ids() RETURNS uuid[] LANGUAGE sql STABLE AS
$$ SELECT tablero_uuids('tablero.partner_ids') $$;

CREATE FUNCTION tablero_steward_of() RETURNS uuid[] LANGUAGE sql STABLE AS
$$ SELECT tablero_uuids('tablero.steward_of') $$;

CREATE FUNCTION tablero_backbone_of() RETURNS uuid[] LANGUAGE sql STABLE AS
$$ SELECT tablero_uuids('tablero.backbone_of') $$;
"""

# The two narrow paths by which a request learns who it is, before any viewer is set.
IDENTITY_FUNCTIONS = f"""
CREATE FUNCTION tablero_identity_for_subject(p_subject text)
RETURNS TABLE (account_id uuid, collaborative_id uuid, role text, partner_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS
$$ SELECT a.id, m.collaborative_id, m.role::text, m.partner_id
   FROM account a LEFT JOIN membership m ON m.account_id = a.id
   WHERE a.subject = p_subject $$;

CREATE FUNCTION tablero_identity_for_api_key(p_key_hash text)
RETURNS TABLE (api_key_id uuid, collaborative_id uuid, partner_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS
$$ SELECT k.id, k.collaborative_id, k.partner_id FROM api_key k
   WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL $$;

REVOKE ALL ON FUNCTION tablero_identity_for_subject(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tablero_identity_for_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tablero_identity_for_subject(text) TO {API};
GRANT EXECUTE ON FUNCTION tablero_identity_for_api_key(text) TO {API};
"""

# Who sees that a partner takes part, and who keeps its profile: the same rules as
# services/policy.py. Only a partner's stewards change its visibility (trigger below).
POLICIES = f"""
CREATE POLICY api_read ON collaborative FOR SELECT TO {API} USING (true);

CREATE POLICY api_read ON partner FOR SELECT TO {API} USING (
  visibility = 'public'
  OR collaborative_id = ANY ((SELECT tablero_member_of())::uuid[])
  OR id = ANY ((SELECT tablero_partner_ids())::uuid[]));
CREATE POLICY api_create ON partner FOR INSERT TO {API} WITH CHECK (
  collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[]));
CREATE POLICY api_update ON partner FOR UPDATE TO {API}
  USING (id = ANY ((SELECT tablero_steward_of())::uuid[])
         OR collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[]))
  WITH CHECK (id = ANY ((SELECT tablero_steward_of())::uuid[])
         OR collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[]));

CREATE POLICY api_read ON partner_contact FOR SELECT TO {API} USING (
  collaborative_id = ANY ((SELECT tablero_member_of())::uuid[])
  OR partner_id = ANY ((SELECT tablero_partner_ids())::uuid[]));
CREATE POLICY api_create ON partner_contact FOR INSERT TO {API} WITH CHECK (
  partner_id = ANY ((SELECT tablero_steward_of())::uuid[])
  OR collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[]));
CREATE POLICY api_update ON partner_contact FOR UPDATE TO {API}
  USING (partner_id = ANY ((SELECT tablero_steward_of())::uuid[])
         OR collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[]))
  WITH CHECK (partner_id = ANY ((SELECT tablero_steward_of())::uuid[])
         OR collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[]));

CREATE POLICY api_read ON account FOR SELECT TO {API} USING (id = (SELECT tablero_account_id()));

CREATE POLICY api_read ON membership FOR SELECT TO {API} USING (
  account_id = (SELECT tablero_account_id())
  OR collaborative_id = ANY ((SELECT tablero_member_of())::uuid[]));

-- api_key: no policy for the API role at all; it is read only through
-- tablero_identity_for_api_key().

CREATE FUNCTION tablero_guard_partner_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.visibility IS DISTINCT FROM OLD.visibility
     AND current_user <> (SELECT tableowner FROM pg_tables
                          WHERE schemaname = 'public' AND tablename = 'partner')
     AND NOT (OLD.id = ANY (tablero_steward_of())) THEN
    RAISE EXCEPTION 'only the partner''s stewards change its visibility'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER guard_visibility BEFORE UPDATE ON partner
  FOR EACH ROW EXECUTE FUNCTION tablero_guard_partner_visibility();
"""

GRANTS = f"""
GRANT USAGE ON SCHEMA public TO {API};
GRANT SELECT ON alembic_version TO {API};
GRANT SELECT ON collaborative, account, membership TO {API};
GRANT SELECT, INSERT, UPDATE ON partner, partner_contact TO {API};
"""


def _run_script(script: str) -> None:
    """Run a script one statement at a time (asyncpg prepares each statement)."""
    statement: list[str] = []
    in_body = False
    for line in script.splitlines():
        if line.strip().startswith("--") and not in_body:
            continue
        statement.append(line)
        in_body ^= line.count("$$") % 2 == 1
        if not in_body and line.rstrip().endswith(";"):
            op.execute("\n".join(statement))
            statement = []
    if "".join(statement).strip():
        op.execute("\n".join(statement))


def _ensure_api_role() -> None:
    op.execute(
        f"""DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{API}') THEN
            CREATE ROLE {API} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
          END IF;
        END $$"""
    )


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _create_tables() -> None:
    op.create_table(
        "collaborative",
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column(
            "languages", postgresql.ARRAY(sa.String(16)), server_default="{en,es}", nullable=False
        ),
        sa.Column("default_language", sa.String(16), nullable=False),
        sa.Column("min_partners", sa.Integer(), nullable=False),
        sa.Column("min_cell", sa.Integer(), nullable=False),
        sa.Column("max_dominance_share", sa.Float(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint("default_language = ANY(languages)", name="default_language_listed"),
        sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="slug_format"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("subject"),
    )
    op.create_table(
        "partner",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("website", sa.String(500), nullable=True),
        sa.Column("visibility", sa.String(32), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "kind IN ('community_org', 'public_agency', 'school', 'health', 'business',"
            " 'funder', 'backbone', 'resident_group')",
            name="partner_kind",
        ),
        sa.CheckConstraint("visibility IN ('collaborative', 'public')", name="profile_visibility"),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaborative.id"]),
        sa.PrimaryKeyConstraint("collaborative_id", "id"),
        sa.UniqueConstraint("collaborative_id", "name"),
    )
    op.create_table(
        "partner_contact",
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "partner_id"),
    )
    op.create_table(
        "membership",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "(role IN ('resident', 'admin')) = (partner_id IS NULL)",
            name="partner_iff_partner_role",
        ),
        sa.CheckConstraint(
            "role IN ('resident', 'partner_staff', 'partner_steward', 'backbone', 'funder',"
            " 'admin')",
            name="membership_role",
        ),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaborative.id"]),
        sa.PrimaryKeyConstraint("collaborative_id", "id"),
        sa.UniqueConstraint(
            "collaborative_id",
            "account_id",
            "role",
            "partner_id",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index("ix_membership_account_id", "membership", ["account_id"])
    op.create_table(
        "api_key",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        _timestamp("created_at"),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collaborative_id", "partner_id"], ["partner.collaborative_id", "partner.id"]
        ),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaborative.id"]),
        sa.PrimaryKeyConstraint("collaborative_id", "id"),
        sa.UniqueConstraint("collaborative_id", "key_hash"),
    )
    op.create_index("ix_api_key_key_hash", "api_key", ["key_hash"])


def upgrade() -> None:
    _ensure_api_role()
    _create_tables()
    for table in RLS_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)"
        )
    _run_script(VIEWER_FUNCTIONS)
    _run_script(IDENTITY_FUNCTIONS)
    _run_script(POLICIES)
    _run_script(GRANTS)


def downgrade() -> None:
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {API}")
    op.execute(f"REVOKE SELECT ON alembic_version FROM {API}")
    for table in reversed(RLS_TABLES):
        op.drop_table(table)
    op.execute("DROP FUNCTION tablero_guard_partner_visibility()")
    for fn in (
        "tablero_identity_for_subject(text)",
        "tablero_identity_for_api_key(text)",
        "tablero_backbone_of()",
        "tablero_steward_of()",
        "tablero_partner_ids()",
        "tablero_member_of()",
        "tablero_uuids(text)",
        "tablero_account_id()",
    ):
        op.execute(f"DROP FUNCTION {fn}")
