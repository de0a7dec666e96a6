"""pulls in progress

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import board.store

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_pulls',
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('started_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_source_pulls'))
    )


def downgrade() -> None:
    op.drop_table('source_pulls')
