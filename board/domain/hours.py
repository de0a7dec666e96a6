"""Opening hours: outside them a station is "closed", never "red".

Hours are given per weekday as local Helsinki times, e.g. ``08:00-16:00``;
a missing day or ``closed`` means closed all day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from board.domain.timeutil import HELSINKI, at_local, local

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningHours:
    """Open intervals per weekday (0 = Monday) as half-open [start, end)."""

    intervals: dict[int, tuple[time, time]] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: dict[str, str]) -> OpeningHours:
        """Parse ``{"mon": "08:00-16:00", "sat": "closed"}``; raise ValueError naming the bad part."""
        intervals: dict[int, tuple[time, time]] = {}
        for key, text in spec.items():
            day = key.strip().lower()
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {key!r}; expected one of {', '.join(WEEKDAYS)}")
            text = str(text).strip().lower()
            if text in ("closed", "suljettu", ""):
                continue
            try:
                start_s, end_s = (p.strip() for p in text.replace(".", ":").split("-"))
                start, end = time.fromisoformat(_pad(start_s)), time.fromisoformat(_pad(end_s))
            except ValueError:
                raise ValueError(f"{key}: {text!r} is not of the form HH:MM-HH:MM or 'closed'") from None
            if end <= start:
                raise ValueError(f"{key}: closing time {end_s} must be after opening time {start_s}")
            intervals[WEEKDAYS.index(day)] = (start, end)
        return cls(intervals)

    def is_open(self, ts: datetime) -> bool:
        loc = local(ts, HELSINKI)
        interval = self.intervals.get(loc.weekday())
        if interval is None:
            return False
        start, end = interval
        return start <= loc.time().replace(tzinfo=None) < end

    def next_opening(self, ts: datetime) -> datetime | None:
        """The next instant (UTC) the station opens after ``ts``; None if never open."""
        today = local(ts, HELSINKI).date()
        for offset in range(8):
            day = today + timedelta(days=offset)
            interval = self.intervals.get(day.weekday())
            if interval is not None:
                opens = at_local(day, interval[0])
                if opens > ts:
                    return opens
        return None

    def hours_on(self, weekday: int) -> tuple[time, time] | None:
        return self.intervals.get(weekday)


def _pad(text: str) -> str:
    """Accept '8:00' and '8' as well as '08:00'."""
    if ":" not in text:
        text = f"{text}:00"
    hh, mm = text.split(":", 1)
    return f"{int(hh):02d}:{mm}"
