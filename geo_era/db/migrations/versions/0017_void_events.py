"""void events: a landlord's property published as void or let (live voids)

Revision ID: 0017
Revises: 0010
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('void_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('property_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('landlord', sa.String(length=128), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('void_events', schema=None) as batch_op:
        batch_op.create_index('ix_void_events_property_id', ['property_id'], unique=False)
        batch_op.create_index('ix_void_events_landlord', ['landlord'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('void_events', schema=None) as batch_op:
        batch_op.drop_index('ix_void_events_landlord')
        batch_op.drop_index('ix_void_events_property_id')
    op.drop_table('void_events')
