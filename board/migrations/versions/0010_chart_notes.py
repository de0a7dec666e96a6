"""chart notes: dated notes on the weekly and monthly charts and today's curves (issue 18)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import board.store

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chart_notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('clock', sa.String(length=5), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('created_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', board.store.UTCDateTime(), nullable=True),
    sa.Column('deleted_by', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chart_notes'))
    )
    with op.batch_alter_table('chart_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chart_notes_day'), ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chart_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chart_notes_day'))
    op.drop_table('chart_notes')
