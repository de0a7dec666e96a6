"""readings keyed by (series, ts): a station's metric as an int4 code in ``series`` (issue 17)

Every reading repeated its station's and metric's codes as text, in the row
and in the primary key's every entry (~198 bytes a reading at 900 stations,
of which the key's index ~103). ``series`` gives each (station, metric) an
int4 code, and ``readings`` is rewritten as ``(series, ts, value, source,
collected_at)`` with the primary key ``(series, ts)``: about half the server's
CPU a reading in a bulk load and ~112 bytes a reading (docs/PERFORMANCE.md 7,
sessions 14 and 15). The codes are given in key order, the rows copied in key
order and the key built after them; the old table is then dropped. The board
must be stopped (the rewrite holds ``readings`` exclusively) and the disk must
hold the new table beside the old one until the end (~0.6 of the old).
``daily_readings``, ``newest_readings`` and ``combined_peaks`` keep station
and metric. A downgrade writes the wide table back.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import board.store

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _roomy_sorts() -> None:
    """PostgreSQL: this transaction's sorts and the key's build in memory where they fit (a year × 900 stations
    is ~330 M rows; at the defaults they spill to disk in small runs)."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SET LOCAL work_mem = '256MB'")
        op.execute("SET LOCAL maintenance_work_mem = '1GB'")


def _set_aside_readings() -> None:
    """Rename ``readings`` to ``readings_old``; on PostgreSQL drop its key first (its name is the new one's)."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE readings DROP CONSTRAINT pk_readings")
    op.execute("ALTER TABLE readings RENAME TO readings_old")


def upgrade() -> None:
    _roomy_sorts()
    op.create_table('series',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station', sa.String(length=40), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    sa.UniqueConstraint('station', 'metric', name=op.f('uq_series_station_metric'))
    )
    # ids in key order: a station's metrics get neighbouring codes, so the new key keeps the old one's order
    op.execute("INSERT INTO series (station, metric) SELECT DISTINCT station, metric FROM readings "
               "ORDER BY station, metric")
    _set_aside_readings()
    postgres = op.get_bind().dialect.name == 'postgresql'
    columns = [
        sa.Column('series', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('ts', board.store.UTCDateTime(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.Column('collected_at', board.store.UTCDateTime(), nullable=False),
    ]
    if postgres:  # the key built once after the rows (cheaper than kept up row by row)
        op.create_table('readings', *columns)
    else:  # SQLite cannot add a primary key to a table
        op.create_table('readings', *columns, sa.PrimaryKeyConstraint('series', 'ts', name=op.f('pk_readings')))
    op.execute("INSERT INTO readings (series, ts, value, source, collected_at) "
               "SELECT s.id, r.ts, r.value, r.source, r.collected_at FROM readings_old r "
               "JOIN series s ON s.station = r.station AND s.metric = r.metric ORDER BY s.id, r.ts")
    if postgres:
        op.create_primary_key(op.f('pk_readings'), 'readings', ['series', 'ts'])
    op.drop_table('readings_old')


def _no_reading_without_series() -> None:
    """Refuse a downgrade that would leave readings behind: the wide table is filled by joining each reading to its
    code's pair, and a reading whose code is not in ``series`` (no foreign key keeps one out; a writer with a
    stale code cache could make them before session 16) would be dropped without a word."""
    orphans = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM readings r WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.id = r.series)")).scalar()
    if orphans:
        raise RuntimeError(
            f"{orphans} reading(s) have a series code that is not in the series table: their station and metric "
            "are unknown, and the downgrade would drop them. Nothing was changed. Look at them with SELECT DISTINCT "
            "series FROM readings WHERE series NOT IN (SELECT id FROM series); delete them (DELETE FROM readings "
            "WHERE series NOT IN (SELECT id FROM series)) to downgrade without them.")


def downgrade() -> None:
    _roomy_sorts()
    _no_reading_without_series()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE readings DROP CONSTRAINT pk_readings")
    op.execute("ALTER TABLE readings RENAME TO readings_old")
    op.create_table('readings',
    sa.Column('station', sa.String(length=40), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.Column('ts', board.store.UTCDateTime(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('collected_at', board.store.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('station', 'metric', 'ts', name=op.f('pk_readings'))
    )
    op.execute("INSERT INTO readings (station, metric, ts, value, source, collected_at) "
               "SELECT s.station, s.metric, r.ts, r.value, r.source, r.collected_at FROM readings_old r "
               "JOIN series s ON s.id = r.series ORDER BY s.station, s.metric, r.ts")
    op.drop_table('readings_old')
    op.drop_table('series')
