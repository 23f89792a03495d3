"""automatic persisted queries: the API stores clients' documents, never trusted ones

Apollo's automatic persisted queries let a client send a document's SHA-256 instead of its
text once the server has seen it. The API role now stores such documents in
`persisted_document` and drops the oldest beyond a bound, but only as untrusted rows: the
policies refuse it any row that is, or would become, trusted, so registering trusted
documents stays the owner's (`tablero documents register`).

Only trusted documents are audited from now on: an operator's registration is a decision
worth a trail; a client's cached query is not, and auditing it would let any client grow
the audit trail by the size of every document it sends.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

API = "tablero_api"


def upgrade() -> None:
    op.execute(
        f"CREATE POLICY api_persist ON persisted_document FOR INSERT TO {API} "
        "WITH CHECK (NOT trusted)"
    )
    op.execute(
        f"CREATE POLICY api_forget ON persisted_document FOR DELETE TO {API} USING (NOT trusted)"
    )
    op.execute(f"GRANT INSERT, DELETE ON persisted_document TO {API}")
    op.execute("DROP TRIGGER audit ON persisted_document")
    # A trigger's WHEN may name only the rows its event has: one trigger per event.
    for name, event, condition in (
        ("audit", "INSERT", "NEW.trusted"),
        ("audit_update", "UPDATE", "OLD.trusted OR NEW.trusted"),
        ("audit_delete", "DELETE", "OLD.trusted"),
    ):
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON persisted_document "
            f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION tablero_audit()"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_delete ON persisted_document")
    op.execute("DROP TRIGGER audit_update ON persisted_document")
    op.execute("DROP TRIGGER audit ON persisted_document")
    op.execute("DELETE FROM persisted_document WHERE NOT trusted")
    op.execute(
        "CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON persisted_document "
        "FOR EACH ROW EXECUTE FUNCTION tablero_audit()"
    )
    op.execute(f"REVOKE INSERT, DELETE ON persisted_document FROM {API}")
    op.execute("DROP POLICY api_forget ON persisted_document")
    op.execute("DROP POLICY api_persist ON persisted_document")
