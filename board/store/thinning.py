"""Retention's side of the store: the oldest reading, and thinning a window of readings.

:mod:`board.retention` decides which days to thin and when; this keeps, per
station, metric and bucket, the last and the highest reading (the two every
view needs, so no view changes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

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

        What is written back is chosen from the rows the ``DELETE`` itself returns, not from the read that found
        the window worth thinning: a writer (a backfill of old days beside retention's thread) may commit readings
        into the window between the two, and the ``DELETE`` takes them too (tests/test_retention.py).
        """
        r = ReadingRow
        columns = (r.series, r.ts, r.value, r.source, r.collected_at)
        with self.sessions.begin() as s:
            rows = s.execute(select(*columns).where(r.ts >= start, r.ts < end)).all()
            if len(_kept(rows, bucket)) == len(rows):
                return 0
            deleted = s.execute(delete(r).where(r.ts >= start, r.ts < end).returning(*columns)).all()
            keep = _kept(deleted, bucket)
            # The window's days have fewer readings now: their kept combined peaks are recomputed (periods.py).
            d = DailyRow.__table__.c
            s.execute(update(DailyRow).where(d.day >= local_date(start),
                                             d.day <= local_date(end - timedelta(microseconds=1)))
                      .values(version=d.version + 1))
            kept = [dict(series=k.series, ts=k.ts, value=k.value, source=k.source,
                         collected_at=k.collected_at) for k in keep]
            for i in range(0, len(kept), UPSERT_CHUNK):
                s.execute(r.__table__.insert(), kept[i:i + UPSERT_CHUNK])
            return len(deleted) - len(kept)


def _kept(rows: Sequence[Any], bucket: Callable[[datetime], object]) -> list[Any]:
    """The rows thinning keeps: per series (a station's metric, board/store/series.py) and bucket, the last and the
    highest (the latest of equal highest)."""
    groups: dict[tuple[int, object], list[Any]] = {}
    for row in rows:
        groups.setdefault((row.series, bucket(row.ts)), []).append(row)
    keep = {}
    for members in groups.values():
        last = max(members, key=lambda m: m.ts)
        top = max(members, key=lambda m: (m.value, m.ts))
        keep[(last.series, last.ts)] = last
        keep[(top.series, top.ts)] = top
    return list(keep.values())
