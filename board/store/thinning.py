"""Retention's side of the store: the oldest reading, and thinning a window of readings.

:mod:`board.retention` decides which days to thin and when; this keeps, per
station, metric and bucket, the last and the highest reading (the two every
view needs, so no view changes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from board.domain.timeutil import local_date
from board.store.schema import DailyRow, ReadingRow
from board.store.writes import UPSERT_CHUNK


class Thinning:
    """Retention reads and thinning (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]

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
            rows = s.execute(select(r.series, r.ts, r.value, r.source, r.collected_at)
                             .where(r.ts >= start, r.ts < end)).all()
            groups: dict[tuple[int, object], list] = {}  # type: ignore[type-arg]
            for row in rows:  # a series is a station's metric (board/store/series.py)
                groups.setdefault((row.series, bucket(row.ts)), []).append(row)
            keep = {}
            for members in groups.values():
                last = max(members, key=lambda m: m.ts)
                top = max(members, key=lambda m: (m.value, m.ts))
                keep[(last.series, last.ts)] = last
                keep[(top.series, top.ts)] = top
            if len(keep) == len(rows):
                return 0
            s.execute(delete(r).where(r.ts >= start, r.ts < end))
            # The window's days have fewer readings now: their kept combined peaks are recomputed (periods.py).
            d = DailyRow.__table__.c
            s.execute(update(DailyRow).where(d.day >= local_date(start),
                                             d.day <= local_date(end - timedelta(microseconds=1)))
                      .values(version=d.version + 1))
            kept = [dict(series=k.series, ts=k.ts, value=k.value, source=k.source,
                         collected_at=k.collected_at) for k in keep.values()]
            for i in range(0, len(kept), UPSERT_CHUNK):
                s.execute(r.__table__.insert(), kept[i:i + UPSERT_CHUNK])
            return len(rows) - len(kept)

