"""The weekly view's glue: the URL's choices checked, cached reports, and the tables as the page shows them.

A week is history: its numbers change only while the week is running, so a
report is cached for a minute and shared by every session (the steering
group opening the same link costs one query per station per minute). For the
current week, now (to the minute) is an argument of the cached report (an
unfinished week is compared with the previous week up to the same moment), so
its key changes at most once a minute; a finished week's key never changes.
Page views are counted per day, so the usage is keyed by today's date only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from html import escape

import pandas as pd
import streamlit as st

from board import formatting as fmt
from board.domain.figures import WALL_FAMILIES, WEEK, WEEK_FAMILIES, Family
from board.domain.holidays import holiday_name
from board.domain.timeutil import day_start, local_date
from board.export import compared_span, station_name, week_rows
from board.i18n import TEXTS, t
from board.read.tracked import tracked_by_station
from board.read.week import FIGURES, IsoWeek, StationWeek, Usage, WeekReport, default_week, week_report, week_usage
from board.settings import Settings
from board.web.streamlit_support import get_settings, get_store, shared_report

REPORT_TTL_SECONDS = 60

#: The week table on the page, one tab per tile family (the catalogue's week figures of that family).
FAMILY_FIGURES: dict[str, list[str]] = {
    family.value: [name for name, f in WEEK.items() if f.family is family] for family in WEEK_FAMILIES}
#: The figures whose change from the previous week gets a column of its own (the parts of a total do not).
CHANGES_SHOWN = tuple(name for name, f in WEEK.items() if f.week_change)
#: Above this many stations a chart of one bar or row per station is not read (50 px a bar: 1 500 px), nor a
#: daily table of ten rows per station: the charts show areas (or the highest queue peaks), the daily table
#: the stations together, and each station's days are in the downloads.
CHART_STATIONS = 30
#: How many stations the queue peaks' heatmap shows above :data:`CHART_STATIONS`.
PEAK_ROWS = 15


# ------------------------------------------------------------------ the URL
@dataclass
class Selection:
    """What the URL asked for, made valid; ``notes`` say in words what was ignored."""

    week: IsoWeek
    stations: list[str]  # empty: every station
    notes: list[str] = field(default_factory=list)


def holiday_notes(week: IsoWeek, lang: str = "fi") -> list[str]:
    """The public holidays of the week and of the week it is compared with (stations are closed on them,
    board/domain/hours.py): "Pyhäpäivät: ti 6.1. loppiainen (vko 2) — asemat kiinni, viikot eivät ole
    samanlaiset." Empty when neither week has one."""
    days = [d for w in (week, week.previous()) for d in w.days if holiday_name(d)]
    if not days:
        return []
    listed = ", ".join(f"{fmt.fmt_weekday(day_start(d) + timedelta(hours=12), lang)} {d.day}.{d.month}. "
                       f"{t('holiday.' + (holiday_name(d) or ''), lang)}" for d in sorted(days))
    return [t("week.holidays", lang, days=listed)]


def read_selection(settings: Settings, week_param: str | None, station_params: list[str], now: datetime,
                   lang: str = "fi") -> Selection:
    """``?week=2026-W47&station=kajaani&station=paltamo`` -> a valid Selection; never raises.

    A malformed or future week falls back to the last full week, an unknown station is dropped; both with
    a note on the page, so a wrong bookmark is noticed instead of silently showing something else.
    """
    default = default_week(now)
    week, notes = default, []
    if week_param:
        try:
            week = IsoWeek.parse(week_param)
            if week.monday > IsoWeek.of(local_date(now)).monday:
                raise ValueError("future")
        except ValueError:
            week = default
            notes.append(t("week.bad_week", lang, value=week_param, week=fmt.fmt_week_label(default, lang)))
    stations: list[str] = []
    for code in (c.strip().lower() for c in station_params):  # ?station=KAJAANI is kajaani
        if code in settings.station_by_code:
            if code not in stations:
                stations.append(code)
        else:
            notes.append(t("week.bad_station", lang, code=code))
    return Selection(week, stations, notes)


# ---------------------------------------------------------------- cached data
@shared_report(REPORT_TTL_SECONDS)
def report(week_key: str, stations: tuple[str, ...], as_of: datetime | None = None) -> WeekReport:
    """The week's report; ``as_of`` is now truncated to the minute for the current week (None for a finished
    one), passed in so that the cache key changes at most once a minute (:func:`as_of`)."""
    settings = get_settings()
    week = IsoWeek.parse(week_key)
    return week_report(settings, get_store(settings.database_url), week.year, week.week,
                              list(stations) or None, as_of)


@st.cache_data(ttl=REPORT_TTL_SECONDS, show_spinner=False)
def usage(week_key: str, stations: tuple[str, ...], through: date | None = None) -> Usage:
    """The week's page views; ``through`` is today for the current week (page views are counted per day, so
    they are compared by whole days), None for a finished one."""
    settings = get_settings()
    return week_usage(get_store(settings.database_url), IsoWeek.parse(week_key), list(stations) or None,
                             through)


def as_of(week: IsoWeek, now: datetime) -> datetime | None:
    """The report's ``as_of`` for ``week`` seen at ``now``: now to the minute in the current week, else None
    (a finished week's report does not depend on the time, so its cache key stays the same)."""
    return now.replace(second=0, microsecond=0) if IsoWeek.of(local_date(now)) == week else None


def delta_text(change: str, compared: list[date], lang: str = "fi", until: datetime | None = None) -> str:
    """The delta under a tile: ``+56 ed. viikkoon``, or for an unfinished week ``+56 vs. ed. viikon ma–ti klo
    8.14``.

    ``compared``: the previous week's days the change is measured against, the last of them up to ``until``
    (None: whole days, as page views are counted). Part of a week is named, so that nobody reads Tuesday
    morning's change as two days against a whole week."""
    if len(compared) < 7 or until is not None:
        return t("week.delta_days", lang, value=change, days=fmt.fmt_days_span(compared, lang, until))
    return t("week.delta", lang, value=change)


def report_delta(report: WeekReport, change: str, lang: str = "fi") -> str:
    """:func:`delta_text` for a figure of ``report``: up to the same moment for an unfinished week."""
    return delta_text(change, report.compared_days, lang, report.compared_until)


def change_header(report: WeekReport, figure: str, lang: str = "fi") -> str:
    """A change column's header: ``Yhteydenotot: muutos``, ``… muutos vs. ed. viikon ma–ti klo 8.14`` for part
    of a week."""
    name = t(f"week.fig.{figure}", lang)
    if report.partial:
        return t("week.change_of_days", lang, figure=name, days=compared_span(report, lang))
    return t("week.change_of", lang, figure=name)


def delta_style(change: float | None, better: int) -> tuple[str, str]:
    """Arrow and colour of a change for ``st.metric``: the arrow says which way, the colour whether that is good.

    Streamlit guesses the direction from a leading ASCII "-", which the Finnish minus sign (U+2212) is not,
    so both are set here. Volumes (``better`` 0) stay grey: more contacts is neither good nor bad.
    """
    if change is None or round(change, 6) == 0:
        return "off", "gray"
    arrow = "up" if change > 0 else "down"
    if better == 0:
        return arrow, "gray"
    return arrow, "green" if (change > 0) == (better > 0) else "red"


def figure_header(report: WeekReport, figure: str, lang: str, kpi: bool = False) -> str:
    """The short label of a figure, with its target when one is configured: ``Etäasiointi (tavoite 45 %)``.

    ``kpi``: the label of a key-figure card, which stands alone and so may need more words."""
    key = f"week.kpi.{figure}" if kpi and f"week.kpi.{figure}" in TEXTS else f"week.fig.{figure}"
    label = t(key, lang)
    target = report.target(figure)
    if target is None:
        return label
    return f"{label} ({t('week.target', lang, value=fmt.format_figure(figure, target, lang))})"


# ------------------------------------------------------------------- tables
def family_table(report: WeekReport, family: str, lang: str = "fi") -> pd.DataFrame:
    """One row per station (and the selected stations together): the week's figures and their changes."""
    # The headers once per table, not per row: an unfinished week's change header names the compared days
    # ("… muutos vs. ed. viikon ma–ti klo 8.14"), ~0.2 ms each, 10 800 times for 901 rows (docs/PERFORMANCE.md, 7b).
    columns = [(figure, figure_header(report, figure, lang),
                change_header(report, figure, lang) if figure in CHANGES_SHOWN else None)
               for figure in FAMILY_FIGURES[family]]
    # Built a column at a time: pandas reads 901 rows' dicts key by key (docs/PERFORMANCE.md, 7b, session 13).
    entries = report.rows
    if not entries:
        return pd.DataFrame([])
    data = {t("week.col.station", lang): [station_name(entry, lang) for entry in entries]}
    for figure, header, changed in columns:
        data[header] = [fmt.format_figure(figure, entry.week[figure], lang) for entry in entries]
        if changed is not None:
            data[changed] = [fmt.format_change(figure, entry.change(figure), lang) for entry in entries]
    return pd.DataFrame(data)


def many(report: WeekReport) -> bool:
    """Whether the report has more stations than a chart or the daily table shows one by one."""
    return len(report.stations) > CHART_STATIONS


def chart_rows(report: WeekReport) -> list[StationWeek] | None:
    """The bars of the by-station charts: the areas and all together when there are too many stations and they
    are of several areas; None: the report's own rows (each station, and all together)."""
    return [*report.areas, report.total] if many(report) and report.areas else None


def daily_table(report: WeekReport, lang: str = "fi") -> pd.DataFrame:
    """The export's rows (each day, the week, the previous week, the change), written the Finnish way; above
    :data:`CHART_STATIONS` stations only the stations together (:func:`many`; the downloads have every row)."""
    if many(report):
        report = replace(report, stations=[report.total])
    rows = []
    for r in week_rows(report, lang):
        row = {t("week.col.station", lang): r.station,
               t("week.col.period", lang): r.period,
               t("week.col.date", lang): fmt.fmt_noon(r.day, lang) if r.day else ""}
        for figure in FIGURES:
            value = r.values.get(figure)
            # (the values in Finnish units whatever the language, as before; the change in the page's)
            row[t(f"week.fig.{figure}", lang)] = (fmt.format_change(figure, value, lang) if r.is_change
                                                  else fmt.format_figure(figure, value))
        rows.append(row)
    return pd.DataFrame(rows)


def usage_table(usage: Usage, settings: Settings, lang: str = "fi") -> pd.DataFrame:
    """Views per page and station, a column per day and the week's total."""
    days = usage.week.days
    rows = []
    for r in usage.rows:
        page = t(f"page.{r.page}", lang) if f"page.{r.page}" in TEXTS else r.page
        station = settings.station_by_code[r.station].name if r.station in settings.station_by_code else (
            r.station or "–")
        row = {t("week.usage.page", lang): page, t("week.col.station", lang): station}
        for d in days:
            row[f"{fmt.fmt_day(d, lang)} {d.day}.{d.month}."] = fmt.fmt_int(r.by_day.get(d, 0))
        row[t("week.usage.total", lang)] = fmt.fmt_int(r.total)
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------- the page
def scope(report: WeekReport) -> StationWeek:
    """What the key figures and the day charts show: the selected stations together, or the one station."""
    return report.total if len(report.stations) > 1 else report.stations[0]


def has_data(report: WeekReport) -> bool:
    """Whether any selected station has a day of this week or a figure of the previous one."""
    return any(r.days_with_data for r in report.stations) or any(
        v is not None for r in report.stations for v in r.previous.values())


def print_hint(lang: str) -> str:
    """How to print, on screen only (``no-print``)."""
    return f'<p class="no-print">{escape(t("week.print_hint", lang))}</p>'


def shown_families(settings: Settings, report: WeekReport) -> frozenset[Family]:
    """The tile families some selected station of ``report`` tracks (board/read/tracked.py), and those it has
    figures of in the week: the weekly view draws these families' key figures, charts and tables only. A family
    no station tracks and without figures would be an empty chart, which reads as a fault; the page names such
    families in one line instead."""
    tracked = tracked_by_station(settings, [r.code for r in report.stations])
    if not tracked:
        return frozenset(WALL_FAMILIES)
    shown = frozenset().union(*tracked.values())
    # A family with figures in the week stays, tracked now or not: a source removed or disabled since (or
    # switched off for maintenance) must not hide the weeks it delivered; only an empty family is left out.
    had = {f for f in WALL_FAMILIES if f not in shown
           and any(r.days_with_data_of(frozenset({f})) for r in report.stations)}
    return shown | had


def family_names(families: Iterable[Family], lang: str) -> str:
    """The families' names as the weekly view's tabs call them, in the order given."""
    return ", ".join(t(f"week.family.{f.value}", lang) for f in families)
