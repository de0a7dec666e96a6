"""Reads: the newest values, series, day summaries and the Sources page's figures, as plain values.

Each query returns tuples or domain objects, never ORM rows. The reads of
many rows (``daily``, ``values_at``) fetch plain tuples and convert each
distinct day or time once: a few µs a row less than the ORM's per-row work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Select, String, and_, bindparam, case, column, func, select, text, type_coerce, values
from sqlalchemy.orm import Session, sessionmaker

from board.domain.reading import Reading
from board.domain.reasons import decode
from board.domain.snapshot import Latest
from board.domain.timeutil import UTC, day_start, local_date
from board.store.engine import Dialect
from board.store.schema import DailyRow, NewestRow, ReadingRow, RejectRow, RunRow, SeriesRow, Stored, UTCDateTime

#: ``readings`` with each reading's station and metric (``series``, migration 0017): what every read of readings
#: selects from, filtering on the series' station and metric and on the readings' time.
_JOINED = ReadingRow.__table__.join(SeriesRow.__table__, SeriesRow.__table__.c.id == ReadingRow.__table__.c.series)


class Reads:
    """The store's queries (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    def latest_values(self, station: str, metrics: Sequence[str] | None = None) -> dict[str, Latest]:
        """The newest reading of each metric at ``station``.

        From ``newest_readings`` alone (a row per source, station and metric,
        with the newest reading's time, value and source, kept by every write):
        a few rows, however many years of history the station has. (Asking
        the readings for ``max(ts)`` per metric walks every reading of the
        station: seconds at a year of history.)
        """
        n = NewestRow
        stmt = select(n.metric, n.ts, n.value, n.value_source).where(n.station == station, n.value.is_not(None))
        if metrics is not None:
            stmt = stmt.where(n.metric.in_(list(metrics)))
        out: dict[str, Latest] = {}
        with self.sessions() as s:
            for m, ts, v, src in s.execute(stmt):
                if m not in out or ts > out[m].ts:  # two sources of one metric: the newer wins
                    out[m] = Latest(ts, v, src)
        return out

    def latest_values_of(self, stations: Sequence[str] | None = None,
                         metrics: Sequence[str] | None = None) -> dict[str, dict[str, Latest]]:
        """:meth:`latest_values` of several stations (None: every station) in one query: the overview's rows.

        One statement for 900 stations, not one each (a round trip each was
        most of the overview's time on PostgreSQL beyond a region), and one
        scan of ``newest_readings``: until migration 0015 it was joined to
        the readings for the values, an index probe per row (16 200 at 900
        stations, about a second of a collector cycle's server time).
        """
        n = NewestRow.__table__.c
        stmt = select(n.station, n.metric, type_coerce(n.ts, Stored()), n.value, n.value_source).where(
            n.value.is_not(None))
        if stations is not None:
            stmt = stmt.where(n.station.in_(list(stations)))
        if metrics is not None:
            stmt = stmt.where(n.metric.in_(list(metrics)))
        out: dict[str, dict[str, Latest]] = {}
        # The driver's own tuples (:meth:`_driver_rows`), each distinct time converted once (stations' sources
        # deliver at shared moments): 16 200 rows at 900 stations took 0.2 s of CPU as ORM rows with a
        # conversion each, ~40 ms as Core rows, ~20 ms as the driver's tuples.
        stamps: dict[object, datetime] = {}
        for st, m, stored, v, src in self._driver_rows(stmt):
            ts = stamps.get(stored)
            if ts is None:
                ts = stamps[stored] = _utc(stored)
            mine = out.get(st)
            if mine is None:
                mine = out[st] = {}
            old = mine.get(m)
            if old is None or ts > old.ts:  # two sources of one metric: the newer wins
                mine[m] = Latest(ts, v, src)
        return out

    def series(self, station: str, metrics: Sequence[str], start: datetime, end: datetime) -> list[Reading]:
        """Readings of ``metrics`` at ``station`` with start <= ts < end, ordered by metric, then oldest first.

        A day's sparklines read every reading of the day (~12 000 per station
        by noon) and the metrics share their times, so each distinct time is
        converted once, like :meth:`values_at` (27 -> 12 ms CPU per station
        for the wall's trends, docs/PERFORMANCE.md 2b).
        """
        r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
        stmt = (
            select(sr.metric, type_coerce(r.ts, Stored()), r.value).select_from(_JOINED)
            .where(self.dialect.in_series(r.series, select(sr.id).where(sr.station == station,
                                                                         sr.metric.in_(list(metrics)))),
                   r.ts >= start, r.ts < end)
            .order_by(sr.metric, r.ts)
        )
        stamps: dict[object, datetime] = {}
        with self.sessions() as s:
            rows = s.execute(stmt).all()
        out = []
        for metric, stored, value in rows:
            ts = stamps.get(stored)
            if ts is None:
                ts = stamps[stored] = (datetime.fromisoformat(stored) if isinstance(stored, str)
                                       else stored).replace(tzinfo=UTC)
            out.append(Reading(station, metric, ts, value))
        return out

    def series_since(self, since_of: Mapping[str, datetime], metrics: Sequence[str],
                     end: datetime) -> dict[str, list[Reading]]:
        """:meth:`series` of several stations, each from its own start (``since_of``), up to ``end``, in one
        statement (an index range per station): the alert turn's projections read every open station's new
        readings each minute, a round trip each on PostgreSQL when asked one by one."""
        out: dict[str, list[Reading]] = {code: [] for code in since_of}
        if not since_of:
            return out
        r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
        # Each station's start as a row of a VALUES list joined in, so each series' range is an index range
        # (series, ts >= its station's start): an OR of (station, start) pairs cannot reach the key's index.
        starts = values(column("station", String(40)), column("since", UTCDateTime()), name="starts").data(
            list(since_of.items())).cte("starts")
        # The stations' series as one list of codes (Dialect.in_series) from the earliest start: PostgreSQL
        # probes the key per code; joined to the starts alone, it scanned all of readings (docs/PERFORMANCE.md 7,
        # Backfill, session 15).
        codes = select(sr.id).where(self.dialect.one_of(sr.station, list(since_of)), sr.metric.in_(list(metrics)))
        stmt = (select(sr.station, sr.metric, r.ts, r.value)
                .select_from(_JOINED.join(starts, and_(starts.c.station == sr.station, r.ts >= starts.c.since)))
                .where(self.dialect.in_series(r.series, codes), r.ts >= min(since_of.values()), r.ts < end)
                .order_by(sr.station, sr.metric, r.ts))
        with self.sessions() as s:
            for row in s.execute(stmt):
                out[row[0]].append(Reading(*row))
        return out

    def daily(self, stations: Sequence[str], metrics: Sequence[str], first: date,
              last: date) -> list[tuple[str, date, str, float, float]]:
        """``(station, day, metric, last value, highest value)`` of each day ``first``..``last`` that has readings.

        From ``daily_readings``: a row per station, metric and Helsinki day, as
        the driver's plain tuples (:meth:`_driver_rows`; SQLite's days converted once each).
        """
        d = DailyRow.__table__.c
        stmt = select(d.station, type_coerce(d.day, Stored()), d.metric, d.last_value, d.max_value).where(
            self.dialect.one_of(d.station, stations), d.day >= first, d.day <= last, d.metric.in_(list(metrics)))
        rows = self._driver_rows(stmt)
        if not rows or not isinstance(rows[0][1], str):  # PostgreSQL hands over dates: the rows are ready
            return rows
        days: dict[object, date] = {}
        out = []
        for station, stored, metric, last_value, max_value in rows:  # SQLite: ISO text, each day converted once
            day = days.get(stored)
            if day is None:
                day = days[stored] = date.fromisoformat(stored)
            out.append((station, day, metric, last_value, max_value))
        return out

    def day_values(self, stations: Sequence[str], metrics: Sequence[str], first: date, last: date,
                   highest: Sequence[str] = ()) -> list[tuple[str, date, str, float]]:
        """``(station, day, metric, value)`` of each day ``first``..``last`` that has readings: the day's highest
        reading for the metrics in ``highest``, its last for the others (:meth:`daily`'s two values, the one
        wanted chosen in the database).

        Why: the weekly page's three reports read ~290 000 roll-up rows at 900 stations and each use one of
        the two values; the other was a float made and dropped per row (docs/PERFORMANCE.md 7b, session 16).
        """
        d = DailyRow.__table__.c
        value = case((d.metric.in_(list(highest)), d.max_value), else_=d.last_value) if highest else d.last_value
        stmt = select(d.station, type_coerce(d.day, Stored()), d.metric, value).where(
            self.dialect.one_of(d.station, stations), d.day >= first, d.day <= last, d.metric.in_(list(metrics)))
        rows = self._driver_rows(stmt)
        if not rows or not isinstance(rows[0][1], str):  # PostgreSQL hands over dates: the rows are ready
            return rows
        days: dict[object, date] = {}
        out = []
        for station, stored, metric, value_ in rows:  # SQLite: ISO text, each day converted once
            day = days.get(stored)
            if day is None:
                day = days[stored] = date.fromisoformat(stored)
            out.append((station, day, metric, value_))
        return out

    def data_days(self, stations: Sequence[str], metrics: Sequence[str]) -> dict[str, tuple[date, date]]:
        """Each station's first and last Helsinki day with a reading of any of ``metrics`` (a station without
        any is left out): whether a month's data start after its first day (a deployment's first month).

        Two index probes a station (the daily roll-up's key starts with station and day): a ``GROUP BY`` over
        the stations' rows would read every day of their history, a year of it ~7 000 rows a station.
        """
        if not stations:
            return {}
        d = DailyRow.__table__.c
        codes = values(column("code", String(40)), name="codes").data(
            [(c,) for c in dict.fromkeys(stations)]).cte("codes")

        def edge(fn: Any) -> Any:
            return select(fn(d.day)).where(d.station == codes.c.code, d.metric.in_(list(metrics))).scalar_subquery()

        with self.sessions() as s:
            rows = s.execute(select(codes.c.code, edge(func.min), edge(func.max))).all()
        return {code: (_day(first), _day(last)) for code, first, last in rows if first is not None}

    def _driver_rows(self, stmt: Select[Any]) -> list[tuple[Any, ...]]:
        """The statement's rows as the database driver hands them over: plain tuples, no SQLAlchemy ``Row``.

        Why: at 900 stations a week's roll-up is ~190 000 rows, and building a
        ``Row`` each and then a tuple from it cost 0.6 s of CPU where the
        driver's own tuples cost 0.19 s (docs/PERFORMANCE.md, 7b). Only for
        columns that need no conversion on the way out (text, numbers, and
        ``Stored`` columns the caller converts itself): SQLAlchemy's result
        processing is skipped, its parameter binding is not.
        """
        with self.sessions() as s:
            result = s.connection().execute(stmt)
            try:
                return list(result.cursor.fetchall())
            finally:
                result.close()

    def values_at(self, stations: Sequence[str], metric: str, start: datetime,
                  end: datetime) -> list[tuple[str, datetime, float]]:
        """``(station, ts, value)`` of one metric at several stations with start <= ts < end, as plain tuples.

        Fetched in one go, each distinct time converted once (stations share
        their reading times): a few µs a row less than the ORM's per-row work.
        """
        r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
        codes = select(sr.id).where(self.dialect.one_of(sr.station, stations), sr.metric == metric)
        stmt = select(sr.station, type_coerce(r.ts, Stored()), r.value).select_from(_JOINED).where(
            self.dialect.in_series(r.series, codes), r.ts >= start, r.ts < end)
        stamps: dict[object, datetime] = {}
        with self.sessions() as s:
            rows = s.execute(stmt).all()
        out = []
        for station, stored, value in rows:
            ts = stamps.get(stored)
            if ts is None:
                ts = stamps[stored] = _utc(stored)
            out.append((station, ts, value))
        return out

    def last_values(self, stations: Sequence[str], metrics: Sequence[str], start: datetime,
                    end: datetime) -> list[tuple[str, str, float]]:
        """``(station, metric, value)`` of the latest reading of each station's metric with start <= ts < end.

        One query, and the database picks the latest of each pair (a group-by
        over the key's index): part of a day at minute resolution is ~500
        readings per station and metric, none of which need to reach Python.

        PostgreSQL: one backward step down the key's index per station and
        metric (:data:`_LAST_VALUES_PG`). Its plan for the group-by joined back
        to ``readings`` hashed the whole table (a parallel sequential scan of
        3.1 million readings at 900 stations: 2.5 s of the current weekly page,
        docs/PERFORMANCE.md 7, session 13); SQLite's plan probes the key.
        When the window starts at a Helsinki midnight and ends within that day
        (the current week's compared day up to the same clock time), only the
        pairs with a roll-up row of that day are probed, and not those whose
        day ended before the window does (the roll-up's last reading is the
        answer): :data:`_DAY_LAST_VALUES_PG` (docs/PERFORMANCE.md 7b, session 14). SQLite does the same for
        such a window (:func:`_day_last_values_sqlite`): its group-by walked every reading of the window, ~500
        per pair (0.2 s of the current weekly page's CPU at 900 stations, docs/PERFORMANCE.md 7b, session 16).
        """
        day = local_date(start)
        within = start == day_start(day) and end <= day_start(day + timedelta(days=1))
        if within and self.dialect.is_sqlite:
            with self.sessions() as s:
                return [(station, metric, value) for station, metric, value in s.execute(
                    _day_last_values_sqlite(stations, metrics, day, start, end)) if value is not None]
        if not self.dialect.is_sqlite:
            stmt = text(_DAY_LAST_VALUES_PG if within else _LAST_VALUES_PG).bindparams(
                bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()))
            if within:
                stmt = stmt.bindparams(bindparam("day", value=day, type_=Date()))
            with self.sessions() as s:
                return [(station, metric, value) for station, metric, value in s.execute(
                    stmt, {"stations": list(stations), "metrics": list(metrics), "start": start, "end": end})
                    if value is not None]
        r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
        latest = (select(sr.station, sr.metric, r.series, func.max(r.ts).label("ts")).select_from(_JOINED)
                  .where(self.dialect.one_of(sr.station, stations), sr.metric.in_(list(metrics)), r.ts >= start,
                         r.ts < end)
                  .group_by(r.series, sr.station, sr.metric).subquery())
        stmt = select(latest.c.station, latest.c.metric, r.value).select_from(ReadingRow.__table__).join(
            latest, (r.series == latest.c.series) & (r.ts == latest.c.ts))
        with self.sessions() as s:
            return [(station, metric, value) for station, metric, value in s.execute(stmt)]

    def newest_by_source(self) -> list[tuple[str, str, str, datetime]]:
        """``(source, station, metric, ts)`` of the newest reading per source, station and metric."""
        n = NewestRow
        with self.sessions() as s:
            return [(src, st, m, ts) for src, st, m, ts in s.execute(select(n.source, n.station, n.metric, n.ts))]

    def newest_per_source(self) -> dict[str, datetime]:
        """Each source's newest reading time (what :meth:`newest_by_source` gives, reduced per source), grouped
        by the database."""
        n = NewestRow
        with self.sessions() as s:
            return {src: ts for src, ts in s.execute(select(n.source, func.max(n.ts)).group_by(n.source))}

    def rejects_since(self, source: str, since: datetime) -> dict[str, int]:
        """Rejected rows of ``source``'s runs started since ``since``, summed per reason."""
        stmt = (select(RejectRow.reason, func.sum(RejectRow.count))
                .join(RunRow, RunRow.id == RejectRow.run_id)
                .where(RunRow.source == source, RunRow.started_at >= since)
                .group_by(RejectRow.reason))
        with self.sessions() as s:
            return {decode(reason): int(n) for reason, n in s.execute(stmt)}


    def count_readings(self) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(ReadingRow)) or 0


#: :meth:`Reads.last_values` on PostgreSQL: each station and metric's latest reading in the window, found by
#: walking the primary key (series, ts) of the pair's series backwards from the window's end: a probe per pair.
_LAST_VALUES_PG = (
    "SELECT s.station, s.metric, l.value FROM series s "
    "CROSS JOIN LATERAL (SELECT r.value FROM readings r WHERE r.series = s.id "
    "AND r.ts >= :start AND r.ts < :end ORDER BY r.ts DESC LIMIT 1) AS l "
    "WHERE s.station = ANY(CAST(:stations AS varchar[])) AND s.metric = ANY(CAST(:metrics AS varchar[]))")
#: :data:`_LAST_VALUES_PG` for a window ``[start, end)`` within one Helsinki ``day`` that starts at its midnight:
#: driven by the day's roll-up rows (``daily_readings``: a row for each station and metric with readings that
#: day, holding the day's last reading), so a pair without readings that day costs no probe of ``readings``, and
#: a pair whose day's last reading lies before ``end`` is answered by the roll-up (the ``LATERAL``'s condition
#: on the outer row alone is checked once, before its index scan). A pair whose readings all lie at or after
#: ``end`` gives NULL: no reading in the window, left out by the caller (``value`` is never NULL in ``readings``).
_DAY_LAST_VALUES_PG = (
    "SELECT d.station, d.metric, CASE WHEN d.last_ts < :end THEN d.last_value ELSE l.value END "
    "FROM daily_readings d LEFT JOIN series s ON s.station = d.station AND s.metric = d.metric "
    "LEFT JOIN LATERAL (SELECT r.value FROM readings r WHERE d.last_ts >= :end AND r.series = s.id "
    "AND r.ts >= :start AND r.ts < :end ORDER BY r.ts DESC LIMIT 1) AS l ON true "
    "WHERE d.station = ANY(CAST(:stations AS varchar[])) AND d.day = :day "
    "AND d.metric = ANY(CAST(:metrics AS varchar[]))")


def _day_last_values_sqlite(stations: Sequence[str], metrics: Sequence[str], day: date, start: datetime,
                            end: datetime) -> Select[Any]:
    """:data:`_DAY_LAST_VALUES_PG` for SQLite, which has no ``LATERAL``: a correlated scalar subquery per roll-up
    row of ``day``, evaluated only when the day's last reading is not before ``end`` (SQLite's ``CASE`` does not
    evaluate the branch it does not take), one backward step down the key ``(series, ts)``. NULL when every
    reading of the pair lies at or after ``end``."""
    d, sr, r = DailyRow.__table__.c, SeriesRow.__table__.c, ReadingRow.__table__.c
    probe = (select(r.value).where(r.series == sr.id, r.ts >= start, r.ts < end)
             .order_by(r.ts.desc()).limit(1).scalar_subquery())
    value = case((d.last_ts < end, d.last_value), else_=probe)
    joined = DailyRow.__table__.outerjoin(SeriesRow.__table__, and_(sr.station == d.station, sr.metric == d.metric))
    return (select(d.station, d.metric, value).select_from(joined)
            .where(d.station.in_(list(stations)), d.day == day, d.metric.in_(list(metrics))))


def _utc(stored: object) -> datetime:
    """A time as the driver hands it over (SQLite: text; PostgreSQL: a naive datetime), as aware UTC."""
    return (datetime.fromisoformat(stored) if isinstance(stored, str) else stored).replace(  # type: ignore[union-attr]
        tzinfo=UTC)


def _day(value: date | str) -> date:
    """A day from an aggregate over a date column: a ``date`` from PostgreSQL, ISO text from SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)
