"""Per-station change versions: what lets a wall re-render when its station's data changed, and only then.

``station_changes`` holds one counter per station, bumped in the same
transaction as every write that changes what a wall shows of that station:
readings (:func:`board.store.writes.upsert_readings`, so pulled and pushed
data alike), notices (added or withdrawn; a notice on every station bumps
the ``*`` row) and projections. Reading the whole table is one small
statement (a row per station), so a web server can read it every half
second for all its screens (:mod:`board.web.changes`) instead of every
screen re-reading its station's figures on a timer.

Stations are bumped in sorted order: two writers bumping overlapping
stations take the row locks in the same order (PostgreSQL), so they cannot
deadlock on them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from board.store.engine import Dialect, dialect_of
from board.store.schema import StationChangeRow

_BUMP = ("INSERT INTO station_changes (station, version) VALUES ({mark}, 1) "
         "ON CONFLICT (station) DO UPDATE SET version = station_changes.version + 1")

#: The same for many stations at once (PostgreSQL): the array's order is the sorted order the locks are taken in.
_BUMP_ALL = ("INSERT INTO station_changes (station, version) SELECT code, 1 FROM unnest(CAST({mark} AS varchar[])) "
             "WITH ORDINALITY AS u(code, n) ORDER BY n "
             "ON CONFLICT (station) DO UPDATE SET version = station_changes.version + 1")


def bump_with_cursor(dialect: Dialect, cursor: Any, stations: Iterable[str]) -> None:
    """Bump ``stations``' versions through a DB-API cursor (the readings' write path).

    On PostgreSQL in one statement over an array, in the same sorted order (a statement per station was 900
    executions on the server for a cycle at national scale); SQLite's ``executemany`` is its own C loop."""
    codes = sorted(set(stations))
    if not codes:
        return
    if dialect.is_sqlite:
        cursor.executemany(_BUMP.format(mark=dialect.mark), [(code,) for code in codes])
    else:
        cursor.execute(_BUMP_ALL.format(mark="%s"), (codes,))


def bump(session: Session, stations: Iterable[str]) -> None:
    """Bump ``stations``' versions inside ``session``'s transaction."""
    codes = sorted(set(stations))
    if not codes:
        return
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(_BUMP.format(mark=":station")), [{"station": code} for code in codes])
    else:  # one statement, as bump_with_cursor
        session.execute(text(_BUMP_ALL.format(mark=":codes")), {"codes": codes})


class Changes:
    """Change versions (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    engine: Engine

    def change_versions(self, stations: Collection[str] | None = None) -> dict[str, int]:
        """Every station's change version (``*``: notices shown on every station), or only ``stations``' and
        ``*``'s; a station never written is absent (version 0).

        Why the filter: a web server reads the versions twice a second while walls wait, and reads only the
        stations its walls show. The whole table at 900 stations cost 0.75 ms of CPU a read (SQLite) against
        0.12 ms at 30: a wall refresh then grew with the stations in the store (docs/PERFORMANCE.md 7)."""
        if stations is not None:
            # The driver's own SQL, no statement built per call: 0.075 ms of CPU at 30 and at 900 stations against
            # 0.28-0.37 ms for the same through SQLAlchemy Core, and 0.11-0.15 ms for the whole table at 30.
            codes = tuple(sorted({*stations, "*"}))
            marks = ", ".join([dialect_of(self.engine).mark] * len(codes))
            with self.engine.connect() as conn:
                return dict(conn.exec_driver_sql(
                    f"SELECT station, version FROM station_changes WHERE station IN ({marks})", codes).all())
        table = StationChangeRow.__table__
        with self.engine.connect() as conn:  # a Core read: it runs every second on every web server
            return {station: version for station, version in conn.execute(select(table.c.station, table.c.version))}
