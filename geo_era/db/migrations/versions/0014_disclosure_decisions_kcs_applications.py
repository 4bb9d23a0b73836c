"""disclosure decisions (NASSO 68, 71; Dorset §6, §8, §18) and Keeping Children Safe
applications

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosure_decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('purpose', sa.String(length=24), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_reference', sa.String(length=16), nullable=True),
    sa.Column('council', sa.String(length=128), nullable=False),
    sa.Column('recipient_type', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('disclose', sa.Boolean(), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('authority', sa.String(length=16), nullable=False),
    sa.Column('child_protection', sa.Boolean(), nullable=False),
    sa.Column('meeting_level', sa.Integer(), nullable=True),
    sa.Column('meeting_on', sa.Date(), nullable=True),
    sa.Column('minutes_reference', sa.String(length=200), nullable=True),
    sa.Column('discloser', sa.String(length=200), nullable=True),
    sa.Column('disclose_at', sa.String(length=200), nullable=True),
    sa.Column('disclose_on', sa.Date(), nullable=True),
    sa.Column('advice', sa.Text(), nullable=True),
    sa.Column('restriction_id', sa.Integer(), nullable=True),
    sa.Column('property_id', sa.String(length=64), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=True),
    sa.Column('made_by', sa.String(length=200), nullable=True),
    sa.Column('made_recorded_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['restriction_id'], ['allocation_restrictions.id'],
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('disclosure_decisions', schema=None) as batch_op:
        for column in ('subject_id', 'case_id', 'council', 'recipient', 'restriction_id',
                       'property_id'):
            batch_op.create_index(f'ix_disclosure_decisions_{column}', [column],
                                  unique=False)
    op.create_table('kcs_applications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('relationship', sa.String(length=16), nullable=False),
    sa.Column('council', sa.String(length=128), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome_by', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kcs_applications', schema=None) as batch_op:
        batch_op.create_index('ix_kcs_applications_council', ['council'], unique=False)
        batch_op.create_index('ix_kcs_applications_subject_id', ['subject_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kcs_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_kcs_applications_subject_id')
        batch_op.drop_index('ix_kcs_applications_council')
    op.drop_table('kcs_applications')
    with op.batch_alter_table('disclosure_decisions', schema=None) as batch_op:
        for column in ('property_id', 'restriction_id', 'recipient', 'council', 'case_id',
                       'subject_id'):
            batch_op.drop_index(f'ix_disclosure_decisions_{column}')
    op.drop_table('disclosure_decisions')
