"""report outbox: the weekly report by e-mail, queued once per week and subscription (issue 18)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import board.store

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_outbox',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('subscription', sa.String(length=60), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('created_at', board.store.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try', board.store.UTCDateTime(), nullable=True),
    sa.Column('last_try', board.store.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', board.store.UTCDateTime(), nullable=True),
    sa.Column('gave_up_at', board.store.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_report_outbox'))
    )


def downgrade() -> None:
    op.drop_table('report_outbox')
