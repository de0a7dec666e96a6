"""Opening hours: outside them a station is "closed", never "red".

What a real station's hours look like, and so what this module reads:

* per weekday, local Helsinki times, one interval or several:
  ``08:00-16:00``, ``08:00-12:00, 13:00-16:00`` (closed over lunch);
  a missing day or ``closed`` means closed all day;
* ``00:00-24:00`` for a unit open round the clock (24:00 is the end of the
  day, so a 24/7 unit is open across midnight too);
* Finnish public holidays (``board.domain.holidays``) are closed days unless
  the station says ``open_on_holidays`` (an emergency unit);
* exception days on a date: ``closed`` (24.12 when it is a weekday, a moving
  day) or other hours (``08:00-12:00`` for a training afternoon). An
  exception day wins over the weekday and over a holiday.

Times are wall-clock minutes of the local day, so a DST change day keeps
``08:00-16:00`` at eight local; the instants come from ``at_local``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from board.domain.holidays import holiday_name
from board.domain.timeutil import HELSINKI, at_local, day_start, local

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOSED_WORDS = ("closed", "suljettu", "stängd", "")
DAY_MINUTES = 24 * 60
#: How far ahead ``next_opening`` looks: a long Christmas closure plus weekends fits easily.
LOOKAHEAD_DAYS = 40

#: One open interval: minutes from local midnight, half-open [start, end); end may be 1440 (24:00).
Interval = tuple[int, int]

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


@dataclass(frozen=True)
class ClosedDay:
    """Why a station that would otherwise open is closed all day: a holiday (its Finnish name) or an exception."""

    kind: str  # "holiday" | "exception"
    holiday: str = ""


@dataclass(frozen=True)
class OpeningHours:
    """Open intervals per weekday (0 = Monday), exception days, and whether holidays close the station."""

    weekly: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)
    exceptions: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    open_on_holidays: bool = False
    #: The holiday calendar (tests may hand another); the one source of Finnish holidays by default.
    holiday: Callable[[date], str | None] = holiday_name

    @classmethod
    def parse(cls, spec: Mapping[str, str], exceptions: Mapping[date | str, str] | None = None,
              open_on_holidays: bool = False) -> OpeningHours:
        """Parse ``{"mon": "08:00-12:00, 13:00-16:00", "sat": "closed"}`` and ``{"2026-12-24": "closed"}``;
        raise ValueError naming the bad part."""
        weekly: dict[int, tuple[Interval, ...]] = {}
        for key, text in spec.items():
            day = str(key).strip().lower()
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {key!r}; expected one of {', '.join(WEEKDAYS)}")
            intervals = parse_intervals(str(key), text)
            if intervals:
                weekly[WEEKDAYS.index(day)] = intervals
        return cls(weekly, parse_exceptions(exceptions or {}), open_on_holidays)

    def with_exceptions(self, more: Mapping[date, tuple[Interval, ...]]) -> OpeningHours:
        """These hours with ``more`` exception days under this station's own (its own win on the same date)."""
        return OpeningHours(self.weekly, {**more, **self.exceptions}, self.open_on_holidays, self.holiday)

    def closed_day(self, day: date) -> ClosedDay | None:
        """Why ``day`` is closed all day beyond its weekday: a holiday the station keeps (its Finnish name; on a
        Sunday holiday too, so the wall says "Suljettu — pääsiäispäivä") or a closed exception day. None when
        it is open that day or simply has no hours on that weekday."""
        if day in self.exceptions:
            return None if self.exceptions[day] else ClosedDay("exception")
        name = None if self.open_on_holidays else self.holiday(day)
        return ClosedDay("holiday", name) if name else None

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The local day's open intervals, exceptions and holidays applied (empty: closed all day)."""
        if day in self.exceptions:
            return self.exceptions[day]
        if not self.open_on_holidays and self.holiday(day):
            return ()
        return self.weekly.get(day.weekday(), ())

    def span_on(self, day: date) -> Interval | None:
        """First opening to last closing of ``day`` in local minutes (None: closed all day). A lunch break
        lies inside the span: the day's projection and sparklines run across it."""
        intervals = self.intervals_on(day)
        return (intervals[0][0], intervals[-1][1]) if intervals else None

    def is_open(self, ts: datetime) -> bool:
        loc = local(ts, HELSINKI)
        minute = loc.hour * 60 + loc.minute + loc.second / 60
        return any(start <= minute < end for start, end in self.intervals_on(loc.date()))

    def next_opening(self, ts: datetime) -> datetime | None:
        """The next instant (UTC) the station opens after ``ts``, not counting an opening that only continues
        yesterday's 24:00 (a 24/7 unit is simply open); None if not open in the next LOOKAHEAD_DAYS days."""
        today = local(ts, HELSINKI).date()
        for offset in range(LOOKAHEAD_DAYS):
            day = today + timedelta(days=offset)
            before = self.intervals_on(day - timedelta(days=1))
            for start, _end in self.intervals_on(day):
                if start == 0 and before and before[-1][1] == DAY_MINUTES:
                    continue  # open across midnight: not an opening
                opens = instant(day, start)
                if opens > ts:
                    return opens
        return None

    def comparable(self, day: date, other: date) -> bool:
        """Do ``day`` and ``other`` have the same hours (so one's usual day can stand for the other's)?"""
        return bool(self.intervals_on(other)) and self.intervals_on(other) == self.intervals_on(day)


def instant(day: date, minute: int) -> datetime:
    """The UTC instant of local minute ``minute`` (0-1440) of ``day``; 1440 is the next local midnight."""
    if minute >= DAY_MINUTES:
        return day_start(day + timedelta(days=1))
    return at_local(day, time(minute // 60, minute % 60))


def clock(minute: int) -> str:
    """``08:00``; 1440 is ``24:00``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_intervals(where: str, text: object) -> tuple[Interval, ...]:
    """``"08:00-12:00, 13:00-16:00"`` -> ((480, 720), (780, 960)); ``closed`` -> (). Sorted, not overlapping."""
    raw = str(text).strip().lower()
    if raw in CLOSED_WORDS:
        return ()
    intervals: list[Interval] = []
    for part in re.split(r"[,;]", raw):
        pieces = [p.strip() for p in part.replace("–", "-").split("-")]
        if len(pieces) != 2 or not all(_CLOCK.match(p) for p in pieces):
            raise ValueError(f"{where}: {part.strip()!r} is not of the form HH:MM-HH:MM "
                             "(several intervals separated by commas, or 'closed')")
        start, end = (_minute(where, p) for p in pieces)
        if end <= start:
            raise ValueError(f"{where}: closing time {pieces[1]} must be after opening time {pieces[0]} "
                             "(an interval cannot run past midnight; use 00:00-24:00 for round the clock)")
        intervals.append((start, end))
    intervals.sort()
    for (s1, e1), (s2, e2) in pairwise(intervals):
        if s2 < e1:
            raise ValueError(f"{where}: intervals {clock(s1)}-{clock(e1)} and {clock(s2)}-{clock(e2)} overlap")
    return tuple(intervals)


def _minute(where: str, text: str) -> int:
    """``8``, ``8:00``, ``08.30`` or ``24:00`` -> minutes from midnight."""
    m = _CLOCK.match(text)
    if not m:
        raise ValueError(f"{where}: {text!r} is not a time of the form HH:MM "
                         "(several intervals separated by commas, or 'closed')")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ValueError(f"{where}: {text!r} is not a time of day (00:00-24:00)")
    return hour * 60 + minute


def parse_date(key: date | str) -> date:
    """An exception day's date: ``2026-12-24`` (YAML reads it as a date) or Finnish ``24.12.2026``."""
    if isinstance(key, date) and not isinstance(key, datetime):
        return key
    text = str(key).strip()
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"exception day {text!r} is not a date (2026-12-24 or 24.12.2026)") from None


def parse_exceptions(spec: Mapping[date | str, str]) -> dict[date, tuple[Interval, ...]]:
    """``{"2026-12-24": "closed", "2026-03-12": "08:00-12:00"}`` -> date -> intervals."""
    out: dict[date, tuple[Interval, ...]] = {}
    for key, text in spec.items():
        day = parse_date(key)
        if day in out:
            raise ValueError(f"exception day {day.isoformat()} is given twice")
        out[day] = parse_intervals(day.isoformat(), text)
    return out
