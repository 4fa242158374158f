"""Single sign-on: identity providers, linked identities, replay guard, password-login setting.

Revision ID: 0030_sso
"""
import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0030_sso"
down_revision = None
branch_labels = ("sso",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "sso_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("client_secret_enc", sa.Text(), nullable=False),
        sa.Column("metadata_xml", sa.Text(), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("jit", sa.Boolean(), nullable=False),
        sa.Column("default_role", sa.String(length=10), nullable=False),
        sa.Column("group_claim", sa.String(length=100), nullable=False),
        sa.Column("role_map", sa.JSON(), nullable=False),
        sa.Column("department_claim", sa.String(length=100), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_sso_providers_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_providers")),
    )
    op.create_index(op.f("ix_sso_providers_org_id"), "sso_providers", ["org_id"], unique=False)
    op.create_table(
        "sso_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_login_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["sso_providers.id"], ondelete="CASCADE",
                                name=op.f("fk_sso_identities_provider_id_sso_providers")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sso_identities_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint("provider_id", "subject", name=op.f("uq_sso_identities_provider_id")),
    )
    op.create_index(op.f("ix_sso_identities_provider_id"), "sso_identities", ["provider_id"], unique=False)
    op.create_index(op.f("ix_sso_identities_user_id"), "sso_identities", ["user_id"], unique=False)
    op.create_table(
        "sso_seen_assertions",
        sa.Column("assertion_id", sa.String(length=200), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("not_on_or_after", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["sso_providers.id"], ondelete="CASCADE",
                                name=op.f("fk_sso_seen_assertions_provider_id_sso_providers")),
        sa.PrimaryKeyConstraint("assertion_id", name=op.f("pk_sso_seen_assertions")),
    )
    op.create_index(op.f("ix_sso_seen_assertions_provider_id"), "sso_seen_assertions", ["provider_id"], unique=False)
    op.create_index(op.f("ix_sso_seen_assertions_not_on_or_after"), "sso_seen_assertions", ["not_on_or_after"],
                    unique=False)
    op.create_table(
        "sso_login_settings",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("password_login", sa.Boolean(), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_sso_login_settings_org_id_organisations")),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_sso_login_settings")),
    )


def downgrade() -> None:
    op.drop_table("sso_login_settings")
    op.drop_table("sso_seen_assertions")
    op.drop_table("sso_identities")
    op.drop_table("sso_providers")
