"""Finnish (and Swedish/English) number, date and time formats.

Finnish conventions: ``22.11.2026``, ``klo 10.42``, decimal comma, a narrow
no-break space as thousands separator, ``97 %`` with a space, ISO weeks
``vko 47``. Everything is shown in Europe/Helsinki time.
"""

from __future__ import annotations

from datetime import datetime

from board.domain.timeutil import local

NBSP = "\u00a0"
THIN_NBSP = "\u202f"

_WEEKDAYS = {
    "fi": ["ma", "ti", "ke", "to", "pe", "la", "su"],
    "sv": ["mån", "tis", "ons", "tor", "fre", "lör", "sön"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}


def fmt_int(value: float | None) -> str:
    if value is None:
        return "–"
    n = round(value)
    text = f"{abs(n):,}".replace(",", THIN_NBSP)
    return f"−{text}" if n < 0 else text


def fmt_decimal(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{abs(value):,.{digits}f}".replace(",", "\x00").replace(".", ",").replace("\x00", THIN_NBSP)
    return f"−{text}" if value < 0 and round(value, digits) != 0 else text


def fmt_percent(share: float | None) -> str:
    """A 0..1 share as a whole percent: ``97 %``."""
    if share is None:
        return "–"
    return f"{round(share * 100)}{NBSP}%"


def fmt_signed_int(value: float | None) -> str:
    """NPS and differences: ``+42`` / ``−8`` with a real minus sign."""
    if value is None:
        return "–"
    n = round(value)
    return f"+{n}" if n > 0 else (f"−{-n}" if n < 0 else "0")


#: The word for a whole day of waiting (Finnish "vrk" = vuorokausi, Swedish "dygn").
_DAY_UNIT = {"fi": "vrk", "sv": "dygn", "en": "d"}


def fmt_minutes(minutes: float | None, lang: str = "fi") -> str:
    """A waiting time: ``45 min``, ``2 h 10 min``, ``1 vrk 3 h`` (``1 dygn 3 h``, ``1 d 3 h``)."""
    if minutes is None:
        return "–"
    m = max(0, round(minutes))
    if m < 60:
        return f"{m}{NBSP}min"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}{NBSP}h" + (f" {m}{NBSP}min" if m and h < 10 else "")
    d, h = divmod(h, 24)
    return f"{d}{NBSP}{_DAY_UNIT.get(lang, 'vrk')}" + (f" {h}{NBSP}h" if h else "")


def fmt_hours(hours: float | None, lang: str = "fi") -> str:
    return "–" if hours is None else fmt_minutes(hours * 60, lang)


def fmt_time(ts: datetime, lang: str = "fi") -> str:
    """``klo 10.42`` (fi), ``kl. 10.42`` (sv), ``10:42`` (en)."""
    loc = local(ts)
    if lang == "en":
        return f"{loc:%H:%M}"
    prefix = "kl." if lang == "sv" else "klo"
    return f"{prefix} {loc.hour}.{loc.minute:02d}"


def fmt_clock(ts: datetime, lang: str = "fi") -> str:
    """The bare clock for a wall header: ``10.42`` (``10:42`` in English)."""
    loc = local(ts)
    return f"{loc:%H:%M}" if lang == "en" else f"{loc.hour}.{loc.minute:02d}"


def fmt_date(ts: datetime, lang: str = "fi", weekday: bool = False) -> str:
    """``22.11.2026`` (``su 22.11.2026`` with weekday); English uses ISO dates."""
    loc = local(ts)
    text = loc.strftime("%Y-%m-%d") if lang == "en" else f"{loc.day}.{loc.month}.{loc.year}"
    return f"{_WEEKDAYS.get(lang, _WEEKDAYS['fi'])[loc.weekday()]} {text}" if weekday else text


def fmt_week(ts: datetime, lang: str = "fi") -> str:
    year, week, _ = local(ts).isocalendar()
    word = {"fi": "vko", "sv": "v.", "en": "week"}.get(lang, "vko")
    return f"{word} {week} / {year}"


#: Waiting times, written in the reader's language.
_DURATIONS = {
    "queue_oldest_wait_min": fmt_minutes,
    "omasote_oldest_unanswered_h": fmt_hours,
    "feedback_oldest_reaction_h": fmt_hours,
}

#: How each other figure is written; everything not listed is a count.
_FIGURE_FORMAT = {
    "queue_same_day_share": fmt_percent,
    "contacts_remote_share": fmt_percent,
    "feedback_nps": fmt_signed_int,
}


def format_figure(code: str, value: float | None, lang: str = "fi") -> str:
    """A figure as users read it: ``1 h 12 min``, ``97 %``, ``+42``, ``1 204``."""
    if code in _DURATIONS:
        return _DURATIONS[code](value, lang)
    return _FIGURE_FORMAT.get(code, fmt_int)(value)
