"""Set-based reads of the weekly and monthly views: figures over many stations computed where the rows are.

The combined queue peak of several stations (the most contacts waiting at
once over them, :func:`board.domain.periods.combined_peak`) needs every
queue reading of the period; fetched into Python that was ~200 000 rows and
3 s at 300 stations. Here the database computes it: each reading's change
from the same station's previous reading of the day (the first counts
whole), summed per moment, run up through the day; the day's peak is the
highest running total. The same step function as the domain's, so the same
number (queue readings are counts: their sums are exact in floating point).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from board.store.engine import Dialect
from board.store.schema import ReadingRow, UTCDateTime


class PeriodReads:
    """Per-period aggregates over many stations (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    def combined_peaks(self, stations: Sequence[str], metric: str,
                       spans: Sequence[tuple[datetime, datetime]]) -> list[float | None]:
        """For each span ``[start, end)`` (a Helsinki day), the highest sum over ``stations`` of each one's
        latest reading of ``metric`` in the span; None for a span without readings. One statement."""
        if not spans or not stations:
            return [None] * len(spans)
        r = ReadingRow.__table__.c
        rows = [select(literal(i).label("n"), literal(lo, UTCDateTime()).label("lo"),
                       literal(hi, UTCDateTime()).label("hi")) for i, (lo, hi) in enumerate(spans)]
        span = (rows[0] if len(rows) == 1 else union_all(*rows)).cte("spans")
        previous = func.lag(r.value).over(partition_by=(span.c.n, r.station), order_by=r.ts)
        changes = (select(span.c.n, r.ts, (r.value - func.coalesce(previous, 0.0)).label("delta"))
                   .select_from(ReadingRow.__table__)
                   .join(span, and_(r.ts >= span.c.lo, r.ts < span.c.hi))
                   .where(self.dialect.one_of(r.station, stations), r.metric == metric)).subquery()
        moments = (select(changes.c.n, changes.c.ts, func.sum(changes.c.delta).label("delta"))
                   .group_by(changes.c.n, changes.c.ts)).subquery()
        running = select(moments.c.n, func.sum(moments.c.delta).over(
            partition_by=moments.c.n, order_by=moments.c.ts).label("total")).subquery()
        stmt = select(running.c.n, func.max(running.c.total)).group_by(running.c.n)
        out: list[float | None] = [None] * len(spans)
        with self.sessions() as s:
            for n, peak in s.execute(stmt):
                out[n] = None if peak is None else float(peak)
        return out

    def highest_values(self, stations: Sequence[str], metric: str, start: datetime,
                       end: datetime) -> dict[str, float]:
        """Each station's highest reading of ``metric`` with start <= ts < end (stations without one left out)."""
        r = ReadingRow.__table__.c
        stmt = (select(r.station, func.max(r.value))
                .where(self.dialect.one_of(r.station, stations), r.metric == metric, r.ts >= start, r.ts < end)
                .group_by(r.station))
        with self.sessions() as s:
            return {station: float(top) for station, top in s.execute(stmt) if top is not None}
