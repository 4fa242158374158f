"""Per-organisation switch: may learners start courses nobody assigned to them.

Revision ID: 0023_core_self_enrolment
Revises: 0020_core_departments
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_core_self_enrolment"
down_revision = "0020_core_departments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The server default fills existing rows and stays (on SQLite, dropping it would rebuild the table).
    op.add_column("organisations", sa.Column("self_enrolment", sa.Boolean(), nullable=False,
                                             server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("self_enrolment")
