"""proposed shared measures stay among members, as proposed indicators do

Until the table ratifies a shared measure, only its members read it (and its translations,
whose read policy follows the subject's).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"
MEMBER = "collaborative_id = ANY ((SELECT tablero_member_of())::uuid[])"


def upgrade() -> None:
    op.execute("DROP POLICY api_read ON shared_measure")
    op.execute(
        f"CREATE POLICY api_read ON shared_measure FOR SELECT TO {API} "
        f"USING (status <> 'proposed' OR {MEMBER})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY api_read ON shared_measure")
    op.execute(f"CREATE POLICY api_read ON shared_measure FOR SELECT TO {API} USING (true)")
