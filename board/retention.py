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

from board.domain.timeutil import day_bounds, local_date
from board.settings import RetentionSettings
from board.store import Store

DAYS_PER_CALL = 3
LEASE = ":retention"
_MARKS = {"hour": ":retention:hourly", "day": ":retention:daily"}


def hour_bucket(ts: datetime) -> object:
    # Helsinki is a whole number of hours from UTC, so UTC hours are local hours.
    return ts.replace(minute=0, second=0, microsecond=0)


BUCKETS: dict[str, Callable[[datetime], object]] = {"hour": hour_bucket, "day": local_date}


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
