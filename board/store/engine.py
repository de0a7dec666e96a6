"""Opening a database, and every difference between SQLite and PostgreSQL in one place.

:func:`make_engine` creates the engine (SQLite: the folder made, WAL and a
busy timeout so the collector writes while the web server reads) and, for the
benchmarks, a statement counter. :class:`Dialect` is what the rest of the
store asks instead of testing ``dialect.name``: the DB-API parameter mark, how
a time and a day are sent on the raw-cursor paths, which rows class gathers a
write, how a batch of summary rows is sent, the upsert constructor and the
migration lock. A third database means one more :class:`Dialect`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    any_,
    cast,
    create_engine,
    event,
    func,
    literal,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from board.domain.timeutil import UTC
from board.store.rows import PostgresRows, SqliteRows, copy_into_stage, sqlite_time


def _naive_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Dialect:
    """What differs between the two databases the store runs on."""

    name: str
    #: The DB-API parameter mark of the raw-cursor paths.
    mark: str
    #: The SQL function giving the later of two times.
    later: str
    #: A time as the raw-cursor paths send it (what the ``UTCDateTime`` column type stores).
    time: Callable[[datetime], object]
    #: A Helsinki day as the raw-cursor paths send it.
    day: Callable[[date], object]
    #: The class that gathers a write's readings (:mod:`board.store.rows`).
    rows: type[SqliteRows] | type[PostgresRows]
    #: ``insert`` with ``on_conflict_do_update`` for the ORM paths.
    insert: Callable[..., Any]

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    def send_staged(self, cursor: Any, statement: str, rows: list[tuple[object, ...]], stage: str,
                    columns: str) -> None:
        """Run an upsert over many rows. SQLite: ``statement`` (with marks) by ``executemany``. PostgreSQL: the
        rows COPYed into the temporary table ``stage``, then ``statement`` (selecting from it) once: a year's
        backfill merges about 200 000 day rows, which one by one was seconds of server time."""
        if self.is_sqlite:
            cursor.executemany(statement, rows)
        elif rows:
            copy_into_stage(cursor, stage, columns, rows)
            cursor.execute(statement)
            cursor.execute(f"TRUNCATE {stage}")

    def one_of(self, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
        """``column IN values``. PostgreSQL: ``column = ANY(:array)``, the values as one array parameter.

        Why: SQLAlchemy renders an expanding ``IN`` as one parameter per value
        each time the statement runs, and psycopg parses the query text again:
        at 900 stations ~5 ms of CPU a statement against ~1.5 ms for the array
        (docs/PERFORMANCE.md, 7b session 12), several statements a weekly page.
        SQLite keeps ``IN`` (it has no arrays; its statements are prepared in
        process anyway). The rows are the same: ``= ANY`` of an empty array, like
        an empty ``IN``, is false.
        """
        values = list(values)
        if self.is_sqlite:
            return column.in_(values)
        return column == any_(literal(values, postgresql.ARRAY(column.type)))

    def in_series(self, column: ColumnElement[Any], codes: Select[Any]) -> ColumnElement[bool]:
        """``column IN (codes)``, ``codes`` a select of ``series.id`` (the series of some stations' metrics).

        PostgreSQL: ``column = ANY(CAST((SELECT array_agg(id) …) AS integer[]))``, the codes found once (an
        InitPlan) and the readings then probed by the key's index per code, as a list of codes would be. Its
        plan for a join to ``series`` (or ``IN (SELECT …)``, a semi-join) cannot know which codes the filter on
        ``series`` leaves and at 900 stations hashed them against a parallel scan of all of ``readings``: 0.45 s
        for a day's highest queue readings against 0.05 s (docs/PERFORMANCE.md 7, *Backfill, session 15*).
        SQLite keeps ``IN (SELECT …)``, which it answers by probing the key per code.
        """
        if self.is_sqlite:
            return column.in_(codes)
        ids = codes.with_only_columns(func.array_agg(codes.selected_columns[0])).scalar_subquery()
        return column == any_(cast(ids, postgresql.ARRAY(Integer)))

    def commit_without_waiting(self, session: Any) -> None:
        """PostgreSQL: let this transaction's commit return before its WAL is on disk (``SET LOCAL
        synchronous_commit = off``); SQLite: nothing (its ``synchronous=NORMAL`` already makes this bargain).

        For the collector's own writes only: a batch of readings and a lease taken or renewed, where each of a
        backfill's batches waited ~6-8 ms for the disk at its commit (docs/PERFORMANCE.md 7, *The decline,
        session 15*). What it risks: a crash of the operating system or of PostgreSQL within ~0.6 s (three
        ``wal_writer_delay``) of such a commit loses it whole, never half of it, and never without losing every
        later commit too (the WAL is flushed in order). Why that loses nothing for good: the collector moves a
        source's bookmark, acknowledges its files and answers a push only after the run's record
        (:meth:`RunLog.finish_run`), a synchronous commit whose flush takes every earlier write with it; a lost
        write belongs to a run whose bookmark did not move, and the next run reads its window again, the key
        making the overlap harmless (docs/RELIABILITY.md). A lost lease renewal only lets the lease lapse sooner:
        another collector may then pull the same window (harmless, as above), and this one stops at its next
        renewal. ``SET LOCAL``: this transaction only; the pooled connection's next one waits again. A write
        that makes series codes turns it back on (``WriteCodes._durable`` in board/store/series.py): its codes are
        cached by the running process, which a lost commit would leave with codes the table no longer has.
        """
        if not self.is_sqlite:
            session.execute(text("SET LOCAL synchronous_commit = off"))

    def series_table(self, cursor: Any) -> object:
        """Which ``series`` table a write's codes are of (board/store/series.py, ``SeriesCodes``), asked at the
        write's start. PostgreSQL: the table's oid, new whenever the table is made again; the ``EXISTS`` reads
        the table, so a migration that would drop it waits for the write's end. SQLite: the file's schema
        version, moved by every change of its tables (a code cache then read again once: a migration is rare)."""
        cursor.execute("PRAGMA schema_version" if self.is_sqlite
                       else "SELECT CAST('series'::regclass AS oid), EXISTS (SELECT FROM series)")
        return cursor.fetchone()[0]

    def aborted_by_another(self, error: BaseException) -> bool:
        """Whether ``error`` is PostgreSQL aborting a transaction for another's sake (deadlock ``40P01``,
        serialization failure ``40001``): nothing of it was written, and the same transaction run again once the
        other has committed may succeed. Raised by the driver itself on the raw-cursor paths, wrapped by
        SQLAlchemy on the others. SQLite's single writer waits (its busy timeout) instead of deadlocking."""
        if self.is_sqlite:
            return False
        state = getattr(error, "sqlstate", None) or getattr(getattr(error, "orig", None), "sqlstate", None)
        return state in ("40P01", "40001")

    def lock_migrations(self, conn: Connection) -> None:
        """Two processes starting at once must not both migrate (SQLite's write lock already serialises them)."""
        if not self.is_sqlite:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")


SQLITE = Dialect("sqlite", "?", "MAX", sqlite_time, date.isoformat, SqliteRows, sqlite.insert)
POSTGRESQL = Dialect("postgresql", "%s", "GREATEST", _naive_utc, lambda d: d, PostgresRows, postgresql.insert)
DIALECTS = {d.name: d for d in (SQLITE, POSTGRESQL)}


def dialect_of(engine: Engine) -> Dialect:
    try:
        return DIALECTS[engine.dialect.name]
    except KeyError:
        raise NotImplementedError(f"the store is not implemented for {engine.dialect.name}") from None


def make_engine(url: str, count_statements_to: str | None = None) -> Engine:
    """Create an engine; for SQLite, make the folder and let two processes share the file.

    ``count_statements_to`` (the benchmarks' ``BOARD_QUERY_COUNT_FILE``, read by
    :mod:`board.environment`): count the statements this process runs into
    ``FILE.<pid>``.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL: the collector writes while the web server reads, without blocking it.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if count_statements_to:
        _count_statements(engine, Path(f"{count_statements_to}.{os.getpid()}"))
    return engine


def _count_statements(engine: Engine, path: Path) -> None:
    """For benchmarks: count the statements this process runs, written to ``path`` once a second.

    It shows whether store queries grow with the number of wall screens (they
    must not: views are cached).
    """
    counter = {"n": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        counter["n"] += 1

    def flush() -> None:
        spare = path.with_name(path.name + ".tmp")
        while True:  # written aside and renamed: a reader never sees a half-written (empty) file
            spare.write_text(str(counter["n"]))
            os.replace(spare, path)
            threading.Event().wait(1.0)

    threading.Thread(target=flush, name="query-counter", daemon=True).start()
