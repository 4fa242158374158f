"""core: trainers limited to departments (trainer_departments)

Revision ID: 0061_core_trainer_departments
Revises: 0023_core_self_enrolment
Create Date: 2026-12-06 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0061_core_trainer_departments'
down_revision = '0023_core_self_enrolment'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trainer_departments',
    sa.Column('trainer_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_trainer_departments_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainer_id'], ['users.id'], name=op.f('fk_trainer_departments_trainer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('trainer_id', 'department_id', name=op.f('pk_trainer_departments'))
    )
    with op.batch_alter_table('trainer_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainer_departments_department_id'), ['department_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('trainer_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainer_departments_department_id'))
    op.drop_table('trainer_departments')
