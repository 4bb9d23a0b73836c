"""dwelling outcomes of the minimum set, and changes to a set (extension, by hand)

NASSO 3.8/3.9: what a visit found at each dwelling of a candidate property's minimum set
(per occupant for shared accommodation), and the Responsible Authorities' extension of a
set (by metres or rings) and members added or removed by hand, each with its reason.
Physical checks recorded as ``school`` or ``nursery`` before 3.8's "Schools/Nurseries"
became one item are kept as they were (both together count for the item).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 08:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_dwellings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.String(length=64), nullable=False),
    sa.Column('dwelling_id', sa.String(length=64), nullable=False),
    sa.Column('occupant', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('seen_on', sa.Date(), nullable=False),
    sa.Column('children', sa.Boolean(), nullable=True),
    sa.Column('adult_at_risk', sa.Boolean(), nullable=True),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_dwellings', schema=None) as batch_op:
        batch_op.create_index('ix_case_dwellings_case_id', ['case_id'], unique=False)
    op.create_table('case_set_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.String(length=64), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('dwelling_id', sa.String(length=64), nullable=True),
    sa.Column('metres', sa.Float(), nullable=True),
    sa.Column('rings', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_set_changes', schema=None) as batch_op:
        batch_op.create_index('ix_case_set_changes_case_id', ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_set_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_case_set_changes_case_id')
    op.drop_table('case_set_changes')
    with op.batch_alter_table('case_dwellings', schema=None) as batch_op:
        batch_op.drop_index('ix_case_dwellings_case_id')
    op.drop_table('case_dwellings')
