"""station change versions: a counter per station bumped by every write a wall shows (issue 17)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Starts empty: a station with no row is at version 0, and its first write moves it.
    op.create_table('station_changes',
    sa.Column('station', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('station', name=op.f('pk_station_changes'))
    )


def downgrade() -> None:
    op.drop_table('station_changes')
