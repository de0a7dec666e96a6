"""Overview (/, "Tilannekuva"): the shift lead's view of every station, worst first.

One compact row per station with every tile's figures and statuses, the
worst station at the top (or sorted by any figure), closed stations greyed
at the bottom. Filters for stations and municipalities live in the URL
(``?station=kajaani&station=paltamo&municipality=Kajaani&sort=queue_waiting&curve=kajaani``),
so "my stations" is a bookmark: the widgets start from the URL and write
back to it when changed.
Today's curves (queue and contacts, against the same weekday last week) are
drawn on demand for the stations chosen under the table.

The table refreshes itself inside ``st.fragment(run_every=…)`` like the
wall; the filters rerun the whole page only when someone changes them.
"""

from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from board import formatting as fmt
from board import overview
from board.domain.access import Page
from board.domain.timeutil import utcnow
from board.i18n import LANGUAGE_NAMES, LANGUAGES, t
from board.web import access
from board.web import streamlit_support as sup
from board.web.overview_html import render_overview

lang = sup.language()
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.OVERVIEW, lang, settings)
sup.count_view("overview")
stations = {s.code: s for s in settings.stations}
municipalities = sorted({s.municipality for s in settings.stations})

left, right = st.columns([5, 1])
left.title(t("ov.title", lang), anchor=False)
chosen = right.selectbox(t("home.language", lang), LANGUAGES, index=LANGUAGES.index(lang), key="lang_select",
                         format_func=LANGUAGE_NAMES.get)
if chosen != lang:
    st.query_params["lang"] = chosen
    st.rerun()



def _from_url(name: str, allowed: list[str]) -> list[str]:
    """The URL's values for ``name`` that are valid choices (a stale bookmark must not break the page)."""
    return [v for v in dict.fromkeys(st.query_params.get_all(name)) if v in allowed]


def _to_url(name: str) -> None:
    """Mirror a filter widget into the URL, so the view is a bookmark."""
    value = st.session_state[f"w_{name}"]
    if value in ([], None, "worst"):
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value


f1, f2, f3 = st.columns([3, 2, 2])
picked = f1.multiselect(t("ov.stations", lang), list(stations), default=_from_url("station", list(stations)),
                        key="w_station", on_change=_to_url, args=("station",),
                        format_func=lambda c: stations[c].name, placeholder=t("ov.all", lang))
picked_munis = f2.multiselect(t("ov.municipalities", lang), municipalities,
                              default=_from_url("municipality", municipalities), key="w_municipality",
                              on_change=_to_url, args=("municipality",), placeholder=t("ov.all", lang))
sort_options = ["worst", *overview.SORTABLE]
url_sort = _from_url("sort", sort_options)
sort = f3.selectbox(t("ov.sort", lang), sort_options, index=sort_options.index(url_sort[0]) if url_sort else 0,
                    key="w_sort", on_change=_to_url, args=("sort",),
                    format_func=lambda s: t("ov.sort.worst", lang) if s == "worst"
                    else t("ov.sort.by", lang, figure=t("ov.col." + s, lang)))
directions = overview.directions(settings)


@st.fragment(run_every=settings.board.wall.refresh_seconds)
def station_table() -> None:
    access.recheck(settings)  # a sign-out in another tab, or the sign-in limit, ends this tab too
    try:
        views = sup.all_station_views()
    except Exception as e:  # the store is down: say so, keep refreshing
        sup.store_down(e, lang)
        return
    now = views[0].now if views else utcnow()
    rows = overview.filter_rows(overview.overview_rows(views), picked, picked_munis)
    rows = overview.worst_first(rows) if sort == "worst" else overview.sort_by(rows, sort, directions)
    st.caption(t("ov.caption", lang, time=f"{fmt.fmt_date(now, lang)} {fmt.fmt_time(now, lang)}"))
    if not rows:
        st.info(t("ov.none", lang))
        return
    st.html(render_overview(rows, lang, lambda code: sup.next_opening(code, now)))


station_table()

st.subheader(t("ov.curves", lang), anchor=False)
curves_for = st.multiselect(t("ov.curves_help", lang), list(stations), default=_from_url("curve", list(stations)),
                            key="w_curve", on_change=_to_url, args=("curve",), format_func=lambda c: stations[c].name)


@st.cache_data(ttl=sup.VIEW_TTL_SECONDS, show_spinner=False)
def _curves(code: str) -> overview.DayCurves:
    s = sup.get_settings()
    return overview.day_curves(s, sup.get_store(s.database_url), code, utcnow())


def _chart(title: str, today: overview.Curve, before: overview.Curve) -> go.Figure:
    weekday = fmt.fmt_date(datetime.now(UTC), lang, weekday=True).split(" ")[0]
    fig = go.Figure()
    fig.add_scatter(x=[p[0] for p in before.points], y=[p[1] for p in before.points], mode="lines",
                    name=t("ov.last_week", lang, weekday=weekday), line={"color": "#8a94a3", "dash": "dash",
                                                                        "width": 2})
    fig.add_scatter(x=[p[0] for p in today.points], y=[p[1] for p in today.points], mode="lines",
                    name=t("ov.today", lang), line={"color": "#0b4f9c", "width": 3})
    fig.update_layout(title={"text": title}, height=300, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, xaxis={"title": t("ov.time", lang),
                                                                     "tickformat": "%H.%M"},
                      yaxis={"title": t("ov.count", lang), "rangemode": "tozero"})
    return fig


for code in curves_for:
    curves = _curves(code)
    name = stations[code].name
    c1, c2 = st.columns(2)
    c1.plotly_chart(_chart(t("ov.curve_queue", lang, station=name), curves.queue_today, curves.queue_last_week),
                    key=f"q-{code}")
    c2.plotly_chart(_chart(t("ov.curve_contacts", lang, station=name), curves.contacts_today,
                           curves.contacts_last_week), key=f"c-{code}")

# Links only to the pages this viewer's role may open (board/domain/access.py).
links = [(Page.WEEK, "pages/week.py", t("page.week", lang), ":material/date_range:"),
         (Page.NOTICES, "pages/notices.py", t("page.notices", lang), ":material/campaign:"),
         (Page.SOURCES, "pages/sources.py", t("home.sources_link", lang), ":material/database:")]
links = [link for link in links if viewer.can(link[0])]
if links:
    for column, (_page, path, label, icon) in zip(st.columns([1] * len(links) + [5 - len(links)]), links,
                                                  strict=False):
        column.page_link(path, label=label, icon=icon)
