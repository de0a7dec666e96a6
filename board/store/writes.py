"""The write path: readings upserted by key, and the two summary tables every write keeps.

The hot end of every backfill, so it talks to the driver directly
(:mod:`board.store.rows`): on SQLite one prepared ``INSERT … ON CONFLICT DO
UPDATE`` run with ``executemany`` (sqlite3's C loop); on PostgreSQL a binary
``COPY``. A :class:`ReadingBlock` becomes rows a column at a time, without an
object per reading, and its days are summarised by numpy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any

import numpy as np
from sqlalchemy import event, select, type_coerce
from sqlalchemy.orm import Session

from board.domain.item_arrays import micros
from board.domain.reading import Reading, ReadingBlock
from board.domain.timeutil import day_bounds, day_start, local_date
from board.store.changes import bump_with_cursor
from board.store.days import MERGE_SQL, REPLACE_SQL, DayKey, DaySummary
from board.store.engine import Dialect
from board.store.rows import PostgresRows, SqliteRows
from board.store.schema import DailyRow, ReadingRow, SeriesRow, Stored
from board.store.series import SeriesCodes, WriteCodes

UPSERT_CHUNK = 5000
_DAILY_COLUMNS = "station, day, metric, last_ts, last_value, max_ts, max_value"
_DAILY_STAGE = ("station varchar(40), day date, metric varchar(60), last_ts timestamp, last_value float8, "
                "max_ts timestamp, max_value float8")
_NEWEST_STAGE = ("source varchar(60), station varchar(40), metric varchar(60), ts timestamp, value float8, "
                 "value_source varchar(60)")
Rows = SqliteRows | PostgresRows
#: Each instant of a write converted once: its stored form and its Helsinki day.
Stamps = dict[datetime, tuple[object, date]]


#: _KEY_ORDER: the staged summary rows are upserted in key order on PostgreSQL, whatever order the write met them
#: in: two writers of one station's metric (a push and a pull, two collectors) lock its day and newest rows in the
#: same order and cannot deadlock on them (the stations' versions and the staged readings are sorted likewise).


def upsert_readings(session: Session, dialect: Dialect, readings: Iterable[Reading | ReadingBlock], source: str,
                    now: datetime, codes: SeriesCodes | None = None) -> int:
    """Insert or overwrite readings by key inside ``session``; return how many were written.

    Times are written exactly as the ``UTCDateTime`` column type writes them
    (naive UTC). A reading written again with the same value keeps its
    ``collected_at`` (when the board first had it): pulls overlap on purpose
    (a source's ``lookback_seconds``), and a re-read is not news.

    In the same pass it keeps the two summary tables every write must keep:
    ``daily_readings`` (see :func:`_roll_up`) and ``newest_readings``, and
    bumps the written stations' change versions (:mod:`board.store.changes`).

    A reading is keyed by its series (the code of its station and metric): the codes the store's ``codes``
    does not know are asked for (and made) as the write meets them, and kept in ``codes`` once the session
    commits (:mod:`board.store.series`).
    """
    rows: Rows = dialect.rows(source, now)
    stamp = rows.stamp
    stamps: Stamps = {}  # a source sends many readings per instant: convert each instant once
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    rows.codes = WriteCodes(codes if codes is not None else SeriesCodes(), cursor, dialect.mark, dialect.is_sqlite,
                            lambda: rows.finish(cursor), dialect.series_table(cursor))
    event.listen(session, "after_commit", lambda _session: rows.codes.commit(), once=True)
    if isinstance(readings, list):  # a collector's batch: its blocks' new codes in one go
        rows.codes.prepare(readings)
    written = 0
    days: dict[DayKey, DaySummary] = {}  # this call's readings, per station, metric and day
    unordered: set[DayKey] = set()  # days whose readings came out of time order: recomputed
    try:
        add, summary_of, stamp_of, one = rows.add, days.get, stamps.get, DaySummary.of  # a few µs a reading add up
        for item in readings:
            singles: Iterable[Reading] = (item,)  # type: ignore[assignment]
            if isinstance(item, ReadingBlock):
                us = block_micros(item)
                if len(us) < 2 or bool((us[1:] > us[:-1]).all()):
                    _block_rows(item, us, rows, days, unordered)
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
                    days[key] = one(ts, value)
                elif not day.merge(ts, ts, value, ts, value):
                    unordered.add(key)
            if len(rows) >= UPSERT_CHUNK:
                written += rows.flush(cursor)
        if len(rows):
            written += rows.flush(cursor)
        rows.finish(cursor)
        _roll_up(session, dialect, cursor, days, unordered)
        _newest(session, dialect, cursor, source, days, unordered)
        bump_with_cursor(dialect, cursor, (key[0] for key in days))  # the walls of these stations re-render
    except BaseException as error:
        rows.abandon(error)  # an open COPY ends as failed before the transaction rolls back
        raise
    finally:
        cursor.close()
    return written


def block_micros(block: ReadingBlock) -> np.ndarray:
    """The block's times as int64 microseconds since the Unix epoch: as the producer gave them, else worked out."""
    if block.micros is not None:
        return np.asarray(block.micros, dtype=np.int64)
    return np.fromiter(map(micros, block.times), dtype=np.int64, count=len(block.times))


@cache
def _midnight(day: date) -> int:
    """The Helsinki midnight starting ``day``, as microseconds (a write's blocks share their days)."""
    return micros(day_start(day))


def day_runs(times: tuple[datetime, ...], us: np.ndarray) -> list[tuple[int, int, date]]:
    """Each Helsinki day of ascending ``times`` (``us``: the same as microseconds) as ``(start, end, day)``, the
    half-open index range of its times: the days between the first time's and the last's, cut at their midnights
    by a binary search (not a time zone conversion per time). Days without a time are left out."""
    first, last = local_date(times[0]), local_date(times[-1])
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    cuts = np.searchsorted(us, [_midnight(day) for day in days[1:]], side="left").tolist()
    bounds = [0, *cuts, len(us)]
    return [(start, end, day) for (start, end), day in zip(pairwise(bounds), days, strict=True) if start < end]


def _block_rows(block: ReadingBlock, us: np.ndarray, rows: Rows, days: dict[DayKey, DaySummary],
                unordered: set[DayKey]) -> None:
    """Add ``block``'s rows to ``rows`` (a metric at a time: in key order) and its days' summaries to ``days``.

    The same result as the readings one by one, with numpy doing the
    per-reading work: rows are made a column at a time from the times as
    microseconds ``us`` (see :mod:`board.store.rows`), each Helsinki day's
    times found by a binary search, and each day's last and highest value of
    every metric by one reduction per day. The block's times must be in
    ascending order.
    """
    times, station = block.times, block.station
    if len(times) == 0:
        return
    values = np.asarray(block.values, dtype=np.float64)
    rows.add_block(station, block.metrics, rows.stamps(us), values)
    for start, end, day in day_runs(times, us):
        part = values[start:end]
        last, top = part[-1].tolist(), part.max(axis=0).tolist()
        top_at = (end - 1 - np.argmax(part[::-1], axis=0)).tolist()  # the latest of equal highest values
        first_ts, last_ts = times[start], times[end - 1]
        for j, metric in enumerate(block.metrics):
            key = (station, metric, day)
            old = days.get(key)
            if old is None:
                days[key] = DaySummary(first_ts, last_ts, last[j], times[top_at[j]], top[j])
            elif not old.merge(first_ts, last_ts, last[j], times[top_at[j]], top[j]):
                unordered.add(key)  # overlaps what this write already had for the day: recomputed


def _roll_up(session: Session, dialect: Dialect, cursor: Any, days: dict[DayKey, DaySummary],
             unordered: set[DayKey]) -> None:
    """Fold one write's per-day summaries into ``daily_readings`` (after the readings are written).

    A day's row merges in place by :data:`~board.store.days.MERGE_SQL` (one
    upsert per station, metric and day touched, not per reading). That is
    exact unless the write lowered the reading that held the day's maximum (a
    source's correction), which a merge cannot see. So the stored rows of the
    touched days are read first: a day the write may have lowered
    (:meth:`DaySummary.may_have_lowered`) is recomputed from the readings, and
    so is a day whose readings came out of time order. Neither happens in a
    plain backfill or a normal incremental pull.
    """
    if not days:
        return
    d = DailyRow.__table__.c
    stale = set(unordered)
    stations = sorted({k[0] for k in days})
    metrics = sorted({k[1] for k in days})
    first, last = min(k[2] for k in days), max(k[2] for k in days)
    # The stored day as the driver hands it over, each distinct one converted once: every station of a cycle shares them
    # (a cycle at 900 stations reads 16 200 rows here; a conversion per row was a tenth of its CPU).
    # Only rows of this write's metrics can be among its days: a first load of item figures writes a station's
    # year one item type at a time, and every other metric of the station's year was read back for nothing.
    stored = select(d.station, d.metric, type_coerce(d.day, Stored()), d.max_ts, d.max_value).where(
        d.station.in_(stations), d.metric.in_(metrics), d.day >= first, d.day <= last)
    day_in = cache(lambda stored_day: date.fromisoformat(stored_day) if isinstance(stored_day, str) else stored_day)
    for st, m, stored_day, max_ts, max_value in session.connection().execute(stored):
        day = day_in(stored_day)
        new = days.get((st, m, day))
        if new is not None and new.may_have_lowered(max_ts, max_value):  # max_ts: aware UTC (UTCDateTime)
            stale.add((st, m, day))
    time, day_of = cache(dialect.time), cache(dialect.day)

    def row(key: DayKey, a: DaySummary) -> tuple[object, ...]:
        st, m, day = key
        return (st, day_of(day), m, time(a.last_ts), a.last_value, time(a.max_ts), a.max_value)

    values = (f"VALUES ({', '.join([dialect.mark] * 7)})" if dialect.is_sqlite
              else f"SELECT {_DAILY_COLUMNS} FROM daily_stage ORDER BY station, day, metric")  # see _KEY_ORDER
    insert = f"INSERT INTO daily_readings ({_DAILY_COLUMNS}) {values} ON CONFLICT (station, day, metric) DO UPDATE SET "
    dialect.send_staged(cursor, insert + MERGE_SQL, [row(k, a) for k, a in days.items() if k not in stale],
                        "daily_stage", _DAILY_STAGE)
    if stale:
        exact = days_from_readings(session, stale)
        dialect.send_staged(cursor, insert + REPLACE_SQL, [row(k, a) for k, a in exact.items()],
                            "daily_stage", _DAILY_STAGE)


#: A newest row moves only to a later time, or to another value at its own time (a re-delivery): a re-read
#: of the row's reading as it is, or an older reading's correction, leaves it as it is (no new row version).
_NEWEST_MERGE = ("ON CONFLICT (source, station, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value, "
                 "value_source = excluded.value_source WHERE excluded.ts > newest_readings.ts "
                 "OR (excluded.ts = newest_readings.ts AND (excluded.value IS DISTINCT FROM newest_readings.value "
                 "OR excluded.value_source IS DISTINCT FROM newest_readings.value_source))")
#: Another source's newest row whose reading this write re-delivered (the same station, metric and instant)
#: takes the reading's new value and source. Only rows of this write's metrics within its span can be such.
_NEWEST_OTHERS = (
    "UPDATE newest_readings SET (value, value_source) = (SELECT r.value, r.source FROM series s "
    "JOIN readings r ON r.series = s.id AND r.ts = newest_readings.ts "
    "WHERE s.station = newest_readings.station AND s.metric = newest_readings.metric) "
    "WHERE source <> {mark} AND ts >= {mark} AND ts <= {mark} AND metric IN ({marks}) AND EXISTS (SELECT 1 "
    "FROM series s JOIN readings r ON r.series = s.id AND r.ts = newest_readings.ts "
    "WHERE s.station = newest_readings.station AND s.metric = newest_readings.metric "
    "AND (r.value IS DISTINCT FROM newest_readings.value OR r.source IS DISTINCT FROM newest_readings.value_source))")


def _newest(session: Session, dialect: Dialect, cursor: Any, source: str, days: dict[DayKey, DaySummary],
            unordered: set[DayKey]) -> None:
    """Move ``newest_readings`` of ``source`` to the newest reading this write had of each station's metric.

    The row keeps the reading's time, value and source, so the reads of the newest values (the overview, the
    alert turn) scan this small table instead of probing ``readings`` once per row (migration 0015). A day's
    summary has its last value right unless its readings came out of time order (``unordered``: a repeated
    time may have overwritten it); such a value is read back from the readings just written.

    One statement for all of them on PostgreSQL (the rows staged by ``COPY``): a statement per station and
    metric was 16 200 executions on the server for one cycle at 900 stations."""
    if not days:
        return
    newest: dict[tuple[str, str], tuple[datetime, float, DayKey]] = {}
    first: datetime | None = None
    for key, day in days.items():
        pair = (key[0], key[1])
        known = newest.get(pair)
        if known is None or known[0] <= day.last_ts:
            newest[pair] = (day.last_ts, day.last_value, key)
        start = day.first_ts if key not in unordered else day_bounds(key[2])[0]  # out of order: the whole day
        if first is None or start < first:
            first = start
    time = cache(dialect.time)
    r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
    rows = []
    for (st, m), (ts, value, key) in newest.items():
        if key in unordered:
            value = session.connection().execute(
                select(r.value).join_from(ReadingRow.__table__, SeriesRow.__table__, sr.id == r.series)
                .where(sr.station == st, sr.metric == m, r.ts == ts)).scalar_one()
        rows.append((source, st, m, time(ts), value, source))
    values = (f"VALUES ({', '.join([dialect.mark] * 6)})" if dialect.is_sqlite
              else "SELECT source, station, metric, ts, value, value_source FROM newest_stage ORDER BY station, metric")
    dialect.send_staged(
        cursor, f"INSERT INTO newest_readings (source, station, metric, ts, value, value_source) {values} "
        f"{_NEWEST_MERGE}", rows, "newest_stage", _NEWEST_STAGE)
    metrics = sorted({m for _, m in newest})
    last = max(ts for ts, _, _ in newest.values())
    cursor.execute(_NEWEST_OTHERS.format(mark=dialect.mark, marks=", ".join([dialect.mark] * len(metrics))),
                   (source, time(first), time(last), *metrics))


def days_from_readings(session: Session, keys: Iterable[DayKey]) -> dict[DayKey, DaySummary]:
    """The ``daily_readings`` summary of each (station, metric, day) computed from its readings."""
    r, sr = ReadingRow, SeriesRow
    out: dict[DayKey, DaySummary] = {}
    for st, m, day in keys:
        start, end = day_bounds(day)
        a: DaySummary | None = None
        for ts, value in session.execute(select(r.ts, r.value).join(sr, sr.id == r.series).where(
                sr.station == st, sr.metric == m, r.ts >= start, r.ts < end).order_by(r.ts)):
            if a is None:
                a = DaySummary.of(ts, value)
            else:
                a.merge(ts, ts, value, ts, value)
        if a is not None:
            out[(st, m, day)] = a
    return out
