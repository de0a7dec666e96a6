"""notices and page views

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import board.store

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('stations', sa.Text(), nullable=False),
    sa.Column('starts_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('ends_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('created_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', board.store.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_ends_at'), ['ends_at'], unique=False)

    op.create_table('page_views',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('page', sa.String(length=40), nullable=False),
    sa.Column('station', sa.String(length=40), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'page', 'station', name=op.f('pk_page_views'))
    )


def downgrade() -> None:
    op.drop_table('page_views')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_ends_at'))

    op.drop_table('notices')
