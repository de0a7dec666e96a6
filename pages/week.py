"""Weekly view (/week): the manager's week against targets and against the week before.

``?week=2026-W47&station=kajaani&station=paltamo`` choose the ISO week and the
stations, so a manager can bookmark "my stations"; without ``week`` the page
shows the last full week, so a bookmark without it is always up to date.
The current week is unfinished: its changes are measured against the previous
week up to the same moment (Monday to today's weekday, today's weekday up to
the same Helsinki clock time), and the labels say so ("ma–ti klo 8.14"); page
views, counted per day, against the same whole days.
A wrong value falls back with a note on the page. ``?print=1`` is the same
report without widgets, for the steering group's papers: static charts two
by two, plain tables, print CSS (A4 landscape, a section per page).
"""

from functools import partial
from html import escape

import streamlit as st

from board import export, weekly
from board import formatting as fmt
from board.domain.access import Page
from board.domain.timeutil import local_date, utcnow
from board.i18n import t
from board.web import access
from board.web import streamlit_support as sup
from board.web import week_charts as charts
from board.web import week_support as ws
from board.web.style import HIDE_STREAMLIT_CHROME
from board.weekly import BETTER, IsoWeek

st.set_page_config(layout="wide")  # wide even when this page is the first one opened
lang = sup.language()
settings = sup.settings_or_stop(lang)
access.require(Page.WEEK, lang, settings)
sup.count_view("week")
printing = st.query_params.get("print") == "1"
now = utcnow()
selection = ws.read_selection(settings, st.query_params.get("week"), st.query_params.get_all("station"), now, lang)
names = {s.code: s.name for s in settings.stations}
#: A4 landscape with 10 mm margins is about 1047 x 718 CSS pixels: two charts side by side, one pair a page.
#: Heights: the first pair shares its page with the title and the key figures.
PRINT_CHART_WIDTH, PRINT_CHART_HEIGHT = 500, (320, 600)

SCREEN_CSS = """
.week-scope { margin: 0; font-size: .875rem; color: rgba(49, 51, 63, .6); }
.week-note { margin: 0; padding: .75rem 1rem; border-radius: .5rem; background: #fffce7; color: #926c05; }
.st-key-week-kpis [data-testid="stMetricValue"] { font-size: 2.2rem; }
.st-key-week-kpis [data-testid="stMetric"] { background: #f4f6f9; border-radius: .5rem; padding: .6rem .9rem; }
"""
PRINT_CSS = HIDE_STREAMLIT_CHROME + """
@page { size: A4 landscape; margin: 10mm; }
.stMainBlockContainer, [data-testid="stMainBlockContainer"] { max-width: 1100px !important;
  padding-top: 1.5rem !important; }
@media print {
  .no-print { display: none !important; }
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] { overflow: visible !important;
    height: auto !important; }
  .stMainBlockContainer, [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: none !important; }
  [class*="st-key-week-print-page"] { break-before: page; }
  [data-testid="stPlotlyChart"], [data-testid="stTable"], [data-testid="stMetric"] { break-inside: avoid; }
  /* Streamlit stacks columns on paper; the report keeps two charts and the key figures side by side */
  [data-testid="stHorizontalBlock"], .st-key-week-kpis { display: flex !important; flex-direction: row !important;
    flex-wrap: nowrap !important; gap: .8rem !important; }
  [data-testid="stColumn"], .st-key-week-kpis > div { flex: 1 1 0 !important; width: auto !important;
    min-width: 0 !important; }
}
"""
st.html(f"<style>{SCREEN_CSS}{PRINT_CSS if printing else ''}</style>")


# --------------------------------------------------------------- the choices
def _sync_url() -> None:
    """Keep the URL in step with the widgets, so the address bar is always a bookmark of what is shown."""
    st.query_params["week"] = st.session_state["week_select"]
    chosen = st.session_state["station_select"]
    if chosen:
        st.query_params["station"] = chosen
    elif "station" in st.query_params:
        del st.query_params["station"]


today = local_date(now)  # Helsinki
current = IsoWeek.of(today)


def _week_option(key: str) -> str:
    week = IsoWeek.parse(key)
    label = ws.week_label(week, lang)
    return f"{label} ({t('week.unfinished', lang)})" if week == current else label


if printing:
    week, stations = selection.week, selection.stations
else:
    weeks = weekly.recent_weeks(now)
    if selection.week not in weeks:  # an older week from a bookmark stays choosable
        weeks = sorted([*weeks, selection.week], reverse=True)
    keys = [w.key for w in weeks]
    head, pick_week, pick_stations = st.columns([3, 2, 4], vertical_alignment="bottom")
    head.title(t("week.title", lang), anchor=False)
    week = IsoWeek.parse(pick_week.selectbox(
        t("week.pick_week", lang), keys, index=keys.index(selection.week.key), format_func=_week_option,
        key="week_select", on_change=_sync_url))
    stations = pick_stations.multiselect(
        t("week.pick_stations", lang), list(names), default=selection.stations, format_func=names.get,
        key="station_select", on_change=_sync_url, placeholder=t("week.all_stations", lang))

if printing:
    st.title(t("week.title", lang), anchor=False)
scope = ", ".join(names[c] for c in stations) if stations else t("week.all_stations", lang)
# Station names (configuration) and the notes (they quote the URL) are plain text, never Markdown: escaped HTML,
# so neither ?week=[…](http://…) nor a name can become a link or fetch an image (issue 19, item 8).
st.html(f'<p class="week-scope">{escape(ws.week_label(week, lang, dates=True))} · {escape(scope)}</p>')
for note in selection.notes:
    st.html(f'<div class="week-note" role="note">{escape(note)}</div>')

try:
    # now to the minute for the current week only: its cache key changes once a minute, a past week's never
    report = ws.report(week.key, tuple(stations), ws.as_of(week, now))
except Exception as e:  # the store is down: say so in words
    st.error(t("week.store_down", lang, error=type(e).__name__))
    st.stop()

entry = report.total if len(report.stations) > 1 else report.stations[0]
has_data = any(r.days_with_data for r in report.stations) or any(
    v is not None for r in report.stations for v in r.previous.values())

# ------------------------------------------------------- links and downloads
if not printing:
    params = {"week": week.key, "print": "1", **({"lang": lang} if "lang" in st.query_params else {})}
    query = "&".join([f"{k}={v}" for k, v in params.items()] + [f"station={c}" for c in stations])
    links, csv_col, xlsx_col = st.columns([4, 1, 1], vertical_alignment="center")
    links.markdown(f":material/print: [{t('week.print_link', lang)}](week?{query})")
    # The files are made when a button is clicked (Streamlit's deferred download), not on every run: the
    # workbook alone costs ~0.25 s of CPU, a quarter of the page's budget (docs/PERFORMANCE.md, section 3).
    csv_col.download_button(t("week.download_csv", lang), partial(export.week_csv, report, lang),
                            file_name=f"viikko-{week.key}.csv", mime="text/csv", on_click="ignore",
                            icon=":material/download:", width="stretch", key="download_csv")
    xlsx_col.download_button(
        t("week.download_xlsx", lang), partial(export.week_xlsx, report, lang), file_name=f"viikko-{week.key}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
        icon=":material/table_view:", width="stretch", key="download_xlsx")
else:
    st.html(f'<p class="no-print">{t("week.print_hint", lang)}</p>')

if not has_data:
    st.info(t("week.no_data", lang))
else:
    # ------------------------------------------------------------ key figures
    past_days = [d for d in week.days if d <= today]
    gaps = [t("week.days_missing", lang, station=r.name, n=r.days_with_data, of=len(past_days))
            for r in report.stations if r.days_with_data < len(past_days)]
    if gaps:
        st.html(f'<p class="week-scope">{escape(" · ".join(gaps))}</p>')
    with st.container(key="week-kpis", horizontal=True):
        for figure in ("contacts_total", "contacts_remote_share", "queue_same_day_share", "feedback_nps",
                       "omasote_unanswered"):
            change = entry.change(figure)
            arrow, colour = ws.delta_style(change, BETTER[figure])
            delta = None if change is None else ws.report_delta(report, ws.fmt_change(figure, change, lang), lang)
            st.metric(ws.figure_header(report, figure, lang, kpi=True), ws.fmt_value(figure, entry.week[figure], lang),
                      delta=delta, delta_arrow=arrow, delta_color=colour, border=True)

    # ----------------------------------------------------------------- charts
    config = {"displaylogo": False, "modeBarButtons": [["toImage"]], "staticPlot": printing,
              "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"viikko-{week.key}"}}
    pairs = [
        (charts.contacts_by_channel(report, lang), charts.omasote_by_day(report, lang)),
        (charts.by_station(report, "contacts_remote_share", lang),
         charts.by_station(report, "queue_same_day_share", lang)),
        (charts.by_station(report, "feedback_nps", lang), charts.queue_peaks(report, lang)),
    ]
    for n, pair in enumerate(pairs):
        # the first pair shares the first printed page with the key figures; each other pair gets a page
        with st.container(key=f"week-print-page-charts-{n}" if n else "week-charts-0"):
            for i, (column, fig) in enumerate(zip(st.columns(2), pair, strict=True)):
                if printing:  # a fixed size: a printed page does not re-flow plotly's responsive charts
                    fig.update_layout(width=PRINT_CHART_WIDTH,
                                      height=min(fig.layout.height, PRINT_CHART_HEIGHT[bool(n)]))
                column.plotly_chart(fig, width="content" if printing else "stretch", config=config, theme=None,
                                    key=f"chart-{n}-{i}")

    # ----------------------------------------------------------------- tables
    with st.container(key="week-print-page-tables"):
        st.subheader(t("week.section.table", lang), anchor=False)
        if printing:
            for family in ws.FAMILY_FIGURES:
                st.markdown(f"**{t(f'week.family.{family}', lang)}**")
                st.table(ws.family_table(report, family, lang), hide_index=True)
        else:
            tabs = st.tabs([t(f"week.family.{f}", lang) for f in ws.FAMILY_FIGURES])
            for tab, family in zip(tabs, ws.FAMILY_FIGURES, strict=True):
                tab.dataframe(ws.family_table(report, family, lang), hide_index=True, width="stretch",
                              key=f"table-{family}")
            with st.expander(t("week.section.daily", lang)):
                st.dataframe(ws.daily_table(report, lang), hide_index=True, width="stretch", key="table-daily")

# ------------------------------------------------------------------ usage
with st.container(key="week-print-page-usage"):
    st.subheader(t("week.section.usage", lang), anchor=False)
    use = ws.usage(week.key, tuple(stations), today if week == current else None)
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
