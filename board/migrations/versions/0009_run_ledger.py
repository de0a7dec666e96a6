"""run ledger: rows read, stored, refused, ignored and duplicates per collector run (issue 13)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = ('rows_read', 'rows_stored', 'rows_refused', 'rows_ignored', 'duplicates')


def upgrade() -> None:
    # Runs recorded before the ledger have no row counts (NULL): nothing to add up for them.
    with op.batch_alter_table('collector_runs', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('collector_runs', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
