"""LRS: the stored-time index also holds voided and seq, so a since/until window is read from the index alone.

Revision ID: 0075_lrs_stored_window_index
Revises: 0002_xapi
"""
from alembic import op

revision = "0075_lrs_stored_window_index"
down_revision = "0002_xapi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_xapi_statements_org_stored_window", "xapi_statements",
                    ["org_id", "stored", "voided", "seq"], unique=False)
    op.drop_index("ix_xapi_statements_org_stored", table_name="xapi_statements")


def downgrade() -> None:
    op.create_index("ix_xapi_statements_org_stored", "xapi_statements", ["org_id", "stored"], unique=False)
    op.drop_index("ix_xapi_statements_org_stored_window", table_name="xapi_statements")
