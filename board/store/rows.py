"""How a write's readings travel to the database: the hot end of every backfill.

:func:`board.store.writes.upsert_readings` decides what to write (and keeps
the summary tables); these classes only gather the rows and send them, in
the form each driver takes fastest:

* SQLite: tuples for one prepared ``INSERT … ON CONFLICT DO UPDATE`` run by
  ``executemany`` (sqlite3's C loop), a block's column made by ``zip`` in C.
* PostgreSQL: binary ``COPY``, a block's column laid out by numpy as the
  wire format's rows. psycopg's ``executemany`` costs about 25 µs of client
  CPU a row, its ``write_row`` about 3 µs, text lines about 0.6 µs; this
  about 0.1 µs, and the server reads binary about 15 % faster than text.

A block's columns arrive whole (:meth:`add_block`), so rows leave in key
order (series, time), which both databases' indexes take best. A row's
series is the code of its station and metric (:mod:`board.store.series`),
asked of ``codes`` (set by the write) the first time the write meets a pair.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np

from board.domain.timeutil import UTC
from board.store.series import WriteCodes

#: On PostgreSQL a chunk of at least this many rows is first tried with a plain COPY (see PostgresRows.flush).
COPY_MIN_ROWS = 1000
#: A write's streamed COPY ends after this many rows (about 8 MB kept at hand for its fallback; see PostgresRows.flush).
STREAM_MAX_ROWS = 100_000
COLUMNS = "series, ts, value, source, collected_at"
#: A re-read reading with the same value and source is left as it is (the ``WHERE``): the update would write
#: the same row again, and a running collector's pull re-reads the last one's overlap on purpose (half of a
#: cycle's 32 400 readings at 900 stations: a new row version and its WAL each, for nothing).
_ON_CONFLICT = ("ON CONFLICT (series, ts) DO UPDATE SET collected_at = CASE WHEN readings.value = "
                "excluded.value THEN readings.collected_at ELSE excluded.collected_at END, value = excluded.value, "
                "source = excluded.source WHERE readings.value IS DISTINCT FROM excluded.value "
                "OR readings.source IS DISTINCT FROM excluded.source")
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: PostgreSQL's epoch (2000-01-01) in microseconds since the Unix epoch.
_PG_FROM_UNIX = 946_684_800_000_000
#: The binary COPY's signature, flags and header extension length; and its end (a field count of -1).
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
#: A row's time and value fields: each a length (int32) and the bytes (int64 microseconds, float8).
_ROW = struct.Struct(">iqid")
#: A row's start: the field count (5), then the series field (its length, 4, and the int4 code).
_HEAD = struct.Struct(">hii")
#: A block with fewer times than this is packed row by row (see PostgresRows.add_block).
SMALL_BLOCK = 16
_SQLITE_UPSERT = f"INSERT INTO readings ({COLUMNS}) VALUES (?, ?, ?, ?, ?) {_ON_CONFLICT}"


def sqlite_time(ts: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores, so both write paths read back alike.

    A UTC instant (nearly all: the board keeps UTC) is its own ISO text less the ``+00:00``: half the time of
    converting it (a year's first load of items formats about 1.5 million instants)."""
    if ts.tzinfo is UTC:
        return ts.isoformat(" ", "microseconds")[:-6]
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


#: Microseconds since the Unix epoch of 1000-01-01 and of 10000-01-01: numpy's ISO text of an instant between them
#: is ``sqlite_time``'s (four-digit years).
_ISO_FROM, _ISO_UNTIL = -30610224000000000, 253402300800000000


def sqlite_times(us: np.ndarray) -> list[str]:
    """:func:`sqlite_time` of each instant of ``us`` (int64 microseconds since the Unix epoch, UTC), by numpy.

    Why: a first load's blocks hold about 380 000 distinct instants at 60 days; the ISO text per instant by
    ``datetime.isoformat`` plus the datetime's conversion was a third of the blocks' rows. numpy writes
    ``YYYY-MM-DDTHH:MM:SS.ffffff``; the ``T`` becomes the space SQLAlchemy's SQLite ``DateTime`` stores."""
    if len(us) == 0:
        return []
    if int(us.min()) < _ISO_FROM or int(us.max()) >= _ISO_UNTIL:  # five-digit or three-digit years: as one by one
        return [sqlite_time(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=t)) for t in us.tolist()]
    text = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
    text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
    return text.tolist()


class SqliteRows:
    """A write's readings as tuples for ``executemany``."""

    def __init__(self, source: str, collected: datetime) -> None:
        self.source, self.collected = source, sqlite_time(collected)
        self.rows: list[tuple[object, ...]] = []
        self.codes: WriteCodes = None  # type: ignore[assignment]  # set by the write before any row

    def __len__(self) -> int:
        return len(self.rows)

    @staticmethod
    def stamp(ts: datetime) -> str:
        return sqlite_time(ts)

    @staticmethod
    def stamps(us: np.ndarray) -> list[str]:
        """:meth:`stamp` of each time of ``us`` (microseconds since the Unix epoch)."""
        return sqlite_times(us)

    def add(self, station: str, metric: str, stamp: str, value: float) -> None:
        self.rows.append((self.codes.code(station, metric), stamp, value, self.source, self.collected))

    def add_block(self, station: str, metrics: Sequence[str], stamps: list[str], values: np.ndarray) -> None:
        n = len(stamps)
        for j, code in enumerate(self.codes.codes(station, metrics)):
            self.rows.extend(zip(repeat(code, n), stamps, values[:, j].tolist(),
                                 repeat(self.source, n), repeat(self.collected, n), strict=False))

    def flush(self, cursor: Any) -> int:
        cursor.executemany(_SQLITE_UPSERT, self.rows)
        n = len(self.rows)
        self.rows.clear()
        return n

    def finish(self, cursor: Any) -> None:
        """Nothing is left open between chunks on SQLite."""

    def abandon(self, error: BaseException, keep: bool = False) -> None:
        """Nothing is left open between chunks on SQLite."""


class PostgresRows:
    """A write's readings as the rows of a binary ``COPY`` (PostgreSQL's documented wire format).

    A row: the field count (int16), then each field as its length (int32)
    and its bytes: text as UTF-8, ``timestamp`` as microseconds since
    2000-01-01 (int64), ``float8`` as an IEEE double, all big-endian.
    """

    def __init__(self, source: str, collected: datetime) -> None:
        src = source.encode()
        self.tail = struct.pack(f">i{len(src)}siq", len(src), src, 8, self.stamp(collected))
        self.pieces: list[bytes] = []
        self.count = 0
        #: A plain COPY of this write met a stored key: the write overlaps the store, its other chunks are staged.
        self.overlaps = False
        self.codes: WriteCodes = None  # type: ignore[assignment]  # set by the write before any row
        self._heads: dict[tuple[str, str], bytes] = {}
        self._layouts: dict[tuple[str, str], tuple[np.dtype, np.ndarray]] = {}  # type: ignore[type-arg]
        #: The write's open COPY (see flush), how to end it, and the rows sent into it (for the staged fallback).
        self._copy: Any = None
        self._copy_stack: ExitStack | None = None
        self._streamed: list[bytes] = []
        self._streamed_rows = 0

    def __len__(self) -> int:
        return self.count

    @staticmethod
    def stamp(ts: datetime) -> int:
        return (ts - _PG_EPOCH) // _MICROSECOND

    @staticmethod
    def stamps(us: np.ndarray) -> list[int]:
        """:meth:`stamp` of each time of ``us`` (microseconds since the Unix epoch)."""
        return (us - _PG_FROM_UNIX).tolist()

    def _head(self, station: str, metric: str) -> bytes:
        """A row's start for ``station`` and ``metric``: the field count, then the series field (an int4)."""
        head = self._heads.get((station, metric))
        if head is None:
            head = self._heads[(station, metric)] = _HEAD.pack(5, 4, self.codes.code(station, metric))
        return head

    def add(self, station: str, metric: str, stamp: int, value: float) -> None:
        self.pieces.append(self._head(station, metric) + _ROW.pack(8, stamp, 8, value) + self.tail)
        self.count += 1

    def add_block(self, station: str, metrics: Sequence[str], stamps: list[int], values: np.ndarray) -> None:
        n = len(stamps)
        if any((station, metric) not in self._heads for metric in metrics):
            self.codes.codes(station, metrics)  # the block's new pairs asked for at once
        if n < SMALL_BLOCK:  # a running collector's turn: a few times per station, where numpy's per-call cost
            # (a layout and three copies per metric) is most of the work; the same bytes packed one row at a time
            rows = values.tolist()
            tail, pack, pieces = self.tail, _ROW.pack, self.pieces
            for j, metric in enumerate(metrics):
                head = self._head(station, metric)
                pieces.extend(head + pack(8, stamp, 8, row[j]) + tail for stamp, row in zip(stamps, rows, strict=True))
            self.count += n * len(metrics)
            return
        times = np.asarray(stamps, dtype=np.int64)
        for j, metric in enumerate(metrics):
            layout = self._layouts.get((station, metric))
            if layout is None:
                head = np.frombuffer(self._head(station, metric), np.uint8)
                tail = np.frombuffer(self.tail, np.uint8)
                dtype = np.dtype([("head", np.uint8, (len(head),)), ("ts_len", ">i4"), ("ts", ">i8"),
                                  ("value_len", ">i4"), ("value", ">f8"), ("tail", np.uint8, (len(tail),))])
                template = np.zeros(1, dtype)
                template["head"], template["ts_len"], template["value_len"], template["tail"] = head, 8, 8, tail
                layout = self._layouts[(station, metric)] = (dtype, template)
            rows = np.repeat(layout[1], n)
            rows["ts"] = times
            rows["value"] = values[:, j]
            self.pieces.append(rows.tobytes())
        self.count += n * len(metrics)

    def flush(self, cursor: Any) -> int:
        """Send the rows gathered so far: into the write's streamed ``COPY`` when they may all be new, else staged.

        A chunk of at least :data:`COPY_MIN_ROWS` rows (a backfill) goes into
        one ``COPY`` into ``readings`` that stays open across the write's
        chunks (:meth:`finish` ends it), inside a savepoint: the server
        inserts one chunk while the collector makes the next, instead of the
        two taking turns. If any key is already stored, or repeats within the
        stream, the ``COPY`` fails on that key when it ends, is rolled back to
        the savepoint, and the stream's chunks (kept at hand for that) go
        through a temporary table and one ``INSERT … ON CONFLICT`` instead
        (the last of repeated keys wins, as row by row). Smaller chunks (a
        running collector's turn, which overlaps the last one on purpose)
        take that path at once, and so do a write's later chunks once one has
        met a stored key: a cycle at 900 stations is seven chunks of 5 000
        rows, each beginning with the last pull's overlap, and each failed
        ``COPY`` had already written (and left dead) a buffer of 1 000 rows
        with its WAL. A stream ends after :data:`STREAM_MAX_ROWS` rows, so a
        long write keeps at most that many rows at hand.
        """
        import psycopg

        data, n = b"".join(self.pieces), self.count
        self.pieces.clear()
        self.count = 0
        if n >= COPY_MIN_ROWS and not self.overlaps:
            if self._copy is None:
                cursor.execute("SAVEPOINT readings_copy")
                self._copy_stack = ExitStack()
                self._copy = self._copy_stack.enter_context(
                    cursor.copy(f"COPY readings ({COLUMNS}) FROM STDIN (FORMAT BINARY)"))
                self._copy.write(_COPY_HEADER)
            self._streamed.append(data)
            self._streamed_rows += n
            try:
                self._copy.write(data)
            except psycopg.errors.UniqueViolation as error:  # the server's answer, should it come mid-stream
                self.abandon(error, keep=True)
                self._fall_back(cursor)
                return n
            if self._streamed_rows >= STREAM_MAX_ROWS:
                self.finish(cursor)
            return n
        self.finish(cursor)  # a statement cannot run beside an open COPY
        if n:
            self._stage(cursor, data)
        return n

    def finish(self, cursor: Any) -> None:
        """End the write's streamed ``COPY``, if one is open: released, or rolled back and its rows staged."""
        import psycopg

        if self._copy is None:
            return
        copy, stack = self._copy, self._copy_stack
        self._copy, self._copy_stack = None, None
        try:
            copy.write(_COPY_TRAILER)
            stack.close()  # type: ignore[union-attr]  # the COPY's end: the server answers for all its rows
        except psycopg.errors.UniqueViolation:
            self._fall_back(cursor)
            return
        self._streamed, self._streamed_rows = [], 0
        cursor.execute("RELEASE SAVEPOINT readings_copy")

    def _fall_back(self, cursor: Any) -> None:
        """The streamed ``COPY`` met a stored or repeated key: undo it, and stage the rows it had."""
        streamed = self._streamed
        self._streamed, self._streamed_rows = [], 0
        cursor.execute("ROLLBACK TO SAVEPOINT readings_copy")
        self.overlaps = True
        self._stage(cursor, b"".join(streamed))

    def abandon(self, error: BaseException, keep: bool = False) -> None:
        """A write failed while its ``COPY`` was open: end the ``COPY`` as failed (the transaction is rolled back,
        or, with ``keep``, the caller rolls back to the savepoint and stages the rows kept at hand)."""
        if self._copy is not None:
            stack = self._copy_stack
            self._copy, self._copy_stack = None, None
            if not keep:
                self._streamed, self._streamed_rows = [], 0
            stack.__exit__(type(error), error, error.__traceback__)  # type: ignore[union-attr]

    @staticmethod
    def _stage(cursor: Any, data: bytes) -> None:
        """Rows (a binary ``COPY``'s rows, without its header and end) upserted through a temporary table."""
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS readings_stage (n bigint GENERATED ALWAYS AS IDENTITY, "
                       "series int4, ts timestamp, value float8, source varchar(60), collected_at timestamp) "
                       "ON COMMIT DELETE ROWS")
        with cursor.copy(f"COPY readings_stage ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:  # n: line order
            copy.write(_COPY_HEADER)
            copy.write(data)
            copy.write(_COPY_TRAILER)
        cursor.execute(f"INSERT INTO readings ({COLUMNS}) SELECT DISTINCT ON (series, ts) {COLUMNS} "
                       f"FROM readings_stage ORDER BY series, ts, n DESC {_ON_CONFLICT}")
        cursor.execute("TRUNCATE readings_stage")


def copy_into_stage(cursor: Any, stage: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    """COPY ``rows`` into the temporary table ``stage`` (created with ``columns`` on first use, emptied at commit)."""
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({columns}) ON COMMIT DELETE ROWS")
    with cursor.copy(f"COPY {stage} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
