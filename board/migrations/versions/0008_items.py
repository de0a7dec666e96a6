"""items: the latest state of each item a source delivers (ids only as keyed hashes)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import board.store

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('items',
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('station', sa.String(length=40), nullable=False),
    sa.Column('start_ts', board.store.UTCDateTime(), nullable=False),
    sa.Column('end_ts', board.store.UTCDateTime(), nullable=True),
    sa.Column('waits', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('needs_reaction', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('updated_ts', board.store.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'key', name=op.f('pk_items'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_source_station_start_ts'), ['source', 'station', 'start_ts'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_items_source_waits_end_ts'), ['source', 'waits', 'end_ts'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_source_waits_end_ts'))
        batch_op.drop_index(batch_op.f('ix_items_source_station_start_ts'))
    op.drop_table('items')
