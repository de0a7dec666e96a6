"""ISO weeks in Helsinki time, and which part of the previous week a running week is compared with.

A week is Monday to Sunday in Europe/Helsinki (167 or 169 hours around a DST
change). While a week is still running, it is compared with the previous week
**up to the same moment**: Monday to the same weekday, that weekday up to the
same Helsinki wall-clock time (:func:`compared_until`). Pure functions of
dates and instants: the weekly view (:mod:`board.read.week`) and its labels
use them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import NamedTuple

from board.domain.timeutil import at_local, day_start, local


class IsoWeek(NamedTuple):
    """An ISO 8601 week: Monday to Sunday, numbered 1..52/53 within its ISO year."""

    year: int
    week: int

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W47`` (as in the URL) -> IsoWeek; ValueError for anything else, e.g. week 53 of 2026."""
        m = re.fullmatch(r"(\d{4})-W(\d{1,2})", text.strip())
        if not m:
            raise ValueError(f"not an ISO week like 2026-W47: {text!r}")
        week = cls(int(m[1]), int(m[2]))
        week.monday  # noqa: B018 - raises ValueError for a week the year does not have
        return week

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def days(self) -> list[date]:
        monday = self.monday  # once, not per day: the weekly view asks ~1 800 times at 900 stations
        return [monday + timedelta(days=i) for i in range(7)]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def bounds(self) -> tuple[datetime, datetime]:
        """Half-open UTC interval from Monday's local midnight to the next Monday's (DST-correct)."""
        return day_start(self.monday), day_start(self.monday + timedelta(days=7))

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))


def compared_days(week: IsoWeek, through: date | None = None) -> list[date]:
    """The days of the previous week that ``week`` is compared with.

    ``through`` (today) inside ``week``: Monday to the same weekday, since this week so far covers only
    those days. Otherwise (a finished week, or no ``through``): the whole previous week.
    """
    days = week.previous().days
    return days[:(through - week.monday).days + 1] if through in week.days else days


def compared_until(week: IsoWeek, as_of: datetime | None = None) -> datetime | None:
    """The instant of the previous week that ``week`` is compared up to: ``as_of``'s weekday and Helsinki
    wall-clock time (to the minute) seven days earlier, or None when ``as_of`` is not in ``week``.

    Built from the local date and clock, not ``as_of - 7 days`` in UTC, so that after a DST change 08.14 is
    still compared with 08.14. (A clock time the previous week skipped, 03.xx on the last Sunday of March,
    is read as the hour before the change; a repeated one, in October, as its first occurrence.)
    """
    if as_of is None:
        return None
    now = local(as_of)
    if IsoWeek.of(now.date()) != week:
        return None
    return at_local(now.date() - timedelta(days=7), now.time().replace(second=0, microsecond=0))

