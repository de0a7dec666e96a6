"""The monthly view's parts (``/month``): the month and stations from the URL, key figures against the month
before and the same month a year earlier, the table per station, access to care and employee feedback for
the month, the CSV/xlsx downloads, and a free date range for the exports.

``?month=2026-11&station=kajaani`` choose the month and stations (the widgets
keep the URL in step, so the address bar is a bookmark). The figures, targets
and rules are the weekly view's (:mod:`board.read.period`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from board import export_period
from board import formatting as fmt
from board.domain.chart_note import ChartNote
from board.domain.timeutil import day_start
from board.i18n import TEXTS, t
from board.read.access_to_care import AccessReport, access_report
from board.read.period import (
    ALL,
    PeriodReport,
    Span,
    StationPeriod,
    month_span,
    period_report,
    previous_month,
    range_before,
    year_earlier,
)
from board.read.week import BETTER, FIGURES
from board.settings import Settings
from board.web import chart_marks as marks
from board.web import month_charts
from board.web import week_support as ws
from board.web.streamlit_support import get_settings, get_store

KEY_FIGURES = ("contacts_total", "contacts_remote_share", "queue_same_day_share", "feedback_nps",
               "omasote_unanswered")
MONTHS_OFFERED = 24
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_month(text: str | None, today: date) -> tuple[int, int] | None:
    """``2026-11`` -> (2026, 11); None for anything else or a month after this one."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip())
    if not m or not 1 <= int(m[2]) <= 12:
        return None
    month = (int(m[1]), int(m[2]))
    return month if month <= (today.year, today.month) else None


def recent_months(today: date, count: int = MONTHS_OFFERED) -> list[tuple[int, int]]:
    out, year, month = [], today.year, today.month
    for _ in range(count):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def default_month(today: date) -> tuple[int, int]:
    """The last full month."""
    before = today.replace(day=1) - timedelta(days=1)
    return before.year, before.month


def month_label(month: tuple[int, int], lang: str, today: date | None = None) -> str:
    """"marraskuu 2026"; "joulukuu 2026 (kesken)" for the month of ``today``, as the weekly view's week."""
    label = f"{t(f'month.name.{month[1]}', lang)} {month[0]}"
    return f"{label} ({t('week.unfinished', lang)})" if today and month == (today.year, today.month) else label


@st.cache_data(ttl=ws.REPORT_TTL_SECONDS, show_spinner=False)
def report(span: Span, compared: tuple[Span, ...], stations: tuple[str, ...], today: date) -> PeriodReport:
    settings = get_settings()
    return period_report(settings, get_store(settings.database_url), span, list(compared), list(stations) or None,
                         today)


@st.cache_data(ttl=ws.REPORT_TTL_SECONDS, show_spinner=False)
def access(span: Span, compared: Span, stations: tuple[str, ...], today: date) -> AccessReport:
    settings = get_settings()
    return access_report(settings, get_store(settings.database_url), span[0], span[1], list(stations) or None,
                         compared, today)


def change_text(figure: str, value: float | None, label: str, lang: str) -> str:
    return f"{fmt.format_change(figure, value, lang)} {label}"


def key_figures(rep: PeriodReport, lang: str) -> None:
    """The key figures with their change from the month before, and a year earlier under each."""
    entry = rep.total
    previous_label = t("month.vs_previous", lang)
    with st.container(key="week-kpis", horizontal=True):
        for figure in KEY_FIGURES:
            change = entry.change(figure, 0)
            arrow, colour = ws.delta_style(change, BETTER[figure])
            year_ago = entry.change(figure, 1)
            target = rep.targets.get(figure)
            key = next((k for k in (f"month.kpi.{figure}.unfinished" if rep.unfinished else "",
                                    f"month.kpi.{figure}") if k in TEXTS), f"week.fig.{figure}")
            label = t(key, lang)  # a month in progress has no "end of the month" yet: its value is the latest
            if target is not None:
                label += f" ({t('week.target', lang, value=fmt.format_figure(figure, target, lang))})"
            delta = None if change is None else change_text(figure, change, previous_label, lang)
            if entry.withheld(figure, 0):  # said where the change would be, without an arrow
                delta, (arrow, colour) = t("month.partial", lang), ws.delta_style(None, 0)
            st.metric(label, fmt.format_figure(figure, entry.figures.get(figure), lang),
                      delta=delta, delta_arrow=arrow, delta_color=colour, border=True,
                      help=None if year_ago is None else change_text(figure, year_ago, t("month.vs_year", lang), lang))
    if rep.unfinished:  # days so far against a whole month read as a collapse ("−11 963 ed. kuukauteen")
        st.caption(t("month.unfinished_note", lang))
    note = partial_note(rep, lang)
    if note:  # November against an October whose data start on the 8th reads as growth
        st.caption(note)


def partial_note(rep: PeriodReport, lang: str) -> str:
    """Which station's month is partial and why ("Kajaanin terveysasema, lokakuu 2026: tiedot vasta 8.10.2026
    alkaen"), or "" when none is: said wherever a change is left out for it."""
    spans = [rep.span, *rep.compared]
    which = []
    for entry in rep.stations:
        first, last = rep.data_days.get(entry.code, (None, None))
        for span, flagged in zip(spans, entry.partial, strict=False):
            if not flagged or first is None or last is None:
                continue
            key, day = ("month.partial_from", first) if first > span[0] else ("month.partial_until", last)
            which.append(t(key, lang, station=entry.name, month=_span_words(span, lang),
                           day=fmt.fmt_date(day_start(day), lang)))
    return t("month.partial_note", lang, which="; ".join(which)) if which else ""


def _span_words(span: Span, lang: str) -> str:
    """"lokakuu 2026" for a whole month, else the days ("1.10.2026–14.10.2026")."""
    if span == month_span(span[0].year, span[0].month):
        return month_label((span[0].year, span[0].month), lang)
    return export_period.span_label(span, lang)


def table(rep: PeriodReport, lang: str, family: str | None = None) -> pd.DataFrame:
    """One row per station (and together): the month's figures (of one tile family, as the weekly view's tabs),
    the change from the month before and from the same month a year earlier for the figures whose change the
    weekly view shows."""
    rows = []
    shown = FIGURES if family is None else ws.FAMILY_FIGURES[family]
    for entry in rep.rows:
        row = {t("week.col.station", lang): t("week.all_selected", lang) if entry.code == ALL else entry.name}
        for figure in shown:
            row[t(f"week.fig.{figure}", lang)] = fmt.format_figure(figure, entry.figures.get(figure), lang)
            if figure in ws.CHANGES_SHOWN:  # "vajaa kuukausi" where a partial month leaves the change out
                row[f"{t(f'week.fig.{figure}', lang)}: {t('month.vs_previous', lang)}"] = _change_cell(
                    entry, figure, 0, lang)
                row[f"{t(f'week.fig.{figure}', lang)}: {t('month.vs_year', lang)}"] = _change_cell(
                    entry, figure, 1, lang)
        rows.append(row)
    return pd.DataFrame(rows)


def _change_cell(entry: StationPeriod, figure: str, index: int, lang: str) -> str:
    if entry.withheld(figure, index):
        return t("month.partial", lang)
    return fmt.format_change(figure, entry.change(figure, index), lang)


def charts(rep: PeriodReport, notes: Sequence[ChartNote], names: dict[str, str], lang: str) -> None:
    """The weekly view's charts over the month, two by two; the month's chart notes flagged on the day charts
    and listed under them."""
    config = {"displaylogo": False, "modeBarButtons": [["toImage"]],
              "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"kuukausi-{rep.span[0]:%Y-%m}"}}
    st.subheader(t("month.section.charts", lang), anchor=False)
    numbers = marks.numbering(notes)
    days, labels = month_charts.days(rep), month_charts.day_labels(rep)
    pairs = [
        (marks.on_days(month_charts.contacts_by_day(rep, lang), notes, days, labels, numbers),
         marks.on_days(month_charts.omasote_by_day(rep, lang), notes, days, labels, numbers)),
        (month_charts.by_station(rep, "contacts_remote_share", lang),
         month_charts.by_station(rep, "queue_same_day_share", lang)),
        (month_charts.by_station(rep, "feedback_nps", lang), None),
    ]
    for n, pair in enumerate(pairs):
        for i, (column, fig) in enumerate(zip(st.columns(2), pair, strict=True)):
            if fig is not None:
                column.plotly_chart(fig, width="stretch", config=config, theme=None, key=f"month-chart-{n}-{i}")
        if n == 0 and notes:
            st.html(marks.legend_html(notes, numbers, names, lang, areas=get_settings().areas))


def tables(rep: PeriodReport, lang: str) -> None:
    """The month by station, a tab per tile family (as the weekly view)."""
    st.subheader(t("month.section.table", lang), anchor=False)
    tabs = st.tabs([t(f"week.family.{f}", lang) for f in ws.FAMILY_FIGURES])
    for tab, family in zip(tabs, ws.FAMILY_FIGURES, strict=True):
        tab.dataframe(table(rep, lang, family), hide_index=True, width="stretch", key=f"month-table-{family}")


def downloads(rep: PeriodReport, acc: AccessReport | None, name: str, lang: str, key: str) -> None:
    csv_col, xlsx_col, _ = st.columns([1, 1, 4], vertical_alignment="center")
    csv_col.download_button(t("week.download_csv", lang), partial(export_period.period_csv, rep, lang, acc),
                            file_name=f"{name}.csv", mime="text/csv", on_click="ignore",
                            icon=":material/download:", width="stretch", key=f"{key}_csv")
    xlsx_col.download_button(t("week.download_xlsx", lang), partial(export_period.period_xlsx, rep, lang, acc),
                             file_name=f"{name}.xlsx", mime=XLSX, on_click="ignore",
                             icon=":material/table_view:", width="stretch", key=f"{key}_xlsx")


def free_range(settings: Settings, stations: list[str], today: date, lang: str) -> None:
    """Exports of any run of days, compared with the equally long run before it."""
    with st.expander(t("month.free_range", lang)):
        chosen = st.date_input(t("month.free_range.pick", lang), value=(today - timedelta(days=14),
                                                                        today - timedelta(days=1)),
                               max_value=today, format="DD.MM.YYYY", key="free_range")
        if not isinstance(chosen, tuple) or len(chosen) != 2:
            st.caption(t("month.free_range.hint", lang))
            return
        span: Span = (chosen[0], chosen[1])
        if (span[1] - span[0]).days > 366:
            st.caption(t("month.free_range.too_long", lang))
            return
        before = range_before(span)
        rep = report(span, (before,), tuple(stations), today)
        acc = access(span, before, tuple(stations), today)
        st.caption(t("month.free_range.compared", lang, span=export_period.span_label(before, lang)))
        downloads(rep, acc, f"jakso-{span[0]:%Y%m%d}-{span[1]:%Y%m%d}", lang, "range")


def spans(month: tuple[int, int]) -> tuple[Span, tuple[Span, Span]]:
    span = month_span(*month)
    return span, (previous_month(span), year_earlier(span))
