"""Monthly view (/month): the manager's month against the month before and the same month a year earlier.

``?month=2026-11&station=kajaani`` choose the month and the stations; without
``month`` the last full month. The same figures, targets and rules as the
weekly view, access to care and employee feedback for the month, CSV/xlsx,
and a free date range for the exports. The parts are ``board.web.month_page``.
"""

from html import escape

import streamlit as st

from board.domain.access import Page
from board.domain.timeutil import local_date, utcnow
from board.i18n import t
from board.web import access, nav, style
from board.web import access_page as care
from board.web import month_page as parts
from board.web import streamlit_support as sup

lang = sup.language()
nav.page_setup(Page.MONTH, lang)
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.MONTH, lang, settings)
sup.count_view("month")
today = local_date(utcnow())
style.apply(style.WEEK_CSS)
nav.header(Page.MONTH, viewer, lang)

notes = []
month = parts.parse_month(st.query_params.get("month"), today)
if month is None:
    if st.query_params.get("month"):
        notes.append(t("month.bad_month", lang, value=st.query_params.get("month")))
    month = parts.default_month(today)
areas = sup.areas_from_url(settings)  # ?area=kainuu: that area's stations; none chosen means all of them
names = {s.code: s.name for s in settings.stations if not areas or s.area in areas}
wanted = [c for c in st.query_params.get_all("station") if c in names]
notes += [t("week.bad_station", lang, code=c) for c in st.query_params.get_all("station") if c not in names]

months = parts.recent_months(today)
if month not in months:
    months = sorted([*months, month], reverse=True)
keys = [f"{y}-{m:02d}" for y, m in months]


def _sync_url() -> None:
    st.query_params["month"] = st.session_state["month_select"]
    if st.session_state["month_stations"]:
        st.query_params["station"] = st.session_state["month_stations"]
    elif "station" in st.query_params:
        del st.query_params["station"]


head, pick_month, pick_stations = st.columns([3, 2, 4], vertical_alignment="bottom")
head.title(t("page.month", lang), anchor=False)
chosen = pick_month.selectbox(t("month.pick", lang), keys, index=keys.index(f"{month[0]}-{month[1]:02d}"),
                              format_func=lambda k: parts.month_label((int(k[:4]), int(k[5:])), lang, today),
                              key="month_select", on_change=_sync_url)
month = (int(chosen[:4]), int(chosen[5:]))
stations = pick_stations.multiselect(t("week.pick_stations", lang), list(names), default=wanted,
                                     format_func=names.get, key="month_stations", on_change=_sync_url,
                                     placeholder=t("week.all_stations", lang))
stations = stations or settings.area_stations(areas) if areas else stations
for note in notes:
    st.html(f'<div class="week-note" role="note">{escape(note)}</div>')  # quotes the URL: plain text, escaped

span, compared = parts.spans(month)
try:
    report = parts.report(span, compared, tuple(stations), today)
    care_report = parts.access(span, compared[0], tuple(stations), today)
    staff_report = care.staff_report(span[0], span[1], tuple(stations), compared[0], today)
except Exception as e:  # the store is down: say so in words
    st.error(t("week.store_down", lang, error=type(e).__name__))
    st.stop()

parts.downloads(report, care_report, f"kuukausi-{month[0]}-{month[1]:02d}", lang, "month")
if not (report.has_data or care_report.has_data or staff_report.has_data):
    st.info(t("month.no_data", lang))
else:
    parts.key_figures(report, lang)
    care.section(care_report, lang, t("month.vs_previous", lang))
    care.staff_section(staff_report, lang, t("month.vs_previous", lang))
    parts.charts(report, sup.chart_notes(span[0], span[1], tuple(stations)), names, lang)
    parts.tables(report, lang)
parts.free_range(settings, stations, today, lang)
