"""How a write's readings travel to the database: the hot end of every backfill.

:meth:`board.store.Store.upsert_readings` decides what to write (and keeps
the summary tables); these classes only gather the rows and send them, in
the form each driver takes fastest:

* SQLite: tuples for one prepared ``INSERT … ON CONFLICT DO UPDATE`` run by
  ``executemany`` (sqlite3's C loop).
* PostgreSQL: ``COPY`` text, built a block column at a time with joins in C.
  psycopg's ``executemany`` costs about 25 µs of client CPU a row and its
  ``write_row`` about 3 µs; text lines cost well under 1 µs.

A block's column arrives whole (:meth:`add_column`), so rows leave in key
order (station, metric, time), which both databases' indexes take best.
"""

from __future__ import annotations

from datetime import datetime
from itertools import repeat
from typing import Any

from board.domain.timeutil import UTC

#: On PostgreSQL a chunk of at least this many rows is first tried with a plain COPY (see PostgresRows.flush).
COPY_MIN_ROWS = 1000
COLUMNS = "station, metric, ts, value, source, collected_at"
_ON_CONFLICT = ("ON CONFLICT (station, metric, ts) DO UPDATE SET collected_at = CASE WHEN readings.value = "
                "excluded.value THEN readings.collected_at ELSE excluded.collected_at END, value = excluded.value, "
                "source = excluded.source")
_SQLITE_UPSERT = f"INSERT INTO readings ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) {_ON_CONFLICT}"


def sqlite_time(ts: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores, so both write paths read back alike."""
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class SqliteRows:
    """A write's readings as tuples for ``executemany``."""

    def __init__(self, source: str, collected: datetime) -> None:
        self.source, self.collected = source, sqlite_time(collected)
        self.rows: list[tuple[object, ...]] = []

    def __len__(self) -> int:
        return len(self.rows)

    @staticmethod
    def stamp(ts: datetime) -> str:
        return sqlite_time(ts)

    def add(self, station: str, metric: str, stamp: str, value: float) -> None:
        self.rows.append((station, metric, stamp, value, self.source, self.collected))

    def add_column(self, station: str, metric: str, stamps: list[str], values: list[float]) -> None:
        n = len(stamps)
        self.rows.extend(zip(repeat(station, n), repeat(metric, n), stamps, values, repeat(self.source, n),
                             repeat(self.collected, n), strict=False))

    def flush(self, cursor: Any) -> int:
        cursor.executemany(_SQLITE_UPSERT, self.rows)
        n = len(self.rows)
        self.rows.clear()
        return n


class PostgresRows:
    """A write's readings as ``COPY`` text lines."""

    def __init__(self, source: str, collected: datetime) -> None:
        self.tail = f"\t{_copy_text(source)}\t{sqlite_time(collected)}\n"
        self.pieces: list[str] = []
        self.count = 0
        self._heads: dict[tuple[str, str], str] = {}

    def __len__(self) -> int:
        return self.count

    @staticmethod
    def stamp(ts: datetime) -> str:
        return sqlite_time(ts) + "\t"  # PostgreSQL reads the same text as a timestamp

    def _head(self, station: str, metric: str) -> str:
        head = self._heads.get((station, metric))
        if head is None:
            head = self._heads[(station, metric)] = f"{_copy_text(station)}\t{_copy_text(metric)}\t"
        return head

    def add(self, station: str, metric: str, stamp: str, value: float) -> None:
        self.pieces.append(f"{self._head(station, metric)}{stamp}{value!r}{self.tail}")
        self.count += 1

    def add_column(self, station: str, metric: str, stamps: list[str], values: list[float]) -> None:
        n = len(stamps)
        self.pieces.append("".join(map("".join, zip(repeat(self._head(station, metric), n), stamps,
                                                    map(repr, values), repeat(self.tail, n), strict=False))))
        self.count += n

    def flush(self, cursor: Any) -> int:
        """Send the rows: a plain ``COPY`` into ``readings`` when they are all new, else a staged upsert.

        A chunk of at least :data:`COPY_MIN_ROWS` rows (a backfill) is copied
        straight into the table inside a savepoint. If any key is already
        stored, or repeats within the chunk, the ``COPY`` fails on that key,
        is rolled back to the savepoint, and the chunk goes through a
        temporary table and one ``INSERT … ON CONFLICT`` instead (the last of
        repeated keys wins, as row by row). Smaller chunks (a running
        collector's turn, which overlaps the last one on purpose) take that
        path at once.
        """
        import psycopg

        text, n = "".join(self.pieces), self.count
        self.pieces.clear()
        self.count = 0
        if n >= COPY_MIN_ROWS:
            cursor.execute("SAVEPOINT readings_copy")
            try:
                with cursor.copy(f"COPY readings ({COLUMNS}) FROM STDIN") as copy:
                    copy.write(text)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT readings_copy")
            else:
                cursor.execute("RELEASE SAVEPOINT readings_copy")
                return n
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS readings_stage (n bigint GENERATED ALWAYS AS IDENTITY, "
                       "station varchar(40), metric varchar(60), ts timestamp, value float8, source varchar(60), "
                       "collected_at timestamp) ON COMMIT DELETE ROWS")
        with cursor.copy(f"COPY readings_stage ({COLUMNS}) FROM STDIN") as copy:  # n counts up in line order
            copy.write(text)
        cursor.execute(f"INSERT INTO readings ({COLUMNS}) SELECT DISTINCT ON (station, metric, ts) {COLUMNS} "
                       f"FROM readings_stage ORDER BY station, metric, ts, n DESC {_ON_CONFLICT}")
        cursor.execute("TRUNCATE readings_stage")
        return n


def copy_into_stage(cursor: Any, stage: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    """COPY ``rows`` into the temporary table ``stage`` (created with ``columns`` on first use, emptied at commit)."""
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({columns}) ON COMMIT DELETE ROWS")
    with cursor.copy(f"COPY {stage} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_text(value: str) -> str:
    """``value`` escaped for COPY's text format (a station code could hold a tab or a backslash)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
