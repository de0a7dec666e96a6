"""Time in the board: stored in UTC, shown and bucketed in Europe/Helsinki.

A "day" is always a Helsinki calendar day. On DST change days it is 23 or 25
hours long, so day boundaries are computed from local midnights and never by
adding 24 hours to a timestamp.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
UTC = UTC


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def ensure_utc(ts: datetime) -> datetime:
    """Return ``ts`` as aware UTC; naive datetimes are refused (they are bugs)."""
    if ts.tzinfo is None:
        raise ValueError(f"naive datetime {ts!r}: the board only handles aware datetimes")
    return ts.astimezone(UTC)


def local(ts: datetime, tz: ZoneInfo = HELSINKI) -> datetime:
    """``ts`` converted to local (Helsinki) time."""
    return ensure_utc(ts).astimezone(tz)


def local_date(ts: datetime, tz: ZoneInfo = HELSINKI) -> date:
    """The Helsinki calendar day an instant belongs to."""
    return local(ts, tz).date()


def day_start(day: date, tz: ZoneInfo = HELSINKI) -> datetime:
    """The UTC instant of local midnight at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo = HELSINKI) -> tuple[datetime, datetime]:
    """Half-open UTC interval [start, end) covering the local day."""
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)


def day_length(day: date, tz: ZoneInfo = HELSINKI) -> timedelta:
    """Length of a local day: 24 h, or 23 h / 25 h on DST change days."""
    start, end = day_bounds(day, tz)
    return end - start


def at_local(day: date, clock: time, tz: ZoneInfo = HELSINKI) -> datetime:
    """UTC instant of a local wall-clock time on ``day``."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
