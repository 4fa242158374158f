"""audit log

Revision ID: 0011_audit
Revises:
"""
import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0011_audit"
down_revision = None
branch_labels = ("audit",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("actor_role", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("target_label", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], name=op.f("fk_audit_log_actor_user_id_users")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_audit_log_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.create_index(batch.f("ix_audit_log_action"), ["action"], unique=False)
        batch.create_index(batch.f("ix_audit_log_actor_user_id"), ["actor_user_id"], unique=False)
        batch.create_index(batch.f("ix_audit_log_created_at"), ["created_at"], unique=False)
        batch.create_index(batch.f("ix_audit_log_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(batch.f("ix_audit_log_org_id"))
        batch.drop_index(batch.f("ix_audit_log_created_at"))
        batch.drop_index(batch.f("ix_audit_log_actor_user_id"))
        batch.drop_index(batch.f("ix_audit_log_action"))
    op.drop_table("audit_log")
