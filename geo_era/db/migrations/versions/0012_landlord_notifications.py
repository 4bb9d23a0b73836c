"""landlord notifications (NASSO 5.3)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INDEXES = ('landlord', 'authority', 'subject_id', 'case_id')


def upgrade() -> None:
    op.create_table(
        'landlord_notifications',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('property_id', sa.String(length=64), nullable=False),
        sa.Column('landlord', sa.String(length=128), nullable=False),
        sa.Column('authority', sa.String(length=128), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('landlord_reference', sa.String(length=64), nullable=False),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_by', sa.String(length=128), nullable=True),
        sa.Column('received_role', sa.String(length=32), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('subject_id', sa.String(length=64), nullable=True),
        sa.Column('linked_by', sa.String(length=128), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('case_reference', sa.String(length=16), nullable=True),
        sa.Column('review_opened_by', sa.String(length=128), nullable=True),
        sa.Column('review_opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('landlord_notifications', schema=None) as batch_op:
        for column in INDEXES:
            batch_op.create_index(f'ix_landlord_notifications_{column}', [column],
                                  unique=False)


def downgrade() -> None:
    with op.batch_alter_table('landlord_notifications', schema=None) as batch_op:
        for column in INDEXES:
            batch_op.drop_index(f'ix_landlord_notifications_{column}')
    op.drop_table('landlord_notifications')
