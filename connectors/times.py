"""Dates, clock times and local instants as Finnish exports write them.

Reception and reporting systems often write the date and the time of day in
two columns (``Päivämäärä`` ``1.12.2026`` and ``Klo`` ``08.00``), or a date
and an hour number; Excel keeps a time of day as a fraction of a day, which
openpyxl hands over as ``datetime.time`` (or a float when the cell is not
formatted). This module reads those pieces and joins them into one instant.

Local wall-clock times are checked against the zone's rules instead of being
shifted silently:

* a time that does not exist (the spring-forward hour, 29.3.2026
  03.00–03.59 in Helsinki) raises :class:`NonexistentTime`;
* a time that happens twice (the October hour 03.00–03.59) is resolved by
  :class:`FoldTracker` from the order of a file's rows, or raises
  :class:`AmbiguousTime` when the order cannot tell.

The parsers raise ValueError with an administrator's reason; they never
decide what a problem costs (a row, a file): the caller does.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from board.domain.reasons import Reason

_CLOCK = re.compile(r"^(?:klo\.?\s*)?(\d{1,2})(?:[.:](\d{2})(?:[.:](\d{2}))?)?$", re.IGNORECASE)
#: The same weekday before a date as :data:`connectors.mapping.WEEKDAY` (``ti 1.12.2026``).
_DATE_FI = re.compile(r"^(?:(?:ma|ti|ke|to|pe|la|su|maanantai|tiistai|keskiviikko|torstai|perjantai|lauantai"
                      r"|sunnuntai|må|mån|tis|ons|tor|fre|lör|sön|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+)?"
                      r"(\d{1,2})\.(\d{1,2})\.(\d{4})$", re.IGNORECASE)
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
#: How openpyxl hands a time cell that carries Excel's day zero (1899-12-30/31): a time of day, no date.
_EXCEL_DAY_ZERO = (date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1))


class NonexistentTime(ValueError):
    """A local time the clock skipped (spring forward)."""


class AmbiguousTime(ValueError):
    """A local time that happens twice (autumn back) where the rows' order cannot tell which."""


def _short(value: Any) -> str:
    from connectors.mapping import quote  # the one quoting rule (no identity code, no secret, short)

    return quote(value)


def _said(code: str, value: Any, rest: str) -> Reason:
    """A parser's reason about ``value``, quoted safely: ``'8.61' is not a time of day``."""
    return Reason(code, f"{_short(value)}{rest}", value=_short(value))


def parse_clock(value: Any) -> time:
    """A time of day: ``08.00``, ``8.00``, ``8:00``, ``08:00:00``, ``klo 8``, an hour number ``8``,
    ``datetime.time``, or Excel's fraction of a day (``0.3333…``). ValueError otherwise."""
    if isinstance(value, datetime):
        if value.date() in _EXCEL_DAY_ZERO:
            return value.time().replace(tzinfo=None)
        raise ValueError(_said("not_time_of_day", value, " is a date and time, not a time of day"))
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, bool):
        raise ValueError(_said("not_time_of_day", value, " is not a time of day"))
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(_said("not_time_of_day", value, " is not a time of day"))
        if number == int(number) and 0 <= number <= 23:
            return time(int(number))  # an hour number
        if 0 < number < 1:  # Excel's fraction of a day, to the second
            seconds = round(number * 86400)
            if seconds >= 86400:
                raise ValueError(_said("not_time_of_day", value, " is not a time of day"))
            return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
        raise ValueError(_said("not_time_of_day", value, " is not a time of day (expected e.g. 08.00 or an hour 0–23)"))
    if isinstance(value, str):
        m = _CLOCK.match(value.strip())
        if m:
            hh, mm, ss = (int(g) if g else 0 for g in m.groups())
            if hh <= 23 and mm <= 59 and ss <= 59:
                return time(hh, mm, ss)
            if hh == 24 and mm == 0 and ss == 0:
                raise ValueError(_said("not_time_of_day", value, " is not a time of day (write 00.00 of the next day)"))
        raise ValueError(_said("not_time_of_day", value,
                               " is not a time of day (expected e.g. 08.00, 8:00, 08:00:00 or klo 8)"))
    raise ValueError(_said("not_time_of_day", value, " is not a time of day"))


#: An hour range as contact-centre and telephony reports write a row's interval: ``8.00–9.00``, ``08:00 - 09:00``,
#: ``klo 8-9``, ``08:00:00-08:59:59``.
_INTERVAL = re.compile(r"^(?:klo\.?\s*)?(\d{1,2})(?:[.:](\d{2})(?:[.:](\d{2}))?)?\s*(?:-|–|—|\.\.)\s*"
                       r"(?:klo\.?\s*)?(\d{1,2})(?:[.:](\d{2})(?:[.:](\d{2}))?)?$", re.IGNORECASE)
DAY_MINUTES = 24 * 60


def parse_interval(value: Any) -> tuple[int, int] | None:
    """An hour range's start and end in minutes after midnight (``8.00–9.00`` → (480, 540)), or None when
    ``value`` is not written as a range. The end ``24.00`` or ``0.00`` after a later start is midnight at the day's
    end (1440); an end on the range's last minute or second (``08:00-08:59``, ``08:00:00-08:59:59``) is the next
    minute, as such reports mean it. ValueError for a range that cannot be one (an end before its start, 25.00)."""
    if not isinstance(value, str):
        return None
    m = _INTERVAL.match(value.strip())
    if m is None:
        return None
    h1, m1, s1, h2, m2, s2 = (int(g) if g else 0 for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m2 == 59 and (m.group(6) is None or s2 == 59) and m.group(5) is not None:
        end += 1  # 08:00-08:59: the range ends at 09.00
    if end == 0 and start > 0:
        end = DAY_MINUTES
    if h1 > 23 or m1 > 59 or s1 > 59 or h2 > 24 or m2 > 59 or s2 > 59 or end > DAY_MINUTES or end <= start:
        raise ValueError(_said("not_hour_range", value, " is not an hour range (expected e.g. 8.00–9.00, "
                               "08:00 - 09:00 or klo 8-9, the end after the start)"))
    return start, end


_ONE_DATE = r"(?:(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2}))"
_ONE_CLOCK = r"(\d{1,2})(?:[.:](\d{2})(?:[.:](\d{2}))?)?"
_TO = r"\s*(?:-|–|—|\.\.)\s*"
#: A day and an hour range in one cell: ``1.12.2026 8:00-9:00``, ``1.12.2026 klo 8-9``, ``1.12.2026 08:00 -
#: 1.12.2026 09:00`` (the end's own date: the same day, or the next at 00:00).
_DATED_RANGE = re.compile(rf"^{_ONE_DATE}\s+(?:klo\.?\s*)?{_ONE_CLOCK}{_TO}(?:{_ONE_DATE}\s+)?(?:klo\.?\s*)?"
                          rf"{_ONE_CLOCK}$", re.IGNORECASE)
#: A period of days in one cell: ``1.12.2026 - 7.12.2026``, ``1.12. - 7.12.2026``, ``2026-12-01 – 2026-12-07``.
_DAY_RANGE = re.compile(rf"^(?:(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}})?|(\d{{4}})-(\d{{2}})-(\d{{2}})){_TO}{_ONE_DATE}$")


def _ymd(groups: tuple[str | None, ...], default_year: str | None = None) -> date:
    d, m, y, iy, im, iday = groups
    if iy is not None:
        return date(int(iy), int(im or 0), int(iday or 0))
    return date(int(y or default_year or 0), int(m or 0), int(d or 0))


def parse_period(value: Any) -> tuple[date, int, int] | tuple[date, date] | None:
    """A period written in one cell: a day and an hour range (``1.12.2026 8:00-9:00`` → (1.12.2026, 480, 540),
    as :func:`parse_interval` reads the range), or a period of days (``1.12.2026 - 7.12.2026`` → (1.12.2026,
    7.12.2026)); None when ``value`` is neither. ValueError for one that cannot be a period (an end before its
    start, 31.11.2026, an hour range ending on another day than the next midnight)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _DATED_RANGE.match(text)
    if m:
        g = m.groups()
        try:
            day = _ymd(g[0:6])
            end_day = _ymd(g[9:15]) if any(g[9:15]) else day
        except ValueError:
            raise ValueError(_said("not_date", value, " is not a valid date")) from None
        start_clock = g[6] + (f".{g[7]}" if g[7] else "") + (f".{g[8]}" if g[8] else "")
        end_clock = g[15] + (f".{g[16]}" if g[16] else "") + (f".{g[17]}" if g[17] else "")
        if end_day == day + timedelta(days=1) and int(g[15]) == 0 and int(g[16] or 0) == 0:
            end_clock = "24.00"  # 1.12.2026 23:00 - 2.12.2026 00:00: the range ends at the day's end
        elif end_day != day:
            raise ValueError(_said("not_hour_range", value, " is not an hour range within one day (expected e.g. "
                                   "1.12.2026 8.00–9.00)"))
        try:
            span = parse_interval(f"{start_clock}-{end_clock}")
        except ValueError:
            raise ValueError(_said("not_hour_range", value, " is not an hour range (expected e.g. 1.12.2026 "
                                   "8.00–9.00, the end after the start)")) from None
        return None if span is None else (day, *span)
    m = _DAY_RANGE.match(text)
    if m:
        g = m.groups()
        try:
            last = _ymd(g[6:12])
            first = _ymd(g[0:6], default_year=str(last.year))
        except ValueError:
            raise ValueError(_said("not_date", value, " is not a valid date")) from None
        if last < first:
            raise ValueError(_said("not_period", value, " is not a period (its end is before its start)"))
        return first, last
    return None


def parse_day(value: Any) -> date:
    """A calendar day: ``1.12.2026``, ``2026-12-01``, a date cell, or a date-time at midnight."""
    if isinstance(value, datetime):
        if value.time() != time(0) or value.tzinfo is not None:
            raise ValueError(_said("date_holds_time", value, " holds a time of day; map it alone as the time"))
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        m = _DATE_FI.match(text)
        groups = (m.group(3), m.group(2), m.group(1)) if m else None
        if groups is None:
            iso = _DATE_ISO.match(text)
            groups = iso.groups() if iso else None
        if groups is not None:
            try:
                return date(int(groups[0]), int(groups[1]), int(groups[2]))
            except ValueError:
                raise ValueError(_said("not_date", value, " is not a valid date")) from None
    raise ValueError(_said("not_date", value, " is not a date (expected dd.mm.yyyy or yyyy-mm-dd)"))


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    """Does the naive local time ``wall`` happen in ``zone`` (it does not in the spring-forward gap)?"""
    there = wall.replace(tzinfo=zone)
    return there.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def is_ambiguous(wall: datetime, zone: ZoneInfo) -> bool:
    """Does the naive local time ``wall`` happen twice in ``zone`` (the autumn hour)?"""
    return wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset()


def check_exists(wall: datetime, zone: ZoneInfo) -> None:
    """Raise :class:`NonexistentTime` for a local time the clock skipped."""
    if not exists(wall, zone):
        raise NonexistentTime(Reason(
            "nonexistent_time", f"{wall:%d.%m.%Y %H.%M} does not exist in {zone.key} (the clocks were moved forward "
            "an hour); refused rather than moved to another hour", time=f"{wall:%d.%m.%Y %H.%M}", zone=zone.key))


def local_instant(wall: datetime, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The UTC instant of a naive local time; a time that does not exist raises :class:`NonexistentTime`."""
    check_exists(wall, zone)
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def range_end(begins: datetime, day: date, end: int, zone: ZoneInfo) -> datetime:
    """The instant an hour range ends that began at ``begins``, its end written as ``end`` minutes after the local
    midnight of ``day`` (less than a day).

    The end is read on the clock the range began on (its UTC offset) as long as that clock still runs at the end:
    so the first ``03:00-04:00`` of the October night, begun at 03.00 summer time (+03:00), ends at 04.00 summer
    time (01.00 UTC, which winter-time clocks call 03.00), and ``02:00-03:00`` of the March night ends at 03.00
    winter time (01.00 UTC), which summer-time clocks call 04.00 — an end written on a clock that no longer runs
    there. A range over the change itself (``02:00-05:00``) ends at its end as the local clock says it then.
    """
    wall = datetime.combine(day, time(0)) + timedelta(minutes=end)
    offset = begins.astimezone(zone).utcoffset()
    assert offset is not None
    same = (wall - offset).replace(tzinfo=UTC)
    if (same - timedelta(seconds=1)).astimezone(zone).utcoffset() == offset:
        return same
    return local_instant(wall, zone)


class FoldTracker:
    """Tells the two October 03.xx hours apart from the order of one file's rows.

    A series (one station, or one station's metric) whose rows are in time
    order runs ``02.45, 03.00 … 03.45, 03.00 … 03.45, 04.00``: the first pass
    through the repeated hour is summer time, the step back is the clock going
    back, and the second pass is winter time. A row of the repeated hour that
    comes after a later hour, or a third pass, cannot be placed: it raises
    :class:`AmbiguousTime`. A series that has a single pass is read as the
    first (summer time) hour.
    """

    def __init__(self) -> None:
        self._last: dict[Any, tuple[datetime, int, bool]] = {}  # series -> (wall, fold, ambiguous)

    def instant(self, series: Any, wall: datetime, zone: ZoneInfo) -> datetime:
        check_exists(wall, zone)
        ambiguous = is_ambiguous(wall, zone)
        last = self._last.get(series)
        fold = 0
        if ambiguous and last is not None:
            last_wall, last_fold, last_ambiguous = last
            if last_ambiguous and last_fold == 0:
                fold = 1 if wall <= last_wall else 0
            elif last_ambiguous:  # already in the second pass
                if wall < last_wall:
                    raise self._cannot_tell(wall, zone, "it comes after the same hour's second pass")
                fold = 1
            elif last_wall > wall:
                raise self._cannot_tell(wall, zone, "the rows before it are later (not in time order)")
        self._last[series] = (wall, fold, ambiguous)
        return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)

    @staticmethod
    def _cannot_tell(wall: datetime, zone: ZoneInfo, why: str) -> AmbiguousTime:
        return AmbiguousTime(Reason(
            "ambiguous_time", f"{wall:%d.%m.%Y %H.%M} happens twice in {zone.key} (the clocks were moved back an "
            f"hour) and the order of the rows cannot tell which: {why}; write the time in UTC or with its offset",
            time=f"{wall:%d.%m.%Y %H.%M}", zone=zone.key))


def end_of_day_minute(day: date, zone: ZoneInfo) -> datetime:
    """The local day's last minute as a UTC instant (23.59, whatever the day's length)."""
    start_next = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start_next - timedelta(minutes=1)
