"""Per-organisation inactivity threshold for the trainer dashboard.

Revision ID: 0009_core_inactivity_days
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_core_inactivity_days"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("inactivity_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("inactivity_days")
