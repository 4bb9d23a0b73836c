"""why each agency takes part in a case (NASSO 3.6; Dorset MAPPA procedures 13, 17)

Agencies of cases opened before this was recorded keep NULL ("not recorded").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_because', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_agencies', schema=None) as batch_op:
        batch_op.drop_column('added_because')
