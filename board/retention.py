"""Retention: old readings are thinned so the store stays small, without breaking any view.

Readings are snapshots, so thinning keeps the right ones instead of
aggregating into another table: after ``hourly_after_days`` each station's
metric keeps, per hour, its **last** reading (daily totals are the day's last
reading, so they stay exact) and its **highest** (so the weekly view's queue
peak stays exact); after ``daily_after_days`` the same per Helsinki day. The
wall, the overview (today and the same day last week) and the weekly view
read the same table as before, for any week.

Work is done a few days at a time from where the last call stopped (kept as
a bookmark row whose name cannot be a source's), so a year of fresh backfill
is thinned in the background without one long transaction, and only one
collector at a time does it (a lease, like a source).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np

from board.domain.item_arrays import Midnights, micros
from board.domain.reading import ReadingBlock
from board.domain.timeutil import day_bounds, day_start, local_date
from board.settings import RetentionSettings
from board.store import Store

DAYS_PER_CALL = 3
LEASE = ":retention"
_MARKS = {"hour": ":retention:hourly", "day": ":retention:daily"}


def hour_bucket(ts: datetime) -> object:
    # Helsinki is a whole number of hours from UTC, so UTC hours are local hours.
    return ts.replace(minute=0, second=0, microsecond=0)


BUCKETS: dict[str, Callable[[datetime], object]] = {"hour": hour_bucket, "day": local_date}


def coarse_before(settings: RetentionSettings, now: datetime) -> list[tuple[datetime, str]]:
    """Where retention, thinning at ``now``, keeps readings per day and per hour: ``(before, bucket)`` pairs, the
    coarsest first. Readings before ``before`` are thinned by that stage (whole local days, as :func:`_stage`)."""
    stages = []
    for bucket, after_days in (("day", settings.daily_after_days), ("hour", settings.hourly_after_days)):
        if after_days is not None:
            stages.append((day_start(local_date(now) - timedelta(days=after_days)), bucket))
    return stages


def as_kept(block: ReadingBlock, stages: list[tuple[datetime, str]]) -> list[ReadingBlock]:
    """``block`` as retention would leave it once thinned (``stages`` from :func:`coarse_before`).

    Why: a first load of item figures writes a reading at every event minute (about 1 100 per station-day);
    for days retention will thin anyway, writing only the readings it keeps (per station, metric and bucket:
    the last, and the highest with the latest of equal ones, as :meth:`Store.thin_readings`) gives the very
    store the full write followed by thinning gives, at a tenth of the writes. Times within reach of no stage
    stay one block; the thinned part becomes a block per metric (each metric keeps its own times).
    """
    if not stages:
        return [block]
    cut = max(before for before, _bucket in stages)  # the hourly stage reaches furthest
    old = next((n for n, t in enumerate(block.times) if t >= cut), len(block.times))
    if old == 0:
        return [block]
    times, values = block.times[:old], block.values[:old]
    buckets = np.empty(old, dtype=np.int64)
    for n, t in enumerate(times):
        bucket = next(b for before, b in stages if t < before)
        # hours as UTC epoch hours (Helsinki is whole hours from UTC); days as negative ordinals: never equal
        buckets[n] = int(t.timestamp()) // 3600 if bucket == "hour" else -local_date(t).toordinal()
    mask = _kept(buckets, values)
    out = [ReadingBlock(block.station, (metric,), tuple(t for t, keep in zip(times, mask[:, j], strict=True) if keep),
                        values[mask[:, j], j:j + 1]) for j, metric in enumerate(block.metrics)]
    if old < len(block.times):
        out.append(ReadingBlock(block.station, block.metrics, block.times[old:], block.values[old:]))
    return out


def kept_blocks(station: str, metrics: tuple[str, ...], times: np.ndarray, values: np.ndarray,
                stages: list[tuple[datetime, str]], midnights: Midnights,
                when: Callable[[int], datetime]) -> list[ReadingBlock]:
    """:func:`as_kept` of ``ReadingBlock(station, metrics, times, values)`` with ``times`` as ascending
    :func:`~board.domain.item_arrays.micros` (covered by ``midnights``), the buckets found by numpy; ``when``
    makes an instant's datetime. Why: a year's first load of item figures thins about 2.4 million instants, and
    :func:`as_kept`'s Python step per instant was a tenth of it. The same blocks as :func:`as_kept` gives
    (tests/test_item_arrays.py)."""
    if not stages:
        return [ReadingBlock(station, metrics, tuple(map(when, times.tolist())), values, times)]
    cut = micros(max(before for before, _bucket in stages))
    old = int(np.searchsorted(times, cut, side="left"))
    if old == 0:
        return [ReadingBlock(station, metrics, tuple(map(when, times.tolist())), values, times)]
    part = times[:old]
    daily = np.zeros(old, dtype=bool)
    for before, bucket in reversed(stages):  # the first stage (coarsest) an instant is before decides
        daily[part < micros(before)] = bucket == "day"
    # hours as UTC epoch hours (Helsinki is whole hours from UTC); days as negative ordinals: never equal
    ordinals = midnights.first.toordinal() + midnights.index(part)
    buckets = np.where(daily, -ordinals, part // 3_600_000_000)
    head = values[:old]
    mask = _kept(buckets, head)
    out = []
    for j, metric in enumerate(metrics):  # the microsecond times travel along: the store need not work them out
        at = part[mask[:, j]]
        out.append(ReadingBlock(station, (metric,), tuple(map(when, at.tolist())), head[mask[:, j], j:j + 1], at))
    if old < len(times):
        out.append(ReadingBlock(station, metrics, tuple(map(when, times[old:].tolist())), values[old:], times[old:]))
    return out


def _kept(buckets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which readings (rows: times ascending, columns: metrics) thinning keeps: per run of equal ``buckets`` and
    metric, the last and the last of the highest."""
    n, m = values.shape
    starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    mask = np.zeros((n, m), dtype=bool)
    mask[np.r_[starts[1:], n] - 1, :] = True
    top = np.maximum.reduceat(values, starts, axis=0)
    at = np.where(values == top[group], np.arange(n)[:, None], -1)
    mask[np.maximum.reduceat(at, starts, axis=0), np.arange(m)[None, :]] = True
    return mask


def thin(store: Store, settings: RetentionSettings, now: datetime, holder: str = "retention") -> bool:
    """Thin up to :data:`DAYS_PER_CALL` days per stage; True while more old days are waiting."""
    if not store.take_lease(LEASE, holder, now, ttl_seconds=600):
        return False
    more = False
    for bucket, after_days in (("day", settings.daily_after_days), ("hour", settings.hourly_after_days)):
        if after_days is not None:
            more |= _stage(store, bucket, local_date(now) - timedelta(days=after_days), now)
    return more


def _stage(store: Store, bucket: str, first_kept_day: date, now: datetime) -> bool:
    """Thin whole local days before ``first_kept_day`` that this stage has not done yet."""
    done = store.bookmark(_MARKS[bucket])
    oldest = store.oldest_reading()
    if oldest is None:
        return False
    # From where this stage stopped (history backfilled later, older than that, stays as it came).
    day = max(local_date(done), local_date(oldest)) if done else local_date(oldest)
    stop = min(first_kept_day, day + timedelta(days=DAYS_PER_CALL))
    while day < stop:
        start, end = day_bounds(day)
        store.thin_readings(start, end, BUCKETS[bucket])
        day += timedelta(days=1)
        store.set_bookmark(_MARKS[bucket], day_bounds(day)[0], now)
    return day < first_kept_day
