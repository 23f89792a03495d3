"""collaborative settings: the backbone keeps the table's profile, languages and time zone

Only those columns: the default language (the base texts are written in it), the
suppression settings (they protect partners) and the ratification rule (it changes only by
a ratified proposal, see tablero_apply_rule_change) stay out of the API role's reach.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
COLUMNS = "name, description, languages, time_zone"
BACKBONE = "id = ANY ((SELECT tablero_backbone_of())::uuid[])"


def upgrade() -> None:
    op.execute(
        f"CREATE POLICY api_update ON collaborative FOR UPDATE TO {API} "
        f"USING ({BACKBONE}) WITH CHECK ({BACKBONE})"
    )
    op.execute(f"GRANT UPDATE ({COLUMNS}) ON collaborative TO {API}")


def downgrade() -> None:
    op.execute(
        f"REVOKE UPDATE (name, description, languages, time_zone) ON collaborative FROM {API}"
    )
    op.execute("DROP POLICY api_update ON collaborative")
