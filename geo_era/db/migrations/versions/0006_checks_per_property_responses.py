"""checks per candidate property, the lead agency's responses, Part C adjustments

Existing checks are assigned to their case's candidate when the case has exactly one;
on a case with several they stay NULL: "case-wide, recorded before checks were per
property", shown as such and satisfying no property's approval.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('property_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adjustments', sa.Text(), nullable=True))
    op.execute(
        "UPDATE checks SET property_id = (SELECT MIN(cp.property_id) FROM case_properties cp "
        "WHERE cp.case_id = checks.case_id) WHERE property_id IS NULL AND "
        "(SELECT COUNT(*) FROM case_properties cp WHERE cp.case_id = checks.case_id) = 1")
    op.create_table('case_responses',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=96), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_responses', schema=None) as batch_op:
        batch_op.create_index('ix_case_responses_case_id', ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_case_responses_case_id')
    op.drop_table('case_responses')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('adjustments')
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_column('property_id')
