"""Each station's end-of-day projection, computed from the store by the collector and stored for the pages.

Why here and not in the pages: the alert evaluation needs the projection
anyway, every cycle and without a browser; computed at most once a minute and stored, a
wall refresh only reads one small row (docs/PROJECTION.md has the cost).
The usual day is learnt once per station and day (six queries for the
comparable days); today's readings are read incrementally, only what is
new since the last turn (plus a few minutes a source may commit late).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from board.domain import projection as pj
from board.domain.hours import DAY_MINUTES, instant
from board.domain.reading import Reading
from board.domain.timeutil import HELSINKI, UTC, day_bounds, day_start, local, local_date
from board.settings import Settings
from board.store import Store

#: Re-read this much before the last read: a source may commit a reading a little late (its lookback).
OVERLAP = timedelta(minutes=5)
#: A projection is recomputed at most this often (it moves slowly; the evaluation may run every few seconds).
EVERY = timedelta(seconds=60)
#: How often a usual day that could not be learnt is looked for again (a read of the comparable days' series).
RETRY_MISSING = timedelta(minutes=2)


class Projector:
    """Projections for every station of ``settings`` from ``store``; keeps the usual days and today's readings."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._profiles: dict[tuple[str, date], pj.Profile | pj.NoProjection] = {}
        #: When each station's missing usual day was last looked for (see :meth:`_profile`).
        self._missing_at: dict[tuple[str, date], datetime] = {}
        #: Moved by :meth:`history_arrived` (a collector's pull stored readings of earlier days); a usual day found
        #: missing before the current version is looked for again at once.
        self._history_version = 0
        self._missing_version: dict[tuple[str, date], int] = {}
        self._today: dict[str, tuple[date, datetime, dict[str, dict[float, float]]]] = {}
        self._last: dict[str, pj.StationProjection] = {}

    def all(self, now: datetime) -> list[pj.StationProjection]:
        """Every station's projection; today's new readings of all stations that need them in one read (a read
        per station was 30 of a 30-station collector cycle's 68 statements on PostgreSQL)."""
        out: dict[str, pj.StationProjection] = {}
        pending: dict[str, _Pending] = {}
        for s in self.settings.stations:
            last = self._fresh(s.code, now)
            step = last if last is not None else self._prepare(s.code, now)
            if isinstance(step, _Pending):
                pending[s.code] = step
            else:
                self._last[s.code] = out[s.code] = step
        if pending:
            since_of = {code: self._since(code, step.day) for code, step in pending.items()}
            readings = self.store.series_since(since_of, pj.QUEUE_METRICS, now + timedelta(seconds=1))
            for code, step in pending.items():
                self._last[code] = out[code] = self._finish(code, step, now, readings.get(code, []))
        return [out[s.code] for s in self.settings.stations]

    def station(self, code: str, now: datetime) -> pj.StationProjection:
        last = self._fresh(code, now)
        if last is not None:
            return last
        step = self._prepare(code, now)
        if isinstance(step, _Pending):
            since = self._since(code, step.day)
            step = self._finish(code, step, now, self.store.series(code, pj.QUEUE_METRICS, since,
                                                                   now + timedelta(seconds=1)))
        self._last[code] = step
        return step

    @property
    def history_version(self) -> int:
        return self._history_version

    def history_arrived(self) -> None:
        """Readings of earlier days were stored (a backfill): a usual day found missing is looked for again at the
        next turn, not only after :data:`RETRY_MISSING`. ``board demo``'s first start loads its eight weeks a few
        seconds after the first turn, and the overview said "liian vähän historiaa" for the next two to three
        minutes (seen from a fresh clone, session 15). Called from the collector's source threads: a lost
        increment between two of them still moves the version."""
        self._history_version += 1

    def _fresh(self, code: str, now: datetime) -> pj.StationProjection | None:
        last = self._last.get(code)
        if (last is not None and last.ok and last.closes_at is not None and now < last.closes_at
                and timedelta(0) <= now - last.computed_at < EVERY):
            return last  # a minute old at most, the same day (closing comes before midnight)
        return None

    def _prepare(self, code: str, now: datetime) -> pj.StationProjection | _Pending:
        """The projection when it needs none of today's readings (closed, a holiday, no usual day), else what
        :meth:`_finish` needs once today's readings are read."""
        day = local_date(now)
        span = self.settings.opening_hours(code).span_on(day)  # holidays and exception days applied
        clock = _clock(now)
        if span is None or not span[0] <= clock < span[1]:  # a lunch break lies inside the span
            self._today.pop(code, None)
            return pj.StationProjection(code, now, reason=pj.Reason.CLOSED.value)
        closes_at = instant(day, span[1])
        name = pj.holiday_name(day)
        if name is not None:
            return pj.StationProjection(code, now, closes_at, reason=pj.Reason.HOLIDAY.value, detail=name)
        profile = self._profile(code, day, span, now)
        if isinstance(profile, pj.NoProjection):
            return pj.StationProjection(code, now, closes_at, reason=profile.reason.value, detail=profile.detail)
        return _Pending(day, span, clock, closes_at, profile)

    def _finish(self, code: str, step: _Pending, now: datetime, readings: Iterable[Reading]) -> pj.StationProjection:
        day, span, closes_at = step.day, step.span, step.closes_at
        today = pj.queue_day_from_series(day, self._today_series(code, day, now, readings))
        result = pj.project(today, step.profile, step.clock, *span)
        if isinstance(result, pj.NoProjection):
            return pj.StationProjection(code, now, closes_at, reason=result.reason.value, detail=result.detail)
        path = tuple((_at(day, m), lo, mid, hi) for m, lo, mid, hi in result.path)
        return pj.StationProjection(code, now, closes_at, result.queue, result.queue_low, result.queue_high,
                                    result.same_day_share, result.share_low, result.share_high, path)

    def _profile(self, code: str, day: date, span: tuple[float, float],
                 now: datetime) -> pj.Profile | pj.NoProjection:
        """The station's usual day for ``day``, learnt once a day; when it could not be learnt (too few
        comparable days) it is looked for again every :data:`RETRY_MISSING`: a collector's first turn runs
        before its first pull has loaded the history (``demo`` loads eight weeks then), and the reason "too
        little history" stayed on every wall for the rest of the day. A pull that stored earlier days' readings
        (:meth:`history_arrived`) has it looked for again at the next turn."""
        key = (code, day)
        kept = self._profiles.get(key)
        if isinstance(kept, pj.NoProjection) and (now - self._missing_at.get(key, now) >= RETRY_MISSING
                                                  or self._missing_version.get(key) != self._history_version):
            del self._profiles[key]
        if key not in self._profiles:
            for old in [k for k in self._profiles if k[0] == code]:
                del self._profiles[old]  # yesterday's usual day is not today's
                self._missing_at.pop(old, None)
                self._missing_version.pop(old, None)
            version = self._history_version  # before the reads: history stored while they run counts as new
            hours = self.settings.opening_hours(code)
            days = pj.comparable_days(day, lambda d: hours.comparable(day, d))  # same hours (not an exception)
            past = [pj.queue_day(d, self.store.series(code, pj.QUEUE_METRICS, *day_bounds(d)))
                    for d in days]
            self._profiles[key] = pj.build_profile(past, *span)
            if isinstance(self._profiles[key], pj.NoProjection):
                self._missing_at[key] = now
                self._missing_version[key] = version
        return self._profiles[key]

    def _since(self, code: str, day: date) -> datetime:
        """From when today's readings must be read: the day's start, or the last turn less :data:`OVERLAP`."""
        cached = self._today.get(code)
        start = day_start(day)
        if cached is None or cached[0] != day:
            return start
        return max(start, cached[1] - OVERLAP)

    def _today_series(self, code: str, day: date, now: datetime,
                      readings: Iterable[Reading]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Today's readings of the queue metrics, kept incrementally: ``readings`` are those since
        :meth:`_since` (only what is new since the last turn)."""
        cached = self._today.get(code)
        start = day_start(day)
        values = cached[2] if cached is not None and cached[0] == day else {m: {} for m in pj.QUEUE_METRICS}
        for r in readings:
            values[r.metric][(r.ts - start).total_seconds()] = r.value
        self._today[code] = (day, now, values)
        return {m: pj.series_arrays(v) for m, v in values.items()}


@dataclass(frozen=True)
class _Pending:
    """A projection that needs today's readings: what :meth:`Projector._prepare` found."""

    day: date
    span: tuple[float, float]
    clock: float
    closes_at: datetime
    profile: pj.Profile


def _clock(ts: datetime) -> float:
    loc = local(ts)
    return loc.hour * 60 + loc.minute + loc.second / 60


def _at(day: date, clock_minute: float) -> datetime:
    """The UTC instant of a Helsinki clock minute on ``day`` (wall-clock arithmetic: DST days too)."""
    if clock_minute >= DAY_MINUTES:  # 24:00, a round-the-clock unit's closing
        return instant(day, DAY_MINUTES) + timedelta(minutes=clock_minute - DAY_MINUTES)
    whole = int(clock_minute)
    return datetime.combine(day, time(whole // 60 % 24, whole % 60), tzinfo=HELSINKI).astimezone(UTC) + \
        timedelta(minutes=clock_minute - whole)
