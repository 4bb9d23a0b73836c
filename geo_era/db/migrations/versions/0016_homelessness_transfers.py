"""homeless presentations, housing-options advice, transfer requests; temporary
accommodation marked on placement moves

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-06 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_TABLES = {
    'homeless_presentations': ('subject_id', 'authority'),
    'housing_advice': ('subject_id', 'authority'),
    'transfer_requests': ('authority', 'subject_id', 'receiving_authority', 'recorded_org'),
}


def _recorded() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column('recorded_by', sa.String(length=128), nullable=False),
            sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        'homeless_presentations',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('authority', sa.String(length=128), nullable=False),
        sa.Column('presented_on', sa.Date(), nullable=False),
        sa.Column('duty', sa.String(length=32), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('local_connection', sa.String(length=32), nullable=False),
        sa.Column('local_connection_note', sa.Text(), nullable=True),
        sa.Column('intentional_grounds', sa.String(length=32), nullable=True),
        *_recorded(),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'housing_advice',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('authority', sa.String(length=128), nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('advice', sa.Text(), nullable=False),
        sa.Column('services', sa.JSON(), nullable=False),
        *_recorded(),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'transfer_requests',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('authority', sa.String(length=128), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=True),
        sa.Column('property_id', sa.String(length=64), nullable=True),
        sa.Column('landlord', sa.String(length=128), nullable=True),
        sa.Column('requested_on', sa.Date(), nullable=False),
        sa.Column('grounds', sa.Text(), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('at_risk_after_disclosure', sa.Boolean(), nullable=True),
        sa.Column('tenant_agrees', sa.Boolean(), nullable=True),
        sa.Column('specific_risk', sa.String(length=32), nullable=True),
        sa.Column('assistance', sa.String(length=32), nullable=True),
        sa.Column('receiving_authority', sa.String(length=128), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('decision_reasons', sa.Text(), nullable=True),
        sa.Column('shared', sa.Text(), nullable=True),
        sa.Column('case_reference', sa.String(length=16), nullable=True),
        sa.Column('decided_by', sa.String(length=128), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('recorded_as', sa.String(length=32), nullable=False),
        sa.Column('recorded_org', sa.String(length=128), nullable=False),
        *_recorded(),
        sa.PrimaryKeyConstraint('id'))
    for name, columns in _TABLES.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(f'ix_{name}_{column}', [column], unique=False)
    with op.batch_alter_table('placement_moves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('placement_moves', schema=None) as batch_op:
        batch_op.drop_column('ends_on')
        batch_op.drop_column('kind')
    for name, columns in reversed(_TABLES.items()):
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(f'ix_{name}_{column}')
        op.drop_table(name)
