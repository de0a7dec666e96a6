"""The store's tables (SQLAlchemy 2.0 ORM) and how a time is kept in them.

All timestamps are stored as naive UTC and handed out as aware UTC
(:class:`UTCDateTime`, identical on every dialect). The schema is created and
upgraded by the Alembic migrations in ``board/migrations``; a change here
needs a migration (``tests/test_migrations.py`` says when they disagree).
Only the store package uses these classes: callers get domain records.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from board.domain.chart_note import ChartNote, Scope
from board.domain.notice import Notice
from board.domain.reasons import decode, encode
from board.domain.runs import Run
from board.domain.timeutil import UTC, ensure_utc


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


class Stored(TypeDecorator[object]):
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


class SeriesRow(Base):
    """A station's metric as a small code: what ``readings`` is keyed by (migration 0017).

    A reading's key was ``(station, metric, ts)``, two texts repeated in every row and every index entry;
    now it is ``(series, ts)``. A code is made by the write that first stores the pair and never changes or
    goes away (thinning deletes readings, not series), so a store keeps the codes it has seen
    (:class:`board.store.series.SeriesCodes`). No foreign key from ``readings``: PostgreSQL checks one by a
    trigger per row, which would cost a bulk ``COPY`` more than the narrow key saves.
    """

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station: Mapped[str] = mapped_column(String(40))
    metric: Mapped[str] = mapped_column(String(60))

    __table_args__ = (UniqueConstraint("station", "metric"),)


class ReadingRow(Base):
    """One reading: its series (a station's metric, :class:`SeriesRow`), time, value, source and when the board
    first had it. Read by station and metric through a join to ``series``."""

    __tablename__ = "readings"

    series: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(60))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NewestRow(Base):
    """The newest reading per source, station and metric: its time, value and source, kept by every write.

    The Sources page's freshness grid reads the times instead of grouping
    years of readings; the overview and the alert turn read the values
    instead of looking each up in ``readings`` (migration 0015). ``value`` and
    ``value_source`` are the reading stored at ``ts`` (``value_source`` differs
    from ``source`` only when another source re-delivered that very instant);
    NULL when that reading is gone.
    """

    __tablename__ = "newest_readings"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    station: Mapped[str] = mapped_column(String(40), primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    value_source: Mapped[str | None] = mapped_column(String(60), nullable=True)


class StationChangeRow(Base):
    """A station's change version: bumped by every write that changes what its wall shows (board/store/changes.py)."""

    __tablename__ = "station_changes"

    station: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


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
    #: Raised by every write of the row's readings (and by thinning them): what tells
    #: :class:`CombinedPeakRow` that a day's readings changed (migration 0016).
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class CombinedPeakRow(Base):
    """Several stations' combined queue peak of one Helsinki day, kept once computed (board/store/periods.py).

    ``selection`` is a digest of the stations' sorted codes. ``records`` is the
    day's running maximum as the moments it rose ("microseconds:value,..."), so
    the day's peak is the last value and the peak up to any moment is read off
    it. Valid while ``stamp_rows`` and ``stamp_versions`` still equal the count
    and the sum of ``daily_readings.version`` over those stations' rows of the
    metric and day: every write of their readings raises the sum (migration 0016).
    """

    __tablename__ = "combined_peaks"

    selection: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    stamp_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    stamp_versions: Mapped[int] = mapped_column(BigInteger, nullable=False)
    records: Mapped[str] = mapped_column(Text, nullable=False)


class ItemRow(Base):
    """One item of a source that delivers items (board/domain/items.py), in its latest state.

    ``key`` is the keyed hash of the source's id (connectors/items.py), never the id. ``waits``: the item
    takes part in a "waiting now" figure (callbacks, messages, feedback needing a reaction); it is open while
    ``end_ts`` is empty. Closed items are deleted some time after they closed (``items.keep_closed_days``);
    the figures counted from them stay as readings.
    """

    __tablename__ = "items"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(12))
    station: Mapped[str] = mapped_column(String(40))
    start_ts: Mapped[datetime] = mapped_column(UTCDateTime)
    end_ts: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    waits: Mapped[bool] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(12), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    needs_reaction: Mapped[bool] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    updated_ts: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index(None, "source", "station", "start_ts"), Index(None, "source", "waits", "end_ts"))


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
    #: The run ledger (board/domain/ledger.py); NULL for runs recorded before it (and rows not counted).
    rows_read: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows_stored: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows_refused: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows_ignored: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duplicates: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Rows a failed run read and checked but never wrote (board/domain/ledger.py); NULL before migration 0018.
    rows_unwritten: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index(None, "source", "started_at"),)

    @classmethod
    def from_domain(cls, run: Run) -> RunRow:
        return cls(source=run.source, started_at=run.started_at, finished_at=run.finished_at,
                   window_since=run.window_since, rows=run.rows, rejected=run.rejected, attempts=run.attempts,
                   ok=run.ok, error_kind=run.error_kind, error=encode(run.error) if run.error else run.error,
                   holder=run.holder,
                   rows_read=run.rows_read, rows_stored=run.rows_stored, rows_refused=run.rows_refused,
                   rows_ignored=run.rows_ignored, duplicates=run.duplicates, rows_unwritten=run.rows_unwritten)

    def to_domain(self) -> Run:
        return Run(source=self.source, started_at=self.started_at, finished_at=self.finished_at,
                   window_since=self.window_since, rows=self.rows, rejected=self.rejected, attempts=self.attempts,
                   ok=self.ok, error_kind=self.error_kind, error=decode(self.error) if self.error else self.error,
                   holder=self.holder, id=self.id,
                   rows_read=self.rows_read, rows_stored=self.rows_stored, rows_refused=self.rows_refused or 0,
                   rows_ignored=self.rows_ignored or 0, duplicates=self.duplicates or 0,
                   rows_unwritten=self.rows_unwritten or 0)


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


class PullRow(Base):
    """A pull under way: written when it starts, removed with its run record (for /sources: "pulling for 12 s")."""

    __tablename__ = "source_pulls"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str] = mapped_column(String(120))


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


class ChartNoteRow(Base):
    """A dated note on the charts (board.domain.chart_note): cleaned text, its scope, who wrote and deleted it."""

    __tablename__ = "chart_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    #: Local (Helsinki) clock time as "HH:MM", or NULL for the whole day.
    clock: Mapped[str | None] = mapped_column(String(5), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    #: "all", "station" or "area" (board.domain.chart_note.Scope) and the station's or area's code.
    scope: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def to_domain(self) -> ChartNote:
        clock = time.fromisoformat(self.clock) if self.clock else None
        return ChartNote(self.id, self.day, clock, self.text, Scope(self.scope), self.code, self.author,
                         self.created_at, self.deleted_at, self.deleted_by)


class ReportOutboxRow(Base):
    """One weekly report to one subscription (board/reports): queued once per week, marked when sent.

    The key (``weekly:2026-W48:subscription``) is the primary key, so two
    collectors queueing the same report store it once; the report itself is
    made at sending time from the store (the same week's figures every try).
    """

    __tablename__ = "report_outbox"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    subscription: Mapped[str] = mapped_column(String(60))
    week: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_try: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PageViewRow(Base):
    """How many times a page was opened, per local day, page and station: the board's own usage KPI.

    No user, no address, no session id: counts only.
    """

    __tablename__ = "page_views"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    page: Mapped[str] = mapped_column(String(40), primary_key=True)
    station: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" when the page has no station
    views: Mapped[int] = mapped_column(Integer, default=0)


# ------------------------------------------------------------------ alerts (board/domain/alerts.py)
class AlertSeriesRow(Base):
    """The state of one alert rule for one station or source between evaluations (board.domain.alerts.Series)."""

    __tablename__ = "alert_series"

    rule: Mapped[str] = mapped_column(String(60), primary_key=True)
    subject: Mapped[str] = mapped_column(String(60), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cleared_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_notified: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertRow(Base):
    """One alert from its start to its end: the history the alert page lists (who acknowledged, when)."""

    __tablename__ = "alerts"

    alert_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    rule: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(60))
    figure: Mapped[str | None] = mapped_column(String(60), nullable=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended: Mapped[str | None] = mapped_column(String(20), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxRow(Base):
    """One message to one subscription, kept by its unique key: written with the evaluation, marked when sent."""

    __tablename__ = "alert_outbox"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(20))
    subscription: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(60))
    #: E-mail addresses, comma-separated ("" for other channels).
    recipients: Mapped[str] = mapped_column(Text)
    #: The notification (board.domain.alerts.Notification) as JSON.
    notification: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_try: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index(None, "sent_at", "gave_up_at", "created_at"), Index(None, "channel", "last_try"))


class ProjectionRow(Base):
    """A station's newest end-of-day projection (board.domain.projection), or why there is none."""

    __tablename__ = "projections"

    station: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    queue: Mapped[float | None] = mapped_column(Float, nullable=True)
    queue_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    queue_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    same_day_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    share_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    share_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: The band from now to closing as JSON: [[UTC ISO time, 10th percentile, median, 90th percentile], ...].
    path: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)


#: ``readings`` as they read by key: each reading with its series' station and metric as columns (``station``,
#: ``metric``, ``ts``, ``value``, ``source``, ``collected_at``). For tests and tools that look at the stored
#: readings themselves; the store's own reads join ``series`` in their statements.
READINGS_BY_KEY = (
    select(SeriesRow.__table__.c.station, SeriesRow.__table__.c.metric, ReadingRow.__table__.c.ts,
           ReadingRow.__table__.c.value, ReadingRow.__table__.c.source, ReadingRow.__table__.c.collected_at)
    .select_from(ReadingRow.__table__)
    .join(SeriesRow.__table__, SeriesRow.__table__.c.id == ReadingRow.__table__.c.series)
    .subquery("readings_by_key"))
