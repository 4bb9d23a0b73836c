"""the authority a case belongs to (organisation scoping)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('authority', sa.String(length=128), nullable=True))
        batch.create_index('ix_cases_authority', ['authority'])


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_cases_authority')
        batch.drop_column('authority')
