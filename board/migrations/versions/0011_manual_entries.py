"""manual entries: figures typed by hand while a source is down, and their audit list (issue 14)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import board.store

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('manual_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station', sa.String(length=40), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('entered_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('expires_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=False),
    sa.Column('withdrawn_at', board.store.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_entries'))
    )
    with op.batch_alter_table('manual_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manual_entries_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('manual_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manual_entries_expires_at'))
    op.drop_table('manual_entries')
