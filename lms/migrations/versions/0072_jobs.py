"""jobs: the scheduler's last start, shared by the in-app loops of every app server

Revision ID: 0072_jobs
Revises: (new branch)
Create Date: 2026-12-06 17:50:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0072_jobs'
down_revision = None
branch_labels = ('jobs',)
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('started_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs'))
    )


def downgrade() -> None:
    op.drop_table('job_runs')
