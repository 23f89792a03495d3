"""translations: names, definitions and labels in each of a collaborative's languages

One `translation` table for every translatable subject (its kind is the subject's table
name). A translation is readable exactly when its subject is: the read policy checks the
subject under the subject's own row-level security (EXISTS runs as the caller), so a private
measure's translated name reaches nobody who cannot read the measure. Writes follow who may
edit the subject: its partner for a performance measure, the backbone for the rest.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
BACKBONE = "collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])"
# Subject kinds the backbone keeps; a new kind is one more entry (and a policy re-creation).
STEWARDED = ("domain", "result", "indicator", "shared_measure", "dimension", "dimension_category")


def _subject(table: str, extra: str = "") -> str:
    """The translated row exists in `table` and the caller can see it (its RLS applies)."""
    return (
        f"(subject_kind = '{table}' AND EXISTS (SELECT 1 FROM {table} s "
        f"WHERE s.collaborative_id = translation.collaborative_id "
        f"AND s.id = translation.subject_id{extra}))"
    )


# A dashboard's texts are kept by its creator and the backbone, members both, like the
# dashboard itself (policy.can_replace_dashboard).
KEEPS_DASHBOARD = (
    "(d.collaborative_id = ANY ((SELECT tablero_member_of())::uuid[]) "
    "AND (d.created_by = (SELECT tablero_account_id()) "
    "OR d.collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])))"
)
READ = " OR ".join(
    _subject(t) for t in (*STEWARDED, "performance_measure", "dashboard", "dashboard_panel")
)
WRITE = " OR ".join(
    [
        *(f"({BACKBONE} AND {_subject(t)})" for t in STEWARDED),
        _subject(
            "performance_measure",
            " AND s.partner_id = ANY ((SELECT tablero_partner_ids())::uuid[])",
        ),
        _subject("dashboard", f" AND {KEEPS_DASHBOARD.replace('d.', 's.')}"),
        _subject(
            "dashboard_panel",
            " AND EXISTS (SELECT 1 FROM dashboard d WHERE d.collaborative_id = s.collaborative_id"
            f" AND d.id = s.dashboard_id AND {KEEPS_DASHBOARD})",
        ),
    ]
)

SECURE = [
    "ALTER TABLE translation ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE translation FORCE ROW LEVEL SECURITY",
    "CREATE POLICY maintenance ON translation TO CURRENT_USER USING (true) WITH CHECK (true)",
    f"CREATE POLICY api_read ON translation FOR SELECT TO {API} USING ({READ})",
    f"CREATE POLICY api_create ON translation FOR INSERT TO {API} WITH CHECK ({WRITE})",
    f"CREATE POLICY api_update ON translation FOR UPDATE TO {API} USING ({WRITE}) "
    f"WITH CHECK ({WRITE})",
    f"CREATE POLICY api_delete ON translation FOR DELETE TO {API} USING ({WRITE})",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON translation TO {API}",
]


def upgrade() -> None:
    op.create_table(
        "translation",
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_kind", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaborative.id"],
            name=op.f("fk_translation_collaborative_id_collaborative"),
        ),
        sa.PrimaryKeyConstraint("collaborative_id", "id", name=op.f("pk_translation")),
        sa.UniqueConstraint(
            "collaborative_id",
            "subject_kind",
            "subject_id",
            "field",
            "language",
            name=op.f("uq_translation_collaborative_id_subject_kind_subject_id_field_language"),
        ),
    )
    op.create_index("ix_translation_subject_id", "translation", ["subject_id"], unique=False)
    for statement in SECURE:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_translation_subject_id", table_name="translation")
    op.drop_table("translation")
