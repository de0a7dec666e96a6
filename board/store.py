"""The store: readings, collector runs and source bookmarks (SQLAlchemy 2.0).

Readings are keyed by ``(station, metric, ts)``. Every write is an upsert on
that key, so pulling the same window twice, or a collector restarting in the
middle of a window, can never double-count. The same code runs on SQLite (the
embedded default) and PostgreSQL; only the upsert statement is dialect-specific.

All timestamps are stored as naive UTC and handed out as aware UTC.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    case,
    create_engine,
    delete,
    event,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from board.domain.notice import Notice
from board.domain.reading import Reading, ReadingBlock
from board.domain.snapshot import Latest
from board.domain.timeutil import UTC, day_bounds, ensure_utc, local_date
from board.store_rows import PostgresRows, SqliteRows, copy_into_stage, sqlite_time

UPSERT_CHUNK = 5000
_DAILY_STAGE = ("station varchar(40), day date, metric varchar(60), last_ts timestamp, last_value float8, "
                "max_ts timestamp, max_value float8")
#: The first migration: the schema as it was created before migrations existed.
BASELINE_REVISION = "0001"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, naive UTC in the database (identical on every dialect)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return ensure_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class _Stored(TypeDecorator[object]):
    """A column read as the driver hands it over (SQLite: text, PostgreSQL: date/datetime), for callers that
    convert each distinct value once instead of once per row."""

    impl = String
    cache_ok = True


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class ReadingRow(Base):
    __tablename__ = "readings"

    station: Mapped[str] = mapped_column(String(40), primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(60))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NewestRow(Base):
    """The newest reading time per source, station and metric, kept up to date by every write.

    The Sources page's freshness grid reads this small table instead of
    grouping years of readings.
    """

    __tablename__ = "newest_readings"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    station: Mapped[str] = mapped_column(String(40), primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)


class DailyRow(Base):
    """One station's metric on one Helsinki day: its last reading and its highest, kept by every write.

    The weekly view reads these (a row per station, metric and day) instead of
    every reading of two weeks (~49 a day per metric at the demo's history
    resolution, 1 440 for a minute-by-minute day). ``last_*`` is the reading
    with the latest ``ts`` (a cumulative ``*_today`` metric's day total, a
    gauge's end-of-day value); ``max_*`` the highest value, the latest of equal
    ones: the same two readings retention thinning keeps, so thinning never
    changes a row. A day without readings has no row (never a 0).
    """

    __tablename__ = "daily_readings"

    station: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_ts: Mapped[datetime] = mapped_column(UTCDateTime)
    last_value: Mapped[float] = mapped_column(Float)
    max_ts: Mapped[datetime] = mapped_column(UTCDateTime)
    max_value: Mapped[float] = mapped_column(Float)


class RunRow(Base):
    """One collector run of one source: the administrator's audit trail."""

    __tablename__ = "collector_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    ok: Mapped[bool] = mapped_column()
    error_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The collector process that ran it (host:pid:id), when collectors share a store.
    holder: Mapped[str | None] = mapped_column(String(120), nullable=True)

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    __table_args__ = (Index(None, "source", "started_at"),)


class RejectRow(Base):
    """A row a connector refused, with its reason (aggregated per run)."""

    __tablename__ = "collector_rejects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("collector_runs.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=1)


class BookmarkRow(Base):
    """Where the next pull of a source starts (never past when a pull started)."""

    __tablename__ = "source_bookmarks"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeaseRow(Base):
    """Which collector process pulls a source right now (high availability without double work).

    A collector pulls a source only while it holds the source's lease; it
    renews the lease on every turn and after every batch. When a collector
    dies its leases expire and another collector takes the sources over.
    """

    __tablename__ = "source_leases"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeRow(Base):
    """A shift lead's notice on chosen wall screens (plain text, cleaned by board.domain.notice)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    #: Comma-separated station codes, or "*" for every station (codes cannot contain commas).
    stations: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    author: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def to_domain(self) -> Notice:
        return Notice(self.id, self.text, tuple(self.stations.split(",")), self.starts_at, self.ends_at,
                      self.author, self.created_at, self.withdrawn_at, self.withdrawn_by)


class PageViewRow(Base):
    """How many times a page was opened, per local day, page and station: the board's own usage KPI.

    No user, no address, no session id: counts only.
    """

    __tablename__ = "page_views"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    page: Mapped[str] = mapped_column(String(40), primary_key=True)
    station: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" when the page has no station
    views: Mapped[int] = mapped_column(Integer, default=0)


class Store:
    """Thin gateway over an engine; sessions are opened here, at the edge."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    # ------------------------------------------------------------- set-up
    @classmethod
    def open(cls, url: str, create: bool = True) -> Store:
        store = cls(make_engine(url))
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
        config.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # two processes starting at once must not both migrate
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
            config.attributes["connection"] = conn
            tables = set(inspect(conn).get_table_names())
            if "readings" in tables and "alembic_version" not in tables:
                command.stamp(config, BASELINE_REVISION)
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------- writes
    def upsert_readings(self, session: Session, readings: Iterable[Reading | ReadingBlock], source: str,
                        now: datetime) -> int:
        """Insert or overwrite readings by key inside ``session``; return how many were written.

        The hot path of every backfill, so it talks to the driver directly
        (:mod:`board.store_rows`): on SQLite one prepared ``INSERT … ON
        CONFLICT DO UPDATE`` run with ``executemany`` (sqlite3's C loop); on
        PostgreSQL a binary ``COPY``. A :class:`ReadingBlock` becomes rows a
        column at a time, without an object per reading. Times are written
        exactly as the ``UTCDateTime`` column type writes them (naive UTC).

        A reading written again with the same value keeps its ``collected_at``
        (when the board first had it): pulls overlap on purpose (a source's
        ``lookback_seconds``), and a re-read is not news.

        In the same pass it keeps the two summary tables every write must keep:
        ``daily_readings`` (see :meth:`_roll_up`) and ``newest_readings``.
        """
        dialect = self.engine.dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"upsert is not implemented for {dialect}")
        convert = sqlite_time if dialect == "sqlite" else _naive_utc
        rows: SqliteRows | PostgresRows = (SqliteRows if dialect == "sqlite" else PostgresRows)(source, now)
        stamp = rows.stamp
        # A source sends many readings per instant: convert each instant once (stored form, Helsinki day).
        stamps: dict[datetime, tuple[object, date]] = {}
        cursor = session.connection().connection.dbapi_connection.cursor()
        written = 0
        # (station, metric, day) -> [first ts, last ts, last value, max ts, max value] of this call's readings
        days: dict[tuple[str, str, date], list] = {}  # type: ignore[type-arg]
        unordered: set[tuple[str, str, date]] = set()
        try:
            add, summary_of, stamp_of = rows.add, days.get, stamps.get  # a few µs a reading add up
            for item in readings:
                singles: Iterable[Reading] = (item,)  # type: ignore[assignment]
                if isinstance(item, ReadingBlock):
                    if all(a < b for a, b in pairwise(item.times)):
                        self._block_rows(item, rows, stamps, days, unordered)
                        singles = ()
                    else:  # out of time order: the readings one by one sort that out
                        singles = item.readings()
                for r in singles:
                    ts, station, metric = r.ts, r.station, r.metric
                    known = stamp_of(ts)
                    if known is None:
                        known = stamps[ts] = (stamp(ts), local_date(ts))
                    value = float(r.value)
                    add(station, metric, known[0], value)
                    key = (station, metric, known[1])
                    day = summary_of(key)
                    if day is None:
                        days[key] = [ts, ts, value, ts, value]
                    elif ts > day[1]:  # the usual order: oldest first
                        day[1] = ts
                        day[2] = value
                        if value >= day[4]:
                            day[3] = ts
                            day[4] = value
                    else:  # an earlier or a repeated time: that day is recomputed from the readings
                        unordered.add(key)
                if len(rows) >= UPSERT_CHUNK:
                    written += rows.flush(cursor)
            if len(rows):
                written += rows.flush(cursor)
            self._roll_up(session, cursor, days, unordered)
            newest: dict[tuple[str, str], datetime] = {}
            for (st, m, _), day in days.items():
                if newest.get((st, m), day[1]) <= day[1]:
                    newest[(st, m)] = day[1]
            later, mark = ("MAX", "?") if dialect == "sqlite" else ("GREATEST", "%s")
            cursor.executemany(
                f"INSERT INTO newest_readings (source, station, metric, ts) VALUES ({', '.join([mark] * 4)}) "
                f"ON CONFLICT (source, station, metric) DO UPDATE SET ts = {later}(newest_readings.ts, excluded.ts)",
                [(source, st, m, convert(ts)) for (st, m), ts in newest.items()])
        finally:
            cursor.close()
        return written

    @staticmethod
    def _block_rows(block: ReadingBlock, rows: SqliteRows | PostgresRows, stamps: dict[datetime, tuple[object, date]],
                    days: dict[tuple[str, str, date], list],  # type: ignore[type-arg]
                    unordered: set[tuple[str, str, date]]) -> None:
        """Add ``block``'s rows to ``rows`` (a metric at a time: in key order) and its days' summaries to ``days``.

        The same result as the readings one by one, with numpy doing the
        per-reading work: rows are made a column at a time (see
        :mod:`board.store_rows`), and each day's last and highest value of
        every metric by one reduction per day. The
        block's times must be in ascending order.
        """
        times, station = block.times, block.station
        n = len(times)
        if n == 0:
            return
        known = []
        for ts in times:
            k = stamps.get(ts)
            if k is None:
                k = stamps[ts] = (rows.stamp(ts), local_date(ts))
            known.append(k)
        values = np.asarray(block.values, dtype=np.float64)
        rows.add_block(station, block.metrics, [k[0] for k in known], values)
        start = 0
        while start < n:  # each Helsinki day the block covers (its times are in order, so each day's are contiguous)
            day = known[start][1]
            end = start + 1
            while end < n and known[end][1] == day:
                end += 1
            part = values[start:end]
            last, top = part[-1].tolist(), part.max(axis=0).tolist()
            top_at = (end - 1 - np.argmax(part[::-1], axis=0)).tolist()  # the latest of equal highest values
            for j, metric in enumerate(block.metrics):
                key = (station, metric, day)
                new = [times[start], times[end - 1], last[j], times[top_at[j]], top[j]]
                old = days.get(key)
                if old is None:
                    days[key] = new
                elif new[0] > old[1]:
                    old[1], old[2] = new[1], new[2]
                    if new[4] >= old[4]:
                        old[3], old[4] = new[3], new[4]
                else:  # overlaps what this write already had for the day: recomputed from the readings
                    unordered.add(key)
                    if new[1] > old[1]:
                        old[1], old[2] = new[1], new[2]
            start = end

    def _roll_up(self, session: Session, cursor: object, days: dict[tuple[str, str, date], list],  # type: ignore[type-arg]
                 unordered: set[tuple[str, str, date]]) -> None:
        """Fold one write's per-day summaries into ``daily_readings`` (after the readings are written).

        A day's row merges in place: the later ``last``, the higher ``max``
        (one upsert per station, metric and day touched, not per reading:
        SQLite's ``executemany``, PostgreSQL's temporary table). That is exact unless the write lowered the
        reading that held the day's maximum (a source's correction), which a
        merge cannot see. So the stored rows of the touched days are read first:
        a day whose stored maximum lies inside the time span this write covered,
        and that this write neither raised nor re-sent nor tied later, is
        recomputed from the readings, and so is a day whose readings came out
        of time order (a repeated time might have overwritten one). Neither
        happens in a plain backfill or a normal incremental pull.
        """
        if not days:
            return
        d = DailyRow.__table__.c
        stale = set(unordered)
        stations = sorted({k[0] for k in days})
        first, last = min(k[2] for k in days), max(k[2] for k in days)
        stored = select(d.station, d.metric, d.day, d.max_ts, d.max_value).where(
            d.station.in_(stations), d.day >= first, d.day <= last)
        for st, m, day, max_ts, max_value in session.execute(stored):
            new = days.get((st, m, day))
            if new is None or not new[0] <= max_ts <= new[1]:
                continue
            # Lowered only if this write's highest is below the stored one, or ties it earlier than the stored
            # highest (a later tie is the new latest highest: a quiet day's cumulative total re-sent, say).
            if new[4] < max_value or (new[4] == max_value and new[3] < max_ts):
                stale.add((st, m, day))
        sqlite_dialect = self.engine.dialect.name == "sqlite"
        mark = "?" if sqlite_dialect else "%s"
        convert = sqlite_time if sqlite_dialect else _naive_utc

        def row(key: tuple[str, str, date], a: list) -> tuple[object, ...]:  # type: ignore[type-arg]
            st, m, day = key
            return (st, day.isoformat() if sqlite_dialect else day, m, convert(a[1]), a[2], convert(a[3]), a[4])

        columns = "station, day, metric, last_ts, last_value, max_ts, max_value"
        values = f"VALUES ({', '.join([mark] * 7)})" if sqlite_dialect else f"SELECT {columns} FROM daily_stage"
        insert = (f"INSERT INTO daily_readings ({columns}) {values} "
                  "ON CONFLICT (station, day, metric) DO UPDATE SET ")
        higher = ("excluded.max_value > daily_readings.max_value OR (excluded.max_value = daily_readings.max_value "
                  "AND excluded.max_ts >= daily_readings.max_ts)")
        later = "excluded.last_ts >= daily_readings.last_ts"
        merge = insert + ", ".join(
            f"{col} = CASE WHEN {cond} THEN excluded.{col} ELSE daily_readings.{col} END"
            for col, cond in (("last_ts", later), ("last_value", later), ("max_ts", higher), ("max_value", higher)))

        def send(statement: str, rows: list[tuple[object, ...]]) -> None:
            """SQLite: ``executemany``. PostgreSQL: the rows COPYed into a temporary table, then one statement
            (a year's backfill merges about 200 000 day rows; one by one that was seconds of server time)."""
            if sqlite_dialect:
                cursor.executemany(statement, rows)  # type: ignore[attr-defined]
            elif rows:
                copy_into_stage(cursor, "daily_stage", _DAILY_STAGE, rows)
                cursor.execute(statement)  # type: ignore[attr-defined]
                cursor.execute("TRUNCATE daily_stage")  # type: ignore[attr-defined]

        send(merge, [row(k, a) for k, a in days.items() if k not in stale])
        if stale:
            exact = self._days_from_readings(session, stale)
            send(insert + ", ".join(f"{c} = excluded.{c}" for c in ("last_ts", "last_value", "max_ts", "max_value")),
                 [row(k, a) for k, a in exact.items()])

    def _days_from_readings(self, session: Session, keys: Iterable[tuple[str, str, date]]) -> dict[
            tuple[str, str, date], list]:  # type: ignore[type-arg]
        """The ``daily_readings`` summary of each (station, metric, day) computed from its readings."""
        r = ReadingRow
        out: dict[tuple[str, str, date], list] = {}  # type: ignore[type-arg]
        for st, m, day in keys:
            start, end = day_bounds(day)
            a: list | None = None  # type: ignore[type-arg]
            for ts, value in session.execute(select(r.ts, r.value).where(
                    r.station == st, r.metric == m, r.ts >= start, r.ts < end).order_by(r.ts)):
                if a is None:
                    a = [ts, ts, value, ts, value]
                else:
                    a[1], a[2] = ts, value
                    if value >= a[4]:
                        a[3], a[4] = ts, value
            if a is not None:
                out[(st, m, day)] = a
        return out

    def record_run(self, session: Session, run: RunRow, rejects: dict[str, int] | None = None) -> RunRow:
        session.add(run)
        session.flush()
        for reason, count in (rejects or {}).items():
            session.add(RejectRow(run_id=run.id, reason=reason[:2000], count=count))
        return run

    def set_bookmark(self, session: Session, source: str, since: datetime, now: datetime) -> None:
        row = session.get(BookmarkRow, source)
        if row is None:
            session.add(BookmarkRow(source=source, since=since, updated_at=now))
        else:
            row.since, row.updated_at = since, now

    def prune_runs(self, older_than: datetime) -> int:
        """Forget run records (and their rejects) older than ``older_than``."""
        old = select(RunRow.id).where(RunRow.started_at < older_than)
        with self.sessions.begin() as s:
            s.execute(delete(RejectRow).where(RejectRow.run_id.in_(old)))
            return s.execute(delete(RunRow).where(RunRow.started_at < older_than)).rowcount or 0

    def take_lease(self, source: str, holder: str, now: datetime, ttl_seconds: float) -> bool:
        """Take or renew ``source``'s lease for ``holder``; False while another holder's lease is valid.

        One statement (an upsert that only overwrites our own or an expired
        lease), so two collectors racing for a source cannot both win.
        """
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        table = LeaseRow.__table__
        expires = ensure_utc(now) + timedelta(seconds=ttl_seconds)
        stmt = insert(table).values(source=source, holder=holder, acquired_at=now, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source"],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at,
                  "acquired_at": case((table.c.holder == stmt.excluded.holder, table.c.acquired_at),
                                      else_=stmt.excluded.acquired_at)},
            where=(table.c.holder == stmt.excluded.holder) | (table.c.expires_at < stmt.excluded.acquired_at),
        )
        with self.sessions.begin() as s:
            s.execute(stmt)
            return s.scalar(select(LeaseRow.holder).where(LeaseRow.source == source)) == holder

    def release_leases(self, holder: str) -> None:
        """Give up every lease of ``holder`` (a clean stop: the other collector takes over at once)."""
        with self.sessions.begin() as s:
            s.execute(delete(LeaseRow).where(LeaseRow.holder == holder))

    def leases(self) -> dict[str, tuple[str, datetime]]:
        with self.sessions() as s:
            return {r.source: (r.holder, r.expires_at) for r in s.scalars(select(LeaseRow))}

    def add_notice(self, text: str, stations: Sequence[str], starts_at: datetime, ends_at: datetime,
                   author: str, now: datetime) -> Notice:
        """Store a notice; the caller has cleaned and checked it (board.domain.notice)."""
        row = NoticeRow(text=text, stations=",".join(stations), starts_at=starts_at, ends_at=ends_at, author=author,
                        created_at=now)
        with self.sessions.begin() as s:
            s.add(row)
            s.flush()
            return row.to_domain()

    def withdraw_notice(self, notice_id: int, by: str, now: datetime) -> bool:
        """End a notice now; False when there is no such notice or it was already withdrawn."""
        with self.sessions.begin() as s:
            row = s.get(NoticeRow, notice_id)
            if row is None or row.withdrawn_at is not None:
                return False
            row.withdrawn_at, row.withdrawn_by = now, by
            return True

    def notices(self, active_at: datetime | None = None, station: str | None = None,
                since: datetime | None = None) -> list[Notice]:
        """Notices, newest first: active at ``active_at`` (and shown on ``station``), or ending after ``since``."""
        stmt = select(NoticeRow).order_by(NoticeRow.created_at.desc(), NoticeRow.id.desc())
        if active_at is not None:
            stmt = stmt.where(NoticeRow.withdrawn_at.is_(None), NoticeRow.starts_at <= active_at,
                              NoticeRow.ends_at > active_at)
        if since is not None:
            stmt = stmt.where(NoticeRow.ends_at > since)
        with self.sessions() as s:
            found = [r.to_domain() for r in s.scalars(stmt)]
        return [n for n in found if station is None or n.shows_on(station)]

    def count_view(self, day: date, page: str, station: str = "") -> None:
        """Add one view of ``page`` (at ``station``) on local ``day``."""
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        stmt = insert(PageViewRow.__table__).values(day=day, page=page, station=station, views=1)
        stmt = stmt.on_conflict_do_update(index_elements=["day", "page", "station"],
                                          set_={"views": PageViewRow.__table__.c.views + 1})
        with self.sessions.begin() as s:
            s.execute(stmt)

    def page_views(self, first: date, last: date) -> list[tuple[date, str, str, int]]:
        """``(day, page, station, views)`` for ``first <= day <= last``."""
        v = PageViewRow
        stmt = select(v.day, v.page, v.station, v.views).where(v.day >= first, v.day <= last).order_by(
            v.day, v.page, v.station)
        with self.sessions() as s:
            return [(d, p, st, n) for d, p, st, n in s.execute(stmt)]

    # -------------------------------------------------------------- reads
    def bookmark(self, source: str) -> datetime | None:
        with self.sessions() as s:
            row = s.get(BookmarkRow, source)
            return row.since if row else None

    def latest_values(self, station: str, metrics: Sequence[str] | None = None) -> dict[str, Latest]:
        """The newest reading of each metric at ``station``.

        Through ``newest_readings`` (a row per source, station and metric,
        kept by every write) joined to the readings by their key: a handful of
        index look-ups, however many years of history the station has. (Asking
        the readings for ``max(ts)`` per metric walks every reading of the
        station: seconds at a year of history.)
        """
        r, n = ReadingRow, NewestRow
        stmt = (select(r.metric, r.ts, r.value, r.source)
                .join(n, (r.station == n.station) & (r.metric == n.metric) & (r.ts == n.ts))
                .where(n.station == station))
        if metrics is not None:
            stmt = stmt.where(n.metric.in_(list(metrics)))
        out: dict[str, Latest] = {}
        with self.sessions() as s:
            for m, ts, v, src in s.execute(stmt):
                if m not in out or ts > out[m].ts:  # two sources of one metric: the newer wins
                    out[m] = Latest(ts, v, src)
        return out

    def series(self, station: str, metrics: Sequence[str], start: datetime, end: datetime) -> list[Reading]:
        """Readings of ``metrics`` at ``station`` with start <= ts < end, oldest first."""
        r = ReadingRow
        stmt = (
            select(r.station, r.metric, r.ts, r.value)
            .where(r.station == station, r.metric.in_(list(metrics)), r.ts >= start, r.ts < end)
            .order_by(r.metric, r.ts)
        )
        with self.sessions() as s:
            return [Reading(*row) for row in s.execute(stmt)]

    def daily(self, stations: Sequence[str], metrics: Sequence[str], first: date,
              last: date) -> list[tuple[str, date, str, float, float]]:
        """``(station, day, metric, last value, highest value)`` of each day ``first``..``last`` that has readings.

        From ``daily_readings``: a row per station, metric and Helsinki day, as
        plain tuples (no ORM objects; each distinct day converted once).
        """
        d = DailyRow.__table__.c
        stmt = select(d.station, type_coerce(d.day, _Stored()), d.metric, d.last_value, d.max_value).where(
            d.station.in_(list(stations)), d.day >= first, d.day <= last, d.metric.in_(list(metrics)))
        days: dict[object, date] = {}
        with self.sessions() as s:
            rows = s.execute(stmt).all()
        out = []
        for station, stored, metric, last_value, max_value in rows:
            day = days.get(stored)
            if day is None:
                day = days[stored] = date.fromisoformat(stored) if isinstance(stored, str) else stored
            out.append((station, day, metric, last_value, max_value))
        return out

    def values_at(self, stations: Sequence[str], metric: str, start: datetime,
                  end: datetime) -> list[tuple[str, datetime, float]]:
        """``(station, ts, value)`` of one metric at several stations with start <= ts < end, as plain tuples.

        Fetched in one go, each distinct time converted once (stations share
        their reading times): a few µs a row less than the ORM's per-row work.
        """
        r = ReadingRow.__table__.c
        stmt = select(r.station, type_coerce(r.ts, _Stored()), r.value).where(
            r.station.in_(list(stations)), r.metric == metric, r.ts >= start, r.ts < end)
        stamps: dict[object, datetime] = {}
        with self.sessions() as s:
            rows = s.execute(stmt).all()
        out = []
        for station, stored, value in rows:
            ts = stamps.get(stored)
            if ts is None:
                ts = stamps[stored] = (datetime.fromisoformat(stored) if isinstance(stored, str)
                                       else stored).replace(tzinfo=UTC)
            out.append((station, ts, value))
        return out

    def last_values(self, stations: Sequence[str], metrics: Sequence[str], start: datetime,
                    end: datetime) -> list[tuple[str, str, float]]:
        """``(station, metric, value)`` of the latest reading of each station's metric with start <= ts < end.

        One query, and the database picks the latest of each pair (a group-by
        over the key's index): part of a day at minute resolution is ~500
        readings per station and metric, none of which need to reach Python.
        """
        r = ReadingRow.__table__.c
        latest = (select(r.station, r.metric, func.max(r.ts).label("ts"))
                  .where(r.station.in_(list(stations)), r.metric.in_(list(metrics)), r.ts >= start, r.ts < end)
                  .group_by(r.station, r.metric).subquery())
        stmt = select(r.station, r.metric, r.value).join(
            latest, (r.station == latest.c.station) & (r.metric == latest.c.metric) & (r.ts == latest.c.ts))
        with self.sessions() as s:
            return [(station, metric, value) for station, metric, value in s.execute(stmt)]

    def newest_by_source(self) -> list[tuple[str, str, str, datetime]]:
        """``(source, station, metric, ts)`` of the newest reading per source, station and metric."""
        n = NewestRow
        with self.sessions() as s:
            return [(src, st, m, ts) for src, st, m, ts in s.execute(select(n.source, n.station, n.metric, n.ts))]

    def rejects_since(self, source: str, since: datetime) -> dict[str, int]:
        """Rejected rows of ``source``'s runs started since ``since``, summed per reason."""
        stmt = (select(RejectRow.reason, func.sum(RejectRow.count))
                .join(RunRow, RunRow.id == RejectRow.run_id)
                .where(RunRow.source == source, RunRow.started_at >= since)
                .group_by(RejectRow.reason))
        with self.sessions() as s:
            return {reason: int(n) for reason, n in s.execute(stmt)}

    def oldest_reading(self) -> datetime | None:
        with self.sessions() as s:
            return s.scalar(select(func.min(ReadingRow.ts)))

    def thin_readings(self, start: datetime, end: datetime, bucket: Callable[[datetime], object]) -> int:
        """Keep, per station, metric and ``bucket(ts)``, only the last and the highest reading in [start, end).

        Delete-and-insert in one transaction, so a reader sees the window
        either before or after. Returns how many readings were removed.
        """
        r = ReadingRow
        with self.sessions.begin() as s:
            rows = s.execute(select(r.station, r.metric, r.ts, r.value, r.source, r.collected_at)
                             .where(r.ts >= start, r.ts < end)).all()
            groups: dict[tuple[str, str, object], list] = {}  # type: ignore[type-arg]
            for row in rows:
                groups.setdefault((row.station, row.metric, bucket(row.ts)), []).append(row)
            keep = {}
            for members in groups.values():
                last = max(members, key=lambda m: m.ts)
                top = max(members, key=lambda m: (m.value, m.ts))
                keep[(last.station, last.metric, last.ts)] = last
                keep[(top.station, top.metric, top.ts)] = top
            if len(keep) == len(rows):
                return 0
            s.execute(delete(r).where(r.ts >= start, r.ts < end))
            kept = [dict(station=k.station, metric=k.metric, ts=k.ts, value=k.value, source=k.source,
                         collected_at=k.collected_at) for k in keep.values()]
            for i in range(0, len(kept), UPSERT_CHUNK):
                s.execute(r.__table__.insert(), kept[i:i + UPSERT_CHUNK])
            return len(rows) - len(kept)

    def count_readings(self) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(ReadingRow)) or 0

    def runs(self, source: str | None = None, limit: int = 50) -> list[RunRow]:
        stmt = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit)
        if source:
            stmt = stmt.where(RunRow.source == source)
        with self.sessions() as s:
            return list(s.scalars(stmt))

    def rejects(self, run_id: int) -> dict[str, int]:
        with self.sessions() as s:
            rows = s.scalars(select(RejectRow).where(RejectRow.run_id == run_id))
            return {r.reason: r.count for r in rows}


def _naive_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, make the folder and let two processes share the file."""
    engine = _make_engine(url)
    count_file = os.environ.get("BOARD_QUERY_COUNT_FILE")
    if count_file:
        _count_statements(engine, Path(f"{count_file}.{os.getpid()}"))
    return engine


def _count_statements(engine: Engine, path: Path) -> None:
    """For benchmarks: count the statements this process runs, written to ``path`` once a second.

    Switched on by ``BOARD_QUERY_COUNT_FILE``; it shows whether store queries
    grow with the number of wall screens (they must not: views are cached).
    """
    import threading

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


def _make_engine(url: str) -> Engine:
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

        return engine
    return create_engine(url, pool_pre_ping=True)
