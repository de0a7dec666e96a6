"""The store: readings, their day summaries, collector runs, bookmarks, leases, notices, page views and manual entries.

Readings are keyed by ``(station, metric, ts)`` (stored as ``(series, ts)``:
a station's metric as a code, :mod:`.series`). Every write is an upsert on
that key, so pulling the same window twice, or a collector restarting in the
middle of a window, can never double-count. The same code runs on SQLite (the
embedded default) and PostgreSQL; what differs is in :mod:`.engine`.

:class:`Store` is the one door; behind it, a module per job:

* :mod:`.schema`   the tables (ORM) and ``UTCDateTime`` (naive UTC stored, aware UTC handed out)
* :mod:`.engine`   opening a database, SQLite pragmas, the benchmarks' statement counter, :class:`Dialect`
* :mod:`.writes`   the write path (``rows`` gathers and sends the rows; ``days`` is a day's summary and its merge rule)
* :mod:`.reads`    the queries of the pages, the CLI and the Sources page
* :mod:`.periods`  the weekly view's figures over many stations, computed in the database (combined peaks)
* :mod:`.runs`     collector runs, bookmarks and leases
* :mod:`.notices`  notices and page views
* :mod:`.manual`   figures typed by hand while a source is down, kept as their audit list
* :mod:`.chart_notes` notes on the charts
* :mod:`.reports`  the weekly report's outbox
* :mod:`.thinning` retention's reads and thinning
* :mod:`.items`    items of the sources that deliver items, their changes and pruning
* :mod:`.alerts`   alert states, alerts and their history, the outbox of messages, projections
* :mod:`.changes`  per-station change versions, bumped by the writes above (what a wall watches)

Callers get domain records and plain tuples, never sessions or ORM rows.
``sessions`` stays public for tests that look at the tables themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from board.domain.reading import Reading, ReadingBlock
from board.domain.runs import Run
from board.store.alerts import Alerts
from board.store.changes import Changes
from board.store.chart_notes import ChartNotes
from board.store.engine import Dialect, dialect_of, make_engine
from board.store.items import Items
from board.store.manual import ManualEntries
from board.store.notices import Notices
from board.store.periods import PeriodReads
from board.store.reads import Reads
from board.store.reports import Reports
from board.store.runs import RunLog
from board.store.schema import (
    Base,
    BookmarkRow,
    DailyRow,
    LeaseRow,
    NewestRow,
    NoticeRow,
    PageViewRow,
    ReadingRow,
    RejectRow,
    RunRow,
    SeriesRow,
    UTCDateTime,
)
from board.store.series import SeriesCodes
from board.store.thinning import Thinning
from board.store.writes import UPSERT_CHUNK, upsert_readings

__all__ = [
    "BASELINE_REVISION", "UPSERT_CHUNK", "Base", "BookmarkRow", "DailyRow", "Dialect", "LeaseRow", "NewestRow",
    "NoticeRow", "PageViewRow", "ReadingRow", "RejectRow", "Run", "RunRow", "SeriesRow", "Store", "UTCDateTime",
    "make_engine",
]

log = logging.getLogger(__name__)

#: How many times a write of a list is tried when PostgreSQL aborts it for another writer's sake (a deadlock):
#: two writers of the same readings in opposite orders (tests/test_series_writers.py). The server aborts one of
#: the two and the other goes on; the retry waits behind the other's locks, so a second try nearly always succeeds.
WRITE_ATTEMPTS = 3

#: The first migration: the schema as it was created before migrations existed.
BASELINE_REVISION = "0001"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class Store(Reads, PeriodReads, RunLog, Notices, Thinning, Alerts, Items, ChartNotes, ManualEntries, Reports,
            Changes):
    """Thin gateway over an engine; sessions are opened here, at the edge."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        #: The series codes this store's writes have committed or read (board/store/series.py).
        self.series_codes = SeriesCodes()

    @cached_property
    def dialect(self) -> Dialect:
        return dialect_of(self.engine)

    @property
    def reads_beside(self) -> bool:
        """Whether a reader gains by running independent reads at once, each on its own connection: on a
        database server (PostgreSQL) the reading process only waits for them; SQLite's work is the reading
        process's own CPU, so it reads one statement after another (``board.read.week``)."""
        return not self.dialect.is_sqlite

    @classmethod
    def open(cls, url: str, create: bool = True, count_statements_to: str | None = None) -> Store:
        """The store at ``url``, its tables created or upgraded unless ``create`` is False."""
        store = cls(make_engine(url, count_statements_to))
        if create:
            store.create_schema()
        return store

    def create_schema(self) -> None:
        """Create or upgrade the tables with the Alembic migrations in ``board/migrations``.

        A database made before migrations existed (by ``create_all``) has the
        first revision's tables but no ``alembic_version``: it is stamped at
        that revision first, then upgraded like any other.
        """
        from alembic import command
        from alembic.config import Config
        from sqlalchemy import inspect

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            dialect_of(self.engine).lock_migrations(conn)
            config.attributes["connection"] = conn
            tables = set(inspect(conn).get_table_names())
            if "readings" in tables and "alembic_version" not in tables:
                command.stamp(config, BASELINE_REVISION)
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()

    def write_readings(self, readings: Iterable[Reading | ReadingBlock], source: str, now: datetime) -> int:
        """Insert or overwrite ``readings`` by key in one transaction, keeping the day summaries and the newest
        reading per source and the stations' change versions; return how many were written (see
        :mod:`board.store.writes`).

        A list aborted by PostgreSQL for another writer's sake (a deadlock) is written again, whole (at most
        :data:`WRITE_ATTEMPTS` times): nothing of the aborted try was kept, so nothing is counted twice, and the
        collector's run or the push goes on instead of failing (docs/RELIABILITY.md)."""
        attempt = 1
        while True:
            try:
                with self.sessions.begin() as session:
                    self.dialect.commit_without_waiting(session)  # the run's record after it does wait (see there)
                    return upsert_readings(session, self.dialect, readings, source, now, self.series_codes)
            except Exception as error:
                # A list (a collector's batch, a push) can be written again; an iterator has been used up.
                if attempt >= WRITE_ATTEMPTS or not isinstance(readings, list) \
                        or not self.dialect.aborted_by_another(error):
                    raise
                log.warning("a write of %d items for %s was aborted for another writer's sake (%s); writing it "
                            "again (attempt %d)", len(readings), source, str(error).splitlines()[0], attempt + 1)
                attempt += 1
