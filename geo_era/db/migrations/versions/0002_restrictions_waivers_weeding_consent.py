"""restrictions, review waivers, weeding log, out-of-area consent

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 14:59:43.511530
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('review_waivers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_waivers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_waivers_subject_id'), ['subject_id'], unique=False)

    op.create_table('weeding_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.Date(), nullable=False),
    sa.Column('weeded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('allocation_restrictions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.String(length=64), nullable=False),
    sa.Column('restriction', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('allocation_restrictions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_restrictions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_restrictions_property_id'), ['property_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placing_authority', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('receiving_authority', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('consent_recorded_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('consent_recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_closed_at'), ['closed_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_closed_at'))
        batch_op.drop_column('closed_at')
        batch_op.drop_column('consent_recorded_at')
        batch_op.drop_column('consent_recorded_by')
        batch_op.drop_column('receiving_authority')
        batch_op.drop_column('placing_authority')

    with op.batch_alter_table('allocation_restrictions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_restrictions_property_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_restrictions_case_id'))

    op.drop_table('allocation_restrictions')
    op.drop_table('weeding_log')
    with op.batch_alter_table('review_waivers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_waivers_subject_id'))

    op.drop_table('review_waivers')

