"""combined queue peaks kept per selection and day, valid while the day's readings are unchanged (issue 17)

The weekly view of 900 stations computed the stations' combined queue peak of
each of its 14 days from ~600 000 queue readings on every cold page (a window
query, most of the page's wall-clock time on PostgreSQL). A finished day's
peak changes only when readings of that day are written again (late or
corrected readings) or thinned, so it is kept once computed
(``combined_peaks``) together with a stamp of the day's readings: the count
and the sum of ``daily_readings.version``, which every write of a station's
readings of that day raises (``board.store.days.MERGE_SQL``) and so does
thinning. Existing rows start at version 0; the table starts empty.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('daily_readings', sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    op.create_table('combined_peaks',
    sa.Column('selection', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('stamp_rows', sa.Integer(), nullable=False),
    sa.Column('stamp_versions', sa.BigInteger(), nullable=False),
    sa.Column('records', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('selection', 'metric', 'day', name=op.f('pk_combined_peaks'))
    )


def downgrade() -> None:
    op.drop_table('combined_peaks')
    with op.batch_alter_table('daily_readings') as batch:
        batch.drop_column('version')
