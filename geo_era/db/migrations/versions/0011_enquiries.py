"""enquiries and concerns (NASSO 5.4, 5.2) and their links to subjects

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('enquiries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('raised_by', sa.String(length=32), nullable=False),
    sa.Column('contact_reference', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('property_id', sa.String(length=64), nullable=True),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('council', sa.String(length=128), nullable=False),
    sa.Column('organisation', sa.String(length=128), nullable=False),
    sa.Column('landlord', sa.String(length=128), nullable=True),
    sa.Column('risk_to_children', sa.Boolean(), nullable=False),
    sa.Column('media_incident', sa.Boolean(), nullable=False),
    sa.Column('routed_to', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_role', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('confirmed_by', sa.String(length=128), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('outcome_notes', sa.Text(), nullable=True),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('outcome_by', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.create_index('ix_enquiries_council', ['council'], unique=False)
        batch_op.create_index('ix_enquiries_organisation', ['organisation'], unique=False)
    op.create_table('enquiry_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('enquiry_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('linked_by', sa.String(length=128), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('enquiry_links', schema=None) as batch_op:
        batch_op.create_index('ix_enquiry_links_enquiry_id', ['enquiry_id'], unique=False)
        batch_op.create_index('ix_enquiry_links_subject_id', ['subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enquiry_links', schema=None) as batch_op:
        batch_op.drop_index('ix_enquiry_links_subject_id')
        batch_op.drop_index('ix_enquiry_links_enquiry_id')
    op.drop_table('enquiry_links')
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_enquiries_organisation')
        batch_op.drop_index('ix_enquiries_council')
    op.drop_table('enquiries')
