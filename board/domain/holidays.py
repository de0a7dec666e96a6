"""Finnish public holidays: the days a station is closed (board/domain/hours.py) and left out of history.

Why it exists: the end-of-day projection learns a station's usual day from
the same weekday in recent weeks. A public holiday is not a usual day (the
station is closed or quiet, and the next working day is busier), so it is
left out of that history, and no projection is made on one.

Why not the ``holidays`` package: its current releases (0.108) require
``python-dateutil>=2.9.0.post0,<3`` and the board's lock pins 4.0.0 (pip's
resolver: ResolutionImpossible). pandas does not need 4.0.0 (it asks
``>=2.9.0``), so it could be taken in by downgrading dateutil and adding
``six``; for fifteen dates a year that is not worth a shared dependency's
downgrade (README "Opening hours").
The rules below are the Finnish ones (Act on the Church calendar and the
public holidays of the Employment Contracts Act), including the de facto
days off that employers and health stations keep: Midsummer Eve and
Christmas Eve. The same dates as ``holidays.country_holidays("FI")`` (0.108) for every
year 2000-2060 (compared once, in a separate venv); tests/test_holidays.py
checks years against the official calendar.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _weekday_between(first: date, weekday: int) -> date:
    """The first ``weekday`` (0 = Monday) on or after ``first``."""
    return first + timedelta(days=(weekday - first.weekday()) % 7)


@lru_cache(maxsize=64)
def finnish_holidays(year: int) -> dict[date, str]:
    """Public holidays (and the de facto Midsummer and Christmas Eves) of ``year``: date -> Finnish name."""
    easter = easter_sunday(year)
    midsummer_eve = _weekday_between(date(year, 6, 19), 4)  # the Friday of 19-25 June
    days = {
        date(year, 1, 1): "uudenvuodenpäivä",
        date(year, 1, 6): "loppiainen",
        easter - timedelta(days=2): "pitkäperjantai",
        easter: "pääsiäispäivä",
        easter + timedelta(days=1): "2. pääsiäispäivä",
        date(year, 5, 1): "vappu",
        easter + timedelta(days=39): "helatorstai",
        easter + timedelta(days=49): "helluntaipäivä",
        midsummer_eve: "juhannusaatto",
        midsummer_eve + timedelta(days=1): "juhannuspäivä",
        _weekday_between(date(year, 10, 31), 5): "pyhäinpäivä",  # the Saturday of 31 Oct - 6 Nov
        date(year, 12, 6): "itsenäisyyspäivä",
        date(year, 12, 24): "jouluaatto",
        date(year, 12, 25): "joulupäivä",
        date(year, 12, 26): "tapaninpäivä",
    }
    return dict(sorted(days.items()))


def holiday_name(day: date) -> str | None:
    """The holiday's Finnish name if ``day`` is one, else None."""
    return finnish_holidays(day.year).get(day)


def is_holiday(day: date) -> bool:
    return day in finnish_holidays(day.year)
