"""The weekly view's parts: the choice of week and stations, downloads, key figures, charts, tables, usage.

``?week=2026-W47&station=kajaani&station=paltamo`` choose the ISO week and
the stations (the widgets keep the URL in step, so the address bar is always
a bookmark of what is shown). ``?print=1`` is the same report without
widgets: static charts two by two, plain tables, the print sheet
(``WEEK_PRINT_CSS``: A4 landscape, a section per page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from html import escape

import plotly.graph_objects as go
import streamlit as st

from board import export
from board import formatting as fmt
from board.domain.chart_note import ChartNote
from board.domain.figures import WALL_FAMILIES, WEEK, Family
from board.domain.timeutil import local_date
from board.i18n import t
from board.read.access_to_care import AccessReport
from board.read.tracked import tracked_by_station
from board.read.week import BETTER, IsoWeek, StationWeek, WeekReport, recent_weeks
from board.settings import Settings
from board.web import chart_marks as marks
from board.web import week_charts as charts
from board.web import week_support as ws
from board.web.streamlit_support import get_settings

#: The key figures on top, against their targets: demand, the two shares, the score, what is left over.
KEY_FIGURES = ("contacts_total", "contacts_remote_share", "queue_same_day_share", "feedback_nps",
               "omasote_unanswered")
#: A4 landscape with 10 mm margins is about 1047 x 718 CSS pixels: two charts side by side, one pair a page.
#: Heights: the first pair shares its page with the title and the key figures.
PRINT_CHART_WIDTH, PRINT_CHART_HEIGHT = 500, (320, 600)


def _sync_url() -> None:
    """Keep the URL in step with the widgets, so the address bar is always a bookmark of what is shown."""
    st.query_params["week"] = st.session_state["week_select"]
    chosen = st.session_state["station_select"]
    if chosen:
        st.query_params["station"] = chosen
    elif "station" in st.query_params:
        del st.query_params["station"]


def choose(settings: Settings, selection: ws.Selection, now: datetime, lang: str,
           printing: bool, areas: list[str] | None = None) -> tuple[IsoWeek, list[str]]:
    """The title, the week and the stations (from the URL; widgets unless printing), what they are, and what
    the URL got wrong. With ``areas`` (``?area=``) only their stations are offered, and none chosen means all
    of theirs (the caller reads the report of :meth:`Settings.area_stations`)."""
    names = {s.code: s.name for s in settings.stations if not areas or s.area in areas}
    current = IsoWeek.of(local_date(now))
    if printing:
        week, stations = selection.week, selection.stations
        st.title(t("week.title", lang), anchor=False)
    else:
        weeks = recent_weeks(now)
        if selection.week not in weeks:  # an older week from a bookmark stays choosable
            weeks = sorted([*weeks, selection.week], reverse=True)
        keys = [w.key for w in weeks]

        def option(key: str) -> str:
            label = fmt.fmt_week_label(IsoWeek.parse(key), lang)
            return f"{label} ({t('week.unfinished', lang)})" if IsoWeek.parse(key) == current else label

        head, pick_week, pick_stations = st.columns([3, 2, 4], vertical_alignment="bottom")
        head.title(t("week.title", lang), anchor=False)
        week = IsoWeek.parse(pick_week.selectbox(
            t("week.pick_week", lang), keys, index=keys.index(selection.week.key), format_func=option,
            key="week_select", on_change=_sync_url))
        stations = pick_stations.multiselect(
            t("week.pick_stations", lang), list(names), default=selection.stations, format_func=names.get,
            key="station_select", on_change=_sync_url, placeholder=t("week.all_stations", lang),
            select_all=False)  # Streamlit's "Select all" is English only; nothing chosen already means all
    everything = ", ".join(settings.areas[a] for a in areas) if areas else t("week.all_stations", lang)
    scope = ", ".join(names[c] for c in stations if c in names) if stations else everything
    # Station names (configuration) and the notes (they quote the URL) are plain text, never Markdown: escaped
    # HTML, so neither ?week=[…](http://…) nor a name can become a link or fetch an image (issue 19, item 8).
    st.html(f'<p class="week-scope">{escape(fmt.fmt_week_label(week, lang, dates=True))} · {escape(scope)}</p>')
    for note in [*selection.notes, *ws.holiday_notes(week, lang)]:
        st.html(f'<div class="week-note" role="note">{escape(note)}</div>')
    return week, stations


def downloads(report: WeekReport, stations: list[str], lang: str, access: AccessReport | None = None) -> None:
    """The link to the printable version, and the CSV and Excel files (with access to care when given)."""
    week = report.week
    params = {"week": week.key, "print": "1", **({"lang": lang} if "lang" in st.query_params else {})}
    query = "&".join([f"{k}={v}" for k, v in params.items()] + [f"station={c}" for c in stations])
    links, csv_col, xlsx_col = st.columns([4, 1, 1], vertical_alignment="center")
    links.markdown(f":material/print: [{t('week.print_link', lang)}](week?{query})")
    # The files are made when a button is clicked (Streamlit's deferred download), not on every run: the
    # workbook alone costs ~0.25 s of CPU, a quarter of the page's budget (docs/PERFORMANCE.md, section 3).
    csv_col.download_button(t("week.download_csv", lang), partial(export.week_csv, report, lang, access),
                            file_name=f"viikko-{week.key}.csv", mime="text/csv", on_click="ignore",
                            icon=":material/download:", width="stretch", key="download_csv")
    xlsx_col.download_button(
        t("week.download_xlsx", lang), partial(export.week_xlsx, report, lang, access),
        file_name=f"viikko-{week.key}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
        icon=":material/table_view:", width="stretch", key="download_xlsx")


def key_figures(report: WeekReport, entry: StationWeek, today: date, lang: str,
                settings: Settings | None = None) -> None:
    """Which stations lack days, then the key figures with their change from the previous week.

    A station's days are counted over the tiles it tracks (``settings``: board/read/tracked.py), not over
    figures of a source it no longer has."""
    past_days = [d for d in report.week.days if d <= today]
    tracked = tracked_by_station(settings, [r.code for r in report.stations]) if settings else {}
    have = {r.code: r.days_with_data_of(tracked.get(r.code)) for r in report.stations}
    gaps = [t("week.days_missing", lang, station=r.name, n=have[r.code], of=len(past_days))
            for r in report.stations if have[r.code] < len(past_days)]
    if gaps:
        st.html(f'<p class="week-scope">{escape(" · ".join(gaps))}</p>')
    shown = ws.shown_families(settings, report) if settings else frozenset(WALL_FAMILIES)
    untracked = [f for f in WALL_FAMILIES if f not in shown]
    if untracked:  # said once, above everything it leaves out: the key figures, the charts and the tables
        st.html(f'<p class="week-scope" data-untracked="{" ".join(untracked)}">'
                f'{escape(t("week.not_tracked", lang, families=ws.family_names(untracked, lang)))}</p>')
    figures = [f for f in KEY_FIGURES if WEEK[f].family in shown]
    if not figures:
        return
    with st.container(key="week-kpis", horizontal=True):
        for figure in figures:
            change = entry.change(figure)
            arrow, colour = ws.delta_style(change, BETTER[figure])
            delta = None if change is None else ws.report_delta(report, fmt.format_change(figure, change, lang), lang)
            st.metric(ws.figure_header(report, figure, lang, kpi=True),
                      fmt.format_figure(figure, entry.week[figure], lang), delta=delta, delta_arrow=arrow,
                      delta_color=colour, border=True)


def chart_pairs(report: WeekReport, lang: str, printing: bool, notes: Sequence[ChartNote] = (),
                names: dict[str, str] | None = None, shown: frozenset[Family] | None = None) -> None:
    """Six charts two by two, the week's chart notes flagged on the days' charts and listed under the first
    pair; on paper each pair after the first gets a page of its own.

    With ``shown`` (:func:`board.web.week_support.shown_families`) only the charts of those tile families are
    drawn, the rest close up: a station fed only by feedback got empty contacts and Omasote charts and a queue
    peak chart with a title and no plot, which read as faults rather than "not tracked here"."""
    config = {"displaylogo": False, "modeBarButtons": [["toImage"]], "staticPlot": printing,
              "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"viikko-{report.week.key}"}}
    numbers = marks.numbering(notes)
    days, labels = report.days, charts.day_labels(report, lang)

    def flagged(fig: go.Figure) -> go.Figure:
        return marks.on_days(fig, notes, days, labels, numbers)

    bars = ws.chart_rows(report)  # areas instead of stations when there are too many to read
    top = ws.PEAK_ROWS if ws.many(report) else None
    made: list[tuple[Family, Callable[[], go.Figure]]] = [
        (Family.CONTACTS, lambda: flagged(charts.contacts_by_channel(report, lang))),
        (Family.OMASOTE, lambda: flagged(charts.omasote_by_day(report, lang))),
        (Family.CONTACTS, lambda: charts.by_station(report, "contacts_remote_share", lang, rows=bars)),
        (Family.QUEUE, lambda: charts.by_station(report, "queue_same_day_share", lang, rows=bars)),
        (Family.FEEDBACK, lambda: charts.by_station(report, "feedback_nps", lang, rows=bars)),
        (Family.QUEUE, lambda: flagged(charts.queue_peaks(report, lang, top=top))),
    ]
    figs = [make() for family, make in made if shown is None or family in shown]
    pairs = [figs[i:i + 2] for i in range(0, len(figs), 2)]
    if not pairs and notes:
        st.html(marks.legend_html(notes, numbers, names or {}, lang, areas=get_settings().areas))
    for n, pair in enumerate(pairs):
        # the first pair shares the first printed page with the key figures; each other pair gets a page
        with st.container(key=f"week-print-page-charts-{n}" if n else "week-charts-0"):
            for i, (column, fig) in enumerate(zip(st.columns(2), pair, strict=False)):
                if printing:  # a fixed size: a printed page does not re-flow plotly's responsive charts
                    fig.update_layout(width=PRINT_CHART_WIDTH,
                                      height=min(fig.layout.height, PRINT_CHART_HEIGHT[bool(n)]))
                column.plotly_chart(fig, width="content" if printing else "stretch", config=config, theme=None,
                                    key=f"chart-{n}-{i}")
            if n == 0 and notes:
                st.html(marks.legend_html(notes, numbers, names or {}, lang, areas=get_settings().areas))


def tables(report: WeekReport, lang: str, printing: bool, shown: frozenset[Family] | None = None) -> None:
    """The week by station, a table per tile family (tabs on screen; with ``shown`` those families' only), and
    the daily figures."""
    families = [f for f in ws.FAMILY_FIGURES if shown is None or Family(f) in shown]
    with st.container(key="week-print-page-tables"):
        st.subheader(t("week.section.table", lang), anchor=False)
        if printing:
            for family in families:
                st.markdown(f"**{t(f'week.family.{family}', lang)}**")
                st.table(ws.family_table(report, family, lang), hide_index=True)
        else:
            if families:  # (st.tabs takes no empty list)
                tabs = st.tabs([t(f"week.family.{f}", lang) for f in families])
                for tab, family in zip(tabs, families, strict=True):
                    tab.dataframe(ws.family_table(report, family, lang), hide_index=True, width="stretch",
                                  key=f"table-{family}")
            with st.expander(t("week.section.daily", lang)):
                if ws.many(report):
                    st.caption(t("week.daily_total_only", lang, n=len(report.stations)))
                st.dataframe(ws.daily_table(report, lang), hide_index=True, width="stretch", key="table-daily")


def usage(settings: Settings, week: IsoWeek, stations: list[str], today: date, lang: str, printing: bool) -> None:
    """The board's own KPI: page views of the week, against the previous week's same whole days."""
    with st.container(key="week-print-page-usage"):
        st.subheader(t("week.section.usage", lang), anchor=False)
        use = ws.usage(week.key, tuple(stations), today if week == IsoWeek.of(today) else None)
        arrow, colour = ws.delta_style(use.total - use.previous_total, better=1)  # the board is meant to be used
        st.metric(t("week.usage.views", lang), fmt.fmt_int(use.total),
                  # per day only: the same whole days, never a clock time
                  delta=ws.delta_text(fmt.fmt_signed_int(use.total - use.previous_total), use.compared_days, lang),
                  delta_arrow=arrow, delta_color=colour, width="content")
        st.caption(t("week.usage.caption", lang))
        if use.rows:
            table = ws.usage_table(use, settings, lang)
            if printing:
                st.table(table, hide_index=True)
            else:
                st.dataframe(table, hide_index=True, width="stretch", key="table-usage")
