"""child protection links: referrals, Children & Families' initial checks, notices to
Education (the Dorset MAPPA procedure §4, §13, §17)

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-06 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'child_protection_records',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('authority', sa.String(length=128), nullable=False),
        sa.Column('referred_on', sa.Date(), nullable=False),
        sa.Column('to_whom', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('ground', sa.String(length=32), nullable=True),
        sa.Column('school', sa.String(length=200), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=True),
        sa.Column('outcome_on', sa.Date(), nullable=True),
        sa.Column('om_attended', sa.Boolean(), nullable=True),
        sa.Column('database_checked', sa.Boolean(), nullable=True),
        sa.Column('concerns', sa.Boolean(), nullable=True),
        sa.Column('agency', sa.String(length=32), nullable=False),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=128), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('child_protection_records', schema=None) as batch_op:
        for column in ('kind', 'subject_id', 'case_id', 'authority'):
            batch_op.create_index(f'ix_child_protection_records_{column}', [column],
                                  unique=False)


def downgrade() -> None:
    op.drop_table('child_protection_records')
