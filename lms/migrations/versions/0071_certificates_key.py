"""certificates: the credential signing key in the database (shared by every app server)

Revision ID: 0071_certificates_key
Revises: 0007_certificates
Create Date: 2026-12-06 17:40:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0071_certificates_key'
down_revision = '0007_certificates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credential_keys',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('private_pem_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_keys'))
    )


def downgrade() -> None:
    op.drop_table('credential_keys')
