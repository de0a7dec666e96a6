"""Finnish (and Swedish/English) number, date and time formats: the one place that writes a value as text.

Finnish conventions: ``22.11.2026``, ``klo 10.42``, decimal comma, a narrow
no-break space as thousands separator, ``97 %`` with a space, ISO weeks
``vko 47``. Everything is shown in Europe/Helsinki time. A figure is written
by its unit in the figure catalogue (:func:`format_figure`), on the wall, in
the overview, on the weekly view and in the CLI alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from board.domain.access_to_care import CareRule, Limit
from board.domain.figures import Unit, unit_of
from board.domain.hours import ClosedDay
from board.domain.timeutil import day_start, local, local_date
from board.domain.weeks import IsoWeek
from board.i18n import t

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
    """A waiting time: ``45 min``, ``2 h 10 min``, ``13 h``, ``1 vrk 3 h`` (``1 dygn 3 h``, ``1 d 3 h``).

    From 10 hours on the minutes are left out, so the hours are *rounded* (half up), never cut: 12.8 h is
    ``13 h`` and 10 h 54 min ``11 h`` (it said "12 h" and "10 h"); days and hours likewise (1 vrk 3 h 40 min
    is ``1 vrk 4 h``, 23 h 40 min ``1 vrk``).
    """
    if minutes is None:
        return "–"
    m = max(0, round(minutes))
    if m < 60:
        return f"{m}{NBSP}min"
    if m < 600:
        h, m = divmod(m, 60)
        return f"{h}{NBSP}h" + (f" {m}{NBSP}min" if m else "")
    hours = math.floor(m / 60 + 0.5)
    if hours < 24:
        return f"{hours}{NBSP}h"
    d, h = divmod(hours, 24)
    return f"{d}{NBSP}{_DAY_UNIT.get(lang, 'vrk')}" + (f" {h}{NBSP}h" if h else "")


def fmt_hours(hours: float | None, lang: str = "fi") -> str:
    return "–" if hours is None else fmt_minutes(hours * 60, lang)


def fmt_days(days: float | None, lang: str = "fi") -> str:
    """A wait in whole days, as T3 is reported: ``12 vrk`` (``12 dygn``, ``12 d``)."""
    return "–" if days is None else f"{fmt_int(days)}{NBSP}{_DAY_UNIT.get(lang, 'vrk')}"


def fmt_time(ts: datetime, lang: str = "fi") -> str:
    """``klo 10.42`` (fi), ``kl. 10.42`` (sv), ``10:42`` (en)."""
    loc = local(ts)
    if lang == "en":
        return f"{loc:%H:%M}"
    prefix = "kl." if lang == "sv" else "klo"
    return f"{prefix} {loc.hour}.{loc.minute:02d}"


def fmt_closing(ts: datetime, lang: str = "fi") -> str:
    """When a station closes, as a projection names it: ``klo 16.00``, or ``vuorokauden lopussa`` when it closes
    at midnight (open until the day ends, as every station with ``--always-open``): "klo 0.00" reads as the
    day's start, not its end."""
    loc = local(ts)
    if loc.hour == 0 and loc.minute == 0:
        return t("hours.day_end", lang)
    return fmt_time(ts, lang)


def fmt_clock(ts: datetime, lang: str = "fi") -> str:
    """The bare clock for a wall header: ``10.42`` (``10:42`` in English)."""
    loc = local(ts)
    return f"{loc:%H:%M}" if lang == "en" else f"{loc.hour}.{loc.minute:02d}"


def fmt_date(ts: datetime, lang: str = "fi", weekday: bool = False) -> str:
    """``22.11.2026`` (``su 22.11.2026`` with weekday); English uses ISO dates."""
    loc = local(ts)
    text = loc.strftime("%Y-%m-%d") if lang == "en" else f"{loc.day}.{loc.month}.{loc.year}"
    return f"{fmt_weekday(ts, lang)} {text}" if weekday else text


def fmt_week(ts: datetime, lang: str = "fi") -> str:
    year, week, _ = local(ts).isocalendar()
    word = {"fi": "vko", "sv": "v.", "en": "week"}.get(lang, "vko")
    return f"{word} {week} / {year}"


def fmt_weekday(ts: datetime, lang: str = "fi") -> str:
    """``ma`` / ``mån`` / ``Mon``: the weekday of an instant, as the rest of the board writes it."""
    return _WEEKDAYS.get(lang, _WEEKDAYS["fi"])[local(ts).weekday()]


def fmt_day(day: date, lang: str = "fi") -> str:
    """The weekday of a Helsinki date (``ma``)."""
    return fmt_weekday(day_start(day), lang)


def fmt_last(ts: datetime, now: datetime, lang: str = "fi") -> str:
    """When a value is from, said with its day unless it is from today: ``klo 15.00``, ``21.11. klo 15.00``
    (``21 Nov 15:00``), with the year when it is from another year. A stale tile that said only "klo 15.00"
    read as today's afternoon for a value ten days old."""
    loc, today = local(ts), local(now)
    if loc.date() == today.date():
        return fmt_time(ts, lang)
    if loc.year != today.year:
        return fmt_stamp(ts, lang)
    day = f"{loc.day} {loc:%b}" if lang == "en" else f"{loc.day}.{loc.month}."
    return f"{day} {fmt_time(ts, lang)}"


def fmt_stamp(ts: datetime, lang: str = "fi") -> str:
    """Date and time: ``22.11.2026 klo 10.42``."""
    return f"{fmt_date(ts, lang)} {fmt_time(ts, lang)}"


def fmt_opening(ts: datetime, lang: str = "fi") -> str:
    """When a closed station opens: ``ma klo 8.00``."""
    return f"{fmt_weekday(ts, lang)} {fmt_time(ts, lang)}"


def fmt_closed_day(day: ClosedDay | None, lang: str) -> str:
    """"Suljettu — loppiainen" on a holiday, "Suljettu tänään poikkeuksellisesti" on a closed exception day."""
    if day is None:
        return ""
    if day.kind == "holiday":
        return t("hours.closed_holiday", lang, holiday=t(f"holiday.{day.holiday}", lang))
    return t("hours.closed_exception", lang)


def fmt_when(ts: datetime, now: datetime, lang: str = "fi") -> str:
    """``klo 16.00`` today, ``ti 24.11.2026 klo 8.00`` another day."""
    if local_date(ts) == local_date(now):
        return fmt_time(ts, lang)
    return f"{fmt_date(ts, lang, weekday=True)} {fmt_time(ts, lang)}"


def fmt_age(now: datetime, then: datetime | None, lang: str = "fi") -> str:
    """How long ago, with plain spaces: ``2 h 10 min`` (``–`` for never)."""
    return "–" if then is None else fmt_minutes((now - then).total_seconds() / 60, lang).replace(NBSP, " ")


def fmt_seconds(n: int, lang: str = "fi") -> str:
    """An interval in seconds: ``45 s``, ``5 min``, ``1 h``."""
    return fmt_minutes(n / 60, lang).replace(NBSP, " ") if n >= 60 else f"{n} s"


def fmt_week_label(week: IsoWeek, lang: str = "fi", dates: bool = False) -> str:
    """``vko 47 / 2026``, with ``dates`` ``vko 47 / 2026 (16.11.2026–22.11.2026)``."""
    label = fmt_week(day_start(week.monday), lang)
    if dates:
        first, last = fmt_date(day_start(week.monday), lang), fmt_date(day_start(week.sunday), lang)
        label += f" ({first}–{last})"
    return label


def fmt_days_span(days: Sequence[date], lang: str = "fi", until: datetime | None = None) -> str:
    """``ma–ti`` (``ma`` for one day): some days of a week, in a label's few letters.

    ``until``: the last day only up to this instant, and the clock says so (``ma–ti klo 8.14``,
    ``mån–tis kl. 8.14``, ``Mon–Tue 08:14``): Tuesday morning is not a whole Tuesday."""
    first, last = fmt_day(days[0], lang), fmt_day(days[-1], lang)
    span = first if first == last else f"{first}–{last}"
    return span if until is None else f"{span} {fmt_time(until, lang)}"


def fmt_noon(day: date, lang: str = "fi") -> str:
    """A Helsinki date as ``18.11.2026`` (the date formatters take instants: noon is inside the day)."""
    return fmt_date(day_start(day) + timedelta(hours=12), lang)


# ------------------------------------------------------------------ figures
#: How each unit of the figure catalogue is written; waiting times in the reader's language.
_BY_UNIT: dict[str, Callable[[float | None, str], str]] = {
    "count": lambda v, _lang: fmt_int(v),
    "share": lambda v, _lang: fmt_percent(v),
    "score": lambda v, _lang: fmt_signed_int(v),
    "min": fmt_minutes,
    "h": fmt_hours,
    "d": fmt_days,
}


def format_value(unit: Unit, value: float | None, lang: str = "fi") -> str:
    """A value of ``unit`` as users read it: ``1 204``, ``97 %``, ``+42``, ``1 h 12 min``, ``1 vrk 3 h``."""
    return _BY_UNIT[unit](value, lang)


def format_figure(code: str, value: float | None, lang: str = "fi") -> str:
    """A figure (by its code, or its name on the weekly view) as users read it: ``1 h 12 min``, ``97 %``,
    ``+42``, ``1 204``."""
    return format_value(unit_of(code), value, lang)


#: The note beside a figure left unjudged on too small a sample (``Figure.few``), by figure: one table for the
#: wall and the overview, so "vähän hoidettuja" reads the same on both.
FEW_NOTE = {"feedback_nps": "wall.few_answers", "queue_same_day_share": "wall.few_handled",
            "contacts_remote_share": "wall.few_contacts"}


def fmt_few(code: str, lang: str = "fi") -> str:
    """What a figure left unjudged on too small a sample today says beside its value ("vähän hoidettuja"): a bare
    "0 %" from 2 handled callbacks would read as judged."""
    return t(FEW_NOTE.get(code, "wall.few"), lang)


def format_change(figure: str, value: float | None, lang: str = "fi") -> str:
    """A change from the previous week: ``+56``, ``−3 %-yks.`` (percentage points), ``+2,5 h``."""
    if value is None:
        return "–"
    unit = unit_of(figure)
    if unit == "share":
        return f"{fmt_signed_int(value * 100)}{NBSP}{t('week.pp', lang)}"
    if unit == "h":
        sign = "+" if round(value, 1) > 0 else ""
        return f"{sign}{fmt_decimal(value)}{NBSP}h"
    return fmt_signed_int(value)


def fmt_care_limit(limit: Limit, lang: str) -> str:
    """A care-guarantee limit: ``14 vrk``, ``3 kk``."""
    return t(f"access.limit.{limit.unit}", lang, n=limit.amount)


def fmt_care_rule(rule: CareRule, lang: str) -> str:
    """``alle 23 v 14 vrk, 23 v täyttäneet 3 kk``, or ``14 vrk kaikille`` when the groups share a limit.

    Here, not in the access views' HTML, because the weekly report's mail writes the same rule: a report must
    not depend on the web pages."""
    same = rule.same_limits()
    if same is not None:
        text = t("access.rule.all", lang, limit=fmt_care_limit(same, lang))
    else:
        text = ", ".join(t(f"access.group.{g}", lang) + " " + fmt_care_limit(limit, lang)
                         for g, limit in rule.limits.items())
    return f"{text} ({rule.basis})" if rule.basis else text
