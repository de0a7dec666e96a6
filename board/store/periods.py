"""Set-based reads of the weekly and monthly views: figures over many stations computed where the rows are.

The combined queue peak of several stations (the most contacts waiting at
once over them, :func:`board.domain.periods.combined_peak`) needs every
queue reading of the period; fetched into Python that was ~200 000 rows and
3 s at 300 stations. Here the database computes it: each reading's change
from the same station's previous reading of the day (the first counts
whole), summed per moment, run up through the day; the day's peak is the
highest running total. The same step function as the domain's, so the same
number (queue readings are counts: their sums are exact in floating point).

At 900 stations that statement over 14 days (~600 000 readings) was still
most of a cold weekly page's wall-clock time, for days that had not changed
since the last page. So :meth:`PeriodReads.day_peaks` keeps each day's result
per selection of stations (``combined_peaks``: the day's running maximum as
the moments it rose, :class:`~board.domain.periods.PeakCurve`) with a stamp
of the day's readings: the count and the sum of those stations' roll-up rows'
``version`` (``daily_readings``: every write of a station's readings of a day
raises its row's version, and thinning raises the thinned days'). A kept day
is used only while its stamp is the current one; any write of those readings
since (a late reading, a correction, a re-sent day) changes the sum, since
versions only grow and roll-up rows are never deleted, and the day is
computed again from the readings. The stamp is read before the readings, so a
write landing in between can only make a kept day look changed, never a
changed day look kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, literal, or_, select, text, type_coerce, union_all
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from board.domain.periods import PeakCurve
from board.domain.timeutil import UTC, day_start
from board.store.engine import Dialect
from board.store.schema import CombinedPeakRow, DailyRow, ReadingRow, SeriesRow, Stored, UTCDateTime

log = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def selection_digest(stations: Sequence[str]) -> str:
    """The key a selection of stations' kept peaks go under: the SHA-256 of their sorted, distinct codes."""
    return hashlib.sha256("\n".join(sorted(set(stations))).encode()).hexdigest()


def _encode(curve: PeakCurve) -> str:
    """``microseconds since the epoch:value`` per rise, comma-separated (``repr``: floats come back exact)."""
    return ",".join(f"{(t - _EPOCH) // timedelta(microseconds=1)}:{v!r}" for t, v in zip(curve.times, curve.values,
                                                                                          strict=True))


def _decode(text: str) -> PeakCurve:
    if not text:
        return PeakCurve()
    pairs = [item.split(":") for item in text.split(",")]
    return PeakCurve(tuple(_EPOCH + timedelta(microseconds=int(t)) for t, _ in pairs),
                     tuple(float(v) for _, v in pairs))


class PeriodReads:
    """Per-period aggregates over many stations (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    def combined_peaks(self, stations: Sequence[str], metric: str,
                       spans: Sequence[tuple[datetime, datetime]]) -> list[float | None]:
        """For each span ``[start, end)`` (a Helsinki day), the highest sum over ``stations`` of each one's
        latest reading of ``metric`` in the span; None for a span without readings. One statement, nothing kept
        (:meth:`day_peaks` keeps whole days)."""
        if not spans or not stations:
            return [None] * len(spans)
        with self.sessions() as s:
            return [curve.peak for curve in self._peak_curves(s, stations, metric, spans)]

    def day_peaks(self, stations: Sequence[str], metric: str, days: Sequence[date]) -> dict[date, PeakCurve]:
        """Each Helsinki day's combined peak of ``stations``' readings of ``metric`` (:meth:`combined_peaks` over
        the whole day) as its running maximum, kept ones used while the day's readings are unchanged.

        Two small statements when every day is kept (the stamps, the kept rows); the days that are not (new,
        or written since) are computed in one statement and kept. A day without readings is an empty curve."""
        days = sorted(set(days))
        if not days or not stations:
            return {d: PeakCurve() for d in days}
        codes = sorted(set(stations))
        selection = selection_digest(codes)
        dr, kept = DailyRow.__table__.c, CombinedPeakRow.__table__.c
        out: dict[date, PeakCurve] = {}
        with self.sessions() as s:
            # The stamps first: a write after this read makes a day look changed, never the other way round.
            stamps = {day: (int(n), int(v)) for day, n, v in s.execute(
                select(dr.day, func.count(), func.sum(dr.version))
                .where(self.dialect.one_of(dr.station, codes), dr.metric == metric, self.dialect.one_of(dr.day, days))
                .group_by(dr.day))}
            known = {day: ((n, v), records) for day, n, v, records in s.execute(
                select(kept.day, kept.stamp_rows, kept.stamp_versions, kept.records)
                .where(kept.selection == selection, kept.metric == metric, self.dialect.one_of(kept.day, days)))}
            missing = []
            for day in days:
                stamp = stamps.get(day)
                if stamp is None:
                    out[day] = PeakCurve()  # no roll-up row of the day: no readings
                elif day in known and known[day][0] == stamp:
                    out[day] = _decode(known[day][1])
                else:
                    missing.append(day)
            if missing:
                spans = [(day_start(d), day_start(d + timedelta(days=1))) for d in missing]
                for day, curve in zip(missing, self._peak_curves(s, codes, metric, spans), strict=True):
                    out[day] = curve
        if missing:
            self._keep(selection, metric, [(d, stamps[d], out[d]) for d in missing])
        return out

    def _keep(self, selection: str, metric: str, rows: list[tuple[date, tuple[int, int], PeakCurve]]) -> None:
        """Store computed days' curves with their stamps (replacing older ones). Keeping is only a saving: a
        store that cannot be written at the moment (SQLite busy past its timeout) leaves them uncomputed."""
        values = [{"selection": selection, "metric": metric, "day": day, "stamp_rows": n, "stamp_versions": v,
                   "records": _encode(curve)} for day, (n, v), curve in rows]
        insert = self.dialect.insert(CombinedPeakRow)
        stmt = insert.on_conflict_do_update(
            index_elements=["selection", "metric", "day"],
            set_={c: insert.excluded[c] for c in ("stamp_rows", "stamp_versions", "records")})
        try:
            with self.sessions.begin() as s:
                s.execute(stmt, values)
        except OperationalError as exc:  # a read must not fail for a cache
            log.warning("combined peaks not kept this time: %s", exc.__class__.__name__)

    def _peak_curves(self, s: Session, stations: Sequence[str], metric: str,
                     spans: Sequence[tuple[datetime, datetime]]) -> list[PeakCurve]:
        """For each span, the running maximum of the stations' summed latest readings: one statement
        (PostgreSQL: :data:`_PEAK_CURVES_PG`; SQLite: :func:`_peak_curve_sqlite`, one per span)."""
        times: list[list[datetime]] = [[] for _ in spans]
        values: list[list[float]] = [[] for _ in spans]
        if not self.dialect.is_sqlite:
            s.execute(text("SET LOCAL jit = off"))  # (this session's transaction only; see _PEAK_CURVES_PG)
            rows = s.execute(text(_PEAK_CURVES_PG), {
                "stations": list(dict.fromkeys(stations)), "metric": metric,
                "los": [self.dialect.time(lo) for lo, _ in spans], "his": [self.dialect.time(hi) for _, hi in spans]})
            for n, ts, total in rows:
                times[n].append(ts.replace(tzinfo=UTC))
                values[n].append(float(total))
            return [PeakCurve(tuple(t), tuple(v)) for t, v in zip(times, values, strict=True)]
        if self.dialect.is_sqlite:
            return [_peak_curve_sqlite(s, stations, metric, lo, hi) for lo, hi in spans]
        r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
        rows = [select(literal(i).label("n"), literal(lo, UTCDateTime()).label("lo"),
                       literal(hi, UTCDateTime()).label("hi")) for i, (lo, hi) in enumerate(spans)]
        span = (rows[0] if len(rows) == 1 else union_all(*rows)).cte("spans")
        previous = func.lag(r.value).over(partition_by=(span.c.n, r.series), order_by=r.ts)
        changes = (select(span.c.n, r.ts, (r.value - func.coalesce(previous, 0.0)).label("delta"))
                   .select_from(ReadingRow.__table__)
                   .join(SeriesRow.__table__, sr.id == r.series)
                   .join(span, and_(r.ts >= span.c.lo, r.ts < span.c.hi))
                   .where(self.dialect.one_of(sr.station, stations), sr.metric == metric)).subquery()
        moments = (select(changes.c.n, changes.c.ts, func.sum(changes.c.delta).label("delta"))
                   .group_by(changes.c.n, changes.c.ts)).subquery()
        running = select(moments.c.n, moments.c.ts, func.sum(moments.c.delta).over(
            partition_by=moments.c.n, order_by=moments.c.ts).label("total")).subquery()
        before = func.max(running.c.total).over(partition_by=running.c.n, order_by=running.c.ts, rows=(None, -1))
        marked = select(running.c.n, running.c.ts, running.c.total, before.label("before")).subquery()
        stmt = (select(marked.c.n, marked.c.ts, marked.c.total)
                .where(or_(marked.c.before.is_(None), marked.c.total > marked.c.before))
                .order_by(marked.c.n, marked.c.ts))
        for n, ts, total in s.execute(stmt):
            times[n].append(ts)
            values[n].append(float(total))
        return [PeakCurve(tuple(t), tuple(v)) for t, v in zip(times, values, strict=True)]

    def highest_values(self, stations: Sequence[str], metric: str, start: datetime,
                       end: datetime) -> dict[str, float]:
        """Each station's highest reading of ``metric`` with start <= ts < end (stations without one left out)."""
        r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
        codes = select(sr.id).where(self.dialect.one_of(sr.station, stations), sr.metric == metric)
        top = (select(r.series, func.max(r.value).label("top"))
               .where(self.dialect.in_series(r.series, codes), r.ts >= start, r.ts < end)
               .group_by(r.series).subquery())
        stmt = select(sr.station, top.c.top).join_from(top, SeriesRow.__table__, sr.id == top.c.series)
        with self.sessions() as s:
            return {station: float(top) for station, top in s.execute(stmt) if top is not None}


def _peak_curve_sqlite(s: Session, stations: Sequence[str], metric: str, lo: datetime, hi: datetime) -> PeakCurve:
    """:meth:`PeriodReads._peak_curves` of one span on SQLite: the stations' readings of ``[lo, hi)`` in key order
    (each station's in time order, no sort), each one's change from the station's previous reading of the span
    (the first counts whole) summed per moment here, then run up and the rises kept, as the portable statement
    does in SQL.

    Why: SQLite ran that statement's windows by sorting every reading of the span, twice; its work is the page's
    own CPU (today's ~100 000 queue readings at 900 stations: ~0.27 s of the current weekly page,
    docs/PERFORMANCE.md 7b, session 16). The moments stay the stored text (ISO, fixed width: its order is the
    times' order) and only the rises are made times. The same sums, added in the same order through the day;
    within a moment SQL's ``sum`` had no defined order, here it is the key's (queue readings are counts, so
    their sums are exact either way)."""
    r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
    codes = select(sr.id).where(sr.station.in_(list(dict.fromkeys(stations))), sr.metric == metric)
    stmt = (select(r.series, type_coerce(r.ts, Stored()), r.value)
            .where(r.series.in_(codes), r.ts >= lo, r.ts < hi).order_by(r.series, r.ts))
    result = s.connection().execute(stmt)
    try:
        rows = result.cursor.fetchall()  # the driver's plain tuples (see Reads._driver_rows)
    finally:
        result.close()
    moments: dict[str, float] = {}
    series, before = None, 0.0
    for code, ts, value in rows:
        if code != series:
            series, before = code, 0.0
        moments[ts] = moments.get(ts, 0.0) + (value - before)
        before = value
    times: list[datetime] = []
    values: list[float] = []
    total = 0.0
    for ts in sorted(moments):
        total += moments[ts]
        if not values or total > values[-1]:
            times.append(datetime.fromisoformat(ts).replace(tzinfo=UTC))
            values.append(total)
    return PeakCurve(tuple(times), tuple(values))


#: :meth:`PeriodReads._peak_curves` on PostgreSQL: each station's readings of a span read down the key's index
#: in time order (a ``LATERAL`` per station's series and span), so each reading's change from the station's previous one
#: (``lag``) needs no sort; then summed per moment, run up, and the rises kept, as the portable statement does.
#: The portable statement's plan (a bitmap scan of all the stations' readings, then a sort of them by station
#: and time, spilled to disk past ``work_mem``) took ~0.1 s for today's ~66 000 queue readings at 900 stations,
#: this ~0.05 s (docs/PERFORMANCE.md 7b, session 14). JIT is off for it: compiling took ~20 ms of that and
#: saved nothing. ``n`` counts spans from 0; the stations must be distinct (each is summed once).
_PEAK_CURVES_PG = """
WITH moments AS (
    SELECT sp.n, l.ts, sum(l.delta) AS delta
    FROM unnest(CAST(:los AS timestamp[]), CAST(:his AS timestamp[])) WITH ORDINALITY AS sp(lo, hi, n)
    CROSS JOIN (SELECT s.id FROM series s
                WHERE s.station = ANY(CAST(:stations AS varchar[])) AND s.metric = :metric) AS st
    CROSS JOIN LATERAL (
        SELECT r.ts, r.value - coalesce(lag(r.value) OVER (ORDER BY r.ts), 0.0) AS delta
        FROM readings r
        WHERE r.series = st.id AND r.ts >= sp.lo AND r.ts < sp.hi) AS l
    GROUP BY sp.n, l.ts),
running AS (
    SELECT n, ts, sum(delta) OVER (PARTITION BY n ORDER BY ts) AS total FROM moments),
marked AS (
    SELECT n, ts, total,
           max(total) OVER (PARTITION BY n ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
    FROM running)
SELECT CAST(n - 1 AS integer), ts, total FROM marked
WHERE before IS NULL OR total > before
ORDER BY n, ts"""
