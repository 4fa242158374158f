"""Organisation time zones (own branch, so the core branch keeps one head).

Revision ID: 0050_localtime
"""
import sqlalchemy as sa
from alembic import op

revision = "0050_localtime"
down_revision = None
branch_labels = ("localtime",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "organisation_timezones",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_organisation_timezones_org_id_organisations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_organisation_timezones")),
    )


def downgrade() -> None:
    op.drop_table("organisation_timezones")
