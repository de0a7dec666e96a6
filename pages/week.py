"""Weekly view (/week): the manager's week against targets and against the week before.

``?week=2026-W47&station=kajaani&station=paltamo`` choose the ISO week and the
stations, so a manager can bookmark "my stations"; without ``week`` the page
shows the last full week, so a bookmark without it is always up to date.
The current week is unfinished: its changes are measured against the previous
week up to the same moment (Monday to today's weekday, today's weekday up to
the same Helsinki clock time), and the labels say so ("ma–ti klo 8.14"); page
views, counted per day, against the same whole days.
A wrong value falls back with a note on the page. ``?print=1`` is the same
report without widgets, for the steering group's papers. The parts are
``board.web.week_page``; the cached report, labels and tables ``board.web.week_support``.
"""

import streamlit as st

from board.domain.access import Page
from board.domain.timeutil import local_date, utcnow
from board.domain.weeks import compared_days
from board.gc_pause import cycles_paused
from board.i18n import t
from board.web import access, nav, style
from board.web import access_page as care
from board.web import streamlit_support as sup
from board.web import week_page as parts
from board.web import week_support as ws

lang = sup.language()
nav.page_setup(Page.WEEK, lang)  # wide even when this page is the first one opened
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.WEEK, lang, settings)
sup.count_view("week")
printing = st.query_params.get("print") == "1"
now = utcnow()
today = local_date(now)  # Helsinki
style.apply(style.WEEK_CSS, style.WEEK_PRINT_CSS if printing else "")
if not printing:  # the steering group's paper has no links
    nav.header(Page.WEEK, viewer, lang)

# 900 stations' report, tables and charts are ~200 000 short-lived acyclic objects: without the pause the
# cycle collector scanned them over and over while they were made and moved the survivors into the oldest
# generation, so every second cold run paid a full collection of the heap (docs/PERFORMANCE.md, 7c).
with cycles_paused():
    selection = ws.read_selection(settings, st.query_params.get("week"), st.query_params.get_all("station"), now, lang)
    areas = sup.areas_from_url(settings)  # ?area=kainuu: that area's stations; none chosen means all of them
    week, stations = parts.choose(settings, selection, now, lang, printing, areas)
    stations = stations or settings.area_stations(areas) if areas else stations
    # access to care of the week (managers only: never on the wall), compared with the previous week's same days
    # (the report's compared_days); read beside the week's report on PostgreSQL (sup.alongside)
    compared = compared_days(week, today)
    with sup.alongside() as beside:
        care_reading = beside(care.report, week.monday, week.sunday, tuple(stations), (compared[0], compared[-1]))
        staff_reading = beside(care.staff_report, week.monday, week.sunday, tuple(stations),
                               (compared[0], compared[-1]))
        try:
            # now to the minute for the current week only: its cache key changes once a minute, a past week's never
            report = ws.report(week.key, tuple(stations), ws.as_of(week, now))
        except Exception as e:  # the store is down: say so in words
            st.error(t("week.store_down", lang, error=type(e).__name__))
            st.stop()
        care_report, staff_report = care_reading.result(), staff_reading.result()

    if printing:
        st.html(ws.print_hint(lang))
    else:
        parts.downloads(report, stations, lang, care_report)
    if not (ws.has_data(report) or care_report.has_data or staff_report.has_data):
        st.info(t("week.no_data", lang))
    else:
        parts.key_figures(report, ws.scope(report), today, lang, settings)
        care.section(care_report, lang, ws.report_delta(report, "", lang).strip())
        care.staff_section(staff_report, lang, ws.report_delta(report, "", lang).strip())
        notes = sup.chart_notes(week.monday, week.sunday, tuple(stations))
        shown = ws.shown_families(settings, report)  # the families tracked, or with figures this week
        parts.chart_pairs(report, lang, printing, notes, {s.code: s.name for s in settings.stations}, shown)
        parts.tables(report, lang, printing, shown)
    parts.usage(settings, week, stations, today, lang, printing)
