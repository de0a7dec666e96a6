"""run ledger: rows a failed run read and checked but never wrote ("not written"), apart from rows stored

A failed run counted rows as stored when they passed the checks, before the write; when the write then failed the
run said "stored 6" with nothing in the store. ``rows_unwritten`` holds those rows now (board/domain/ledger.py).
Runs recorded before this migration have NULL (read as 0).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 18:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('collector_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_unwritten', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('collector_runs', schema=None) as batch_op:
        batch_op.drop_column('rows_unwritten')
