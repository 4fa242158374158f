"""imports: files kept between the preview and the confirmation of a user import

Revision ID: 0060_imports
Revises: (new branch; needs 0001_core)
Create Date: 2026-12-06 16:00:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0060_imports'
down_revision = None
branch_labels = ('imports',)
depends_on = '0001_core'


def upgrade() -> None:
    op.create_table('pending_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_pending_imports_actor_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_pending_imports_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_imports'))
    )
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_imports_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_imports_org_id'))
    op.drop_table('pending_imports')
