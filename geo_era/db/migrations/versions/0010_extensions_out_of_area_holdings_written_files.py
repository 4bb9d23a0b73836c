"""deadline extensions, out-of-area reason/plan/discussions, where the ERA is held,
files written outside the store

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _case_table(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        *columns,
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f'ix_{name}_case_id', ['case_id'], unique=False)


def upgrade() -> None:
    _case_table('deadline_extensions',
                sa.Column('agency', sa.String(length=32), nullable=True),
                sa.Column('previous_due', sa.Date(), nullable=False),
                sa.Column('new_due', sa.Date(), nullable=False),
                sa.Column('reason', sa.Text(), nullable=False),
                sa.Column('granted_as', sa.String(length=32), nullable=False))
    _case_table('out_of_area_records',
                sa.Column('part', sa.String(length=16), nullable=False),
                sa.Column('ground', sa.String(length=32), nullable=True),
                sa.Column('text', sa.Text(), nullable=False),
                sa.Column('held_on', sa.Date(), nullable=True),
                sa.Column('participants', sa.Text(), nullable=True),
                sa.Column('authority', sa.String(length=128), nullable=False))
    _case_table('era_holdings',
                sa.Column('system', sa.String(length=128), nullable=False),
                sa.Column('reference', sa.String(length=256), nullable=False),
                sa.Column('agency', sa.String(length=32), nullable=False))
    op.create_table(
        'written_files',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('written_by', sa.String(length=128), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('written_files', schema=None) as batch_op:
        batch_op.create_index('ix_written_files_case_id', ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('written_files', schema=None) as batch_op:
        batch_op.drop_index('ix_written_files_case_id')
    op.drop_table('written_files')
    for name in ('era_holdings', 'out_of_area_records', 'deadline_extensions'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{name}_case_id')
        op.drop_table(name)
