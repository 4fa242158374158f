"""Departments as an entity per organisation; the users' free-text department moves there.

Revision ID: 0020_core_departments
Revises: 0010_core_session_settings
"""
import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0020_core_departments"
down_revision = "0010_core_session_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_departments_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_departments_org_id")),
    )
    with op.batch_alter_table("departments") as batch:
        batch.create_index(batch.f("ix_departments_org_id"), ["org_id"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_users_department_id"), ["department_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_users_department_id_departments"), "departments", ["department_id"],
                                 ["id"], ondelete="SET NULL")
    # Existing free text becomes one department per distinct (trimmed) name and organisation.
    op.execute("INSERT INTO departments (org_id, name, created_at) "
               "SELECT DISTINCT org_id, TRIM(department), CURRENT_TIMESTAMP FROM users WHERE TRIM(department) <> ''")
    op.execute("UPDATE users SET department_id = (SELECT d.id FROM departments d WHERE d.org_id = users.org_id "
               "AND d.name = TRIM(users.department)) WHERE TRIM(department) <> ''")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("department")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("department", sa.String(length=100), nullable=False, server_default=""))
    op.execute("UPDATE users SET department = COALESCE((SELECT d.name FROM departments d "
               "WHERE d.id = users.department_id), '')")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("department", server_default=None)
        batch.drop_constraint("fk_users_department_id_departments", type_="foreignkey")
        batch.drop_index("ix_users_department_id")
        batch.drop_column("department_id")
    with op.batch_alter_table("departments") as batch:
        batch.drop_index("ix_departments_org_id")
    op.drop_table("departments")
