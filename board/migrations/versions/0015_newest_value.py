"""newest_readings keeps the newest reading's value and source, not only its time

The alert turn and the overview read every station's newest values each minute: through ``newest_readings``
joined to ``readings`` by key, that was a probe into the readings' primary key per row (16 200 at 900 stations,
about 1.2 s of a PostgreSQL cycle's server time, docs/PERFORMANCE.md 7, runs K900c). The write that moves a
row's time already has the value in hand, so it writes the value too and the reads scan one small table
(``board.store.writes._newest``). Filled here from the readings already stored; a row whose reading is gone
(thinned away under another source's later reading) keeps NULL, which the reads skip as the join did.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('newest_readings', sa.Column('value', sa.Float(), nullable=True))
    op.add_column('newest_readings', sa.Column('value_source', sa.String(length=60), nullable=True))
    op.execute("UPDATE newest_readings SET (value, value_source) = (SELECT r.value, r.source FROM readings r "
               "WHERE r.station = newest_readings.station AND r.metric = newest_readings.metric "
               "AND r.ts = newest_readings.ts)")


def downgrade() -> None:
    with op.batch_alter_table('newest_readings') as batch:
        batch.drop_column('value_source')
        batch.drop_column('value')
