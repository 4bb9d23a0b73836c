"""placement moves: a subject moving in after a manageable Part C or Part D decision

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('placement_moves',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('property_id', sa.String(length=64), nullable=False),
    sa.Column('moved_in_on', sa.Date(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_reference', sa.String(length=16), nullable=False),
    sa.Column('part', sa.String(length=1), nullable=False),
    sa.Column('authority', sa.String(length=128), nullable=True),
    sa.Column('placing_authority', sa.String(length=128), nullable=True),
    sa.Column('consent_recorded', sa.Boolean(), nullable=True),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('placement_moves', schema=None) as batch_op:
        batch_op.create_index('ix_placement_moves_subject_id', ['subject_id'], unique=False)
        batch_op.create_index('ix_placement_moves_case_id', ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('placement_moves', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_moves_case_id')
        batch_op.drop_index('ix_placement_moves_subject_id')
    op.drop_table('placement_moves')
