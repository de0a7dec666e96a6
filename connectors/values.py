"""Shares and durations as Finnish exports write them.

A reporting system states a share as ``83,6``, ``83,6 %`` or ``0,836``, and
an age or a wait as seconds, minutes or hours (``90``), as a clock
(``1:15``) or in words (``1 h 15 min``, ``2 vrk 3 h``). These parsers turn
them into the unit the figure catalogue stores (a share 0..1; minutes, hours
or days), so the range check after them judges the real value.

ValueError with an administrator's reason otherwise; the parsers never
decide what a problem costs (the caller refuses the row).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from connectors import mapping as _mapping  # the number and quoting rules (a module: mapping imports this one)

#: Seconds in each duration unit the board stores or a source may write.
SECONDS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
#: Words sources write for each unit (Finnish, Swedish, English), compared in lower case.
_UNIT_WORDS = {
    "s": ("s", "sek", "sekuntia", "sekunti", "sekunnit", "sec", "seconds", "second", "sekunder"),
    "min": ("min", "mins", "minuuttia", "minuutti", "minuutit", "minuter", "minutes", "minute", "m"),
    "h": ("h", "t", "tuntia", "tunti", "tunnit", "tim", "timmar", "timme", "hours", "hour", "hrs", "hr"),
    "d": ("d", "vrk", "pv", "pvä", "päivää", "päivä", "päivät", "dygn", "dagar", "dag", "days", "day"),
}
_WORD_UNIT = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-zåäö]+)\.?", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")
#: A duration cell formatted ``h:mm`` that holds more than a day comes from openpyxl as a date-time counted from
#: Excel's day zero; one before :data:`_EXCEL_DURATIONS_END` (90 days, the longest age a figure holds, and more)
#: is such a duration. openpyxl counts serials below 60 from 31.12.1899 (Excel's day 1 is 1.1.1900, and its
#: 29.2.1900 never was), later ones from 30.12.1899; the serials 59 and 60 both come as 28.2.1900, read as 59.
_EXCEL_DAY_ONE_BEFORE = datetime(1899, 12, 31)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_LEAP_BUG_END = datetime(1900, 3, 1)
_EXCEL_DURATIONS_END = datetime(1900, 4, 1)


def parse_share(value: Any, scale: str = "auto") -> float:
    """A share 0..1 from ``83,6 %``, ``83,6`` or ``0,836``.

    ``scale``: ``percent`` (every number is a percent), ``share`` (every
    number is a share 0..1), or ``auto``: a ``%`` sign means percent, a number
    above 1 is a percent and one of 1 or less a share (so ``0,5`` is half;
    a source that writes percents below 1 % must say ``percent``).
    """
    text = value.strip() if isinstance(value, str) else None
    if text is not None and text.endswith("%"):
        number = _mapping.parse_number(text[:-1])
        return number / 100
    number = _mapping.parse_number(value)
    if scale == "percent" or (scale == "auto" and abs(number) > 1):
        return number / 100
    return number


def parse_duration(value: Any, target: str, plain: str | None = None) -> float:
    """A duration in ``target`` units (``min``, ``h``, ``d``).

    A bare number is in ``plain`` units (the source's, from ``mapping.units``;
    the target's when not set). ``1:15`` is hours and minutes (``1:15:30``
    with seconds); words name their units: ``1 h 15 min``, ``2 vrk 3 h``,
    ``45 min``, ``1,5 h``, ``90 s``.
    """
    plain = plain or target
    excel = _excel_duration(value)
    if excel is not None:
        return excel.total_seconds() / SECONDS[target]
    try:
        return _mapping.parse_number(value) * SECONDS[plain] / SECONDS[target]
    except ValueError:
        if not isinstance(value, str):
            raise
    text = value.strip().lower()
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = (int(g) if g else 0 for g in clock.groups())
        return (hours * 3600 + minutes * 60 + seconds) / SECONDS[target]
    total = 0.0
    position = 0
    for part in _PART.finditer(text):
        if text[position:part.start()].strip(" ,") or part.group(2) not in _WORD_UNIT:
            break
        total += float(part.group(1).replace(",", ".")) * SECONDS[_WORD_UNIT[part.group(2)]]
        position = part.end()
    else:
        if position and not text[position:].strip():
            return total / SECONDS[target]
    raise ValueError(f"{_mapping.quote(value)} is not a duration (expected e.g. 90, 1:15, 1 h 15 min or 2 vrk 3 h)")


def _excel_duration(value: Any) -> timedelta | None:
    """A duration from an Excel time cell, as openpyxl hands it: ``h:mm`` under a day is a ``time`` (1:15),
    ``[h]:mm`` a ``timedelta`` (30:30), and ``h:mm`` over a day a date-time from Excel's day zero. None otherwise."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None or not _EXCEL_EPOCH <= value < _EXCEL_DURATIONS_END:
            return None
        return value - (_EXCEL_DAY_ONE_BEFORE if value < _EXCEL_LEAP_BUG_END else _EXCEL_EPOCH)
    if isinstance(value, time):
        return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    return None
