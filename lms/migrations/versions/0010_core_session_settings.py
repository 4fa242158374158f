"""Per-organisation session idle timeout and the secret key of report pseudonyms.

Revision ID: 0010_core_session_settings
Revises: 0009_core_inactivity_days
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010_core_session_settings"
down_revision = "0009_core_inactivity_days"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("session_idle_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pseudonym_key", sa.String(length=64), nullable=True))
    organisations = sa.table("organisations", sa.column("id", sa.Integer), sa.column("pseudonym_key", sa.String))
    connection = op.get_bind()
    for (org_id,) in connection.execute(sa.select(organisations.c.id)).all():
        connection.execute(organisations.update().where(organisations.c.id == org_id)
                           .values(pseudonym_key=secrets.token_hex(32)))
    with op.batch_alter_table("organisations") as batch:
        batch.alter_column("pseudonym_key", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("pseudonym_key")
        batch.drop_column("session_idle_minutes")
