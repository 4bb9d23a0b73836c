"""staff-safety markers on properties and tenancies, and the contractor firms each is
shared with (NASSO 69-70, 5.3)

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_INDEXED = ('property_id', 'landlord_key', 'authority', 'subject_id', 'owner', 'review_on',
            'expires_on')


def upgrade() -> None:
    op.create_table(
        'staff_safety_markers',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('property_id', sa.String(length=64), nullable=False),
        sa.Column('tenancy_reference', sa.String(length=64), nullable=True),
        sa.Column('landlord', sa.String(length=128), nullable=True),
        sa.Column('landlord_key', sa.String(length=128), nullable=True),
        sa.Column('authority', sa.String(length=128), nullable=True),
        sa.Column('instructions', sa.JSON(), nullable=False),
        sa.Column('practical_text', sa.Text(), nullable=True),
        sa.Column('text_reviewed_by', sa.String(length=128), nullable=True),
        sa.Column('text_reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('subject_id', sa.String(length=64), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('owner', sa.String(length=128), nullable=False),
        sa.Column('review_on', sa.Date(), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('last_reviewed_by', sa.String(length=128), nullable=True),
        sa.Column('last_reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('staff_safety_markers', schema=None) as batch_op:
        for column in _INDEXED:
            batch_op.create_index(f'ix_staff_safety_markers_{column}', [column],
                                  unique=False)
    op.create_table(
        'staff_safety_marker_firms',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('marker_id', sa.Integer(), nullable=False),
        sa.Column('firm', sa.String(length=128), nullable=False),
        sa.Column('firm_key', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['marker_id'], ['staff_safety_markers.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('staff_safety_marker_firms', schema=None) as batch_op:
        batch_op.create_index('ix_staff_safety_marker_firms_marker_id', ['marker_id'],
                              unique=False)
        batch_op.create_index('ix_staff_safety_marker_firms_firm_key', ['firm_key'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_safety_marker_firms', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_safety_marker_firms_firm_key')
        batch_op.drop_index('ix_staff_safety_marker_firms_marker_id')
    op.drop_table('staff_safety_marker_firms')
    with op.batch_alter_table('staff_safety_markers', schema=None) as batch_op:
        for column in reversed(_INDEXED):
            batch_op.drop_index(f'ix_staff_safety_markers_{column}')
    op.drop_table('staff_safety_markers')
