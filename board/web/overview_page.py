"""The overview page's parts: the language choice, filters that live in the URL, the table, today's curves
and the other pages are in the header (``board/web/nav.py``).

Filters for areas, stations and municipalities live in the URL
(``?area=kainuu&station=kajaani&station=paltamo&municipality=Kajaani&sort=queue_waiting&curve=kajaani``),
so "my stations" is a bookmark: the widgets start from the URL and write back
to it when changed. The table refreshes itself inside
``st.fragment(run_every=…)`` like the wall; the filters rerun the whole page
only when someone changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from board import formatting as fmt
from board.domain.access import Viewer
from board.domain.timeutil import local_date, utcnow
from board.gc_pause import cycles_paused
from board.i18n import t
from board.read import overview
from board.settings import Settings
from board.web import alerts_page
from board.web import chart_marks as marks
from board.web import streamlit_support as sup
from board.web.overview_html import render_overview

#: Today's curve and last week's.
TODAY, LAST_WEEK = "#0b4f9c", "#8a94a3"
#: The projection to closing: its median line and its band (Okabe-Ito vermilion, see-through).
PROJECTED, BAND = "#c0462b", "rgba(213, 94, 0, 0.18)"


@dataclass(frozen=True)
class Filters:
    stations: list[str]
    municipalities: list[str]
    sort: str  # "worst" or a figure code
    #: Wellbeing areas (``?area=``); empty: every area.
    areas: list[str] = field(default_factory=list)


def title(lang: str) -> None:
    """The page title (the language choice is in the header, board/web/nav.py)."""
    st.title(t("ov.title", lang), anchor=False)


def from_url(name: str, allowed: list[str]) -> list[str]:
    """The URL's values for ``name`` that are valid choices (a stale bookmark must not break the page), matched
    without regard to case (``?station=KAJAANI``, ``?municipality=kajaani``) and given as the choice is spelt."""
    spelt = {a.casefold(): a for a in allowed}
    return list(dict.fromkeys(spelt[v.strip().casefold()] for v in st.query_params.get_all(name)
                              if v.strip().casefold() in spelt))


def to_url(name: str) -> None:
    """Mirror a filter widget into the URL, so the view is a bookmark."""
    value = st.session_state[f"w_{name}"]
    if value in ([], None, "worst"):
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value


def filters(settings: Settings, lang: str) -> Filters:
    """Stations, municipalities and the order, from the URL and back to it; the area too when there are several
    (the stations and municipalities offered are then the chosen areas')."""
    areas = from_url("area", list(settings.areas))
    if len(settings.areas) > 1:
        areas = st.multiselect(t("ov.areas", lang), list(settings.areas), default=areas, key="w_area",
                               on_change=to_url, args=("area",), format_func=settings.areas.get,
                               placeholder=t("ov.all", lang), select_all=False)
    scope = [s for s in settings.stations if not areas or s.area in areas]
    names = {s.code: s.name for s in scope}
    municipalities = sorted({s.municipality for s in scope})
    f1, f2, f3 = st.columns([3, 2, 2])
    picked = f1.multiselect(t("ov.stations", lang), list(names), default=from_url("station", list(names)),
                            key="w_station", on_change=to_url, args=("station",), format_func=names.get,
                            placeholder=t("ov.all", lang), select_all=False)
    picked_munis = f2.multiselect(t("ov.municipalities", lang), municipalities,
                                  default=from_url("municipality", municipalities), key="w_municipality",
                                  on_change=to_url, args=("municipality",), placeholder=t("ov.all", lang),
                                  select_all=False)
    options = ["worst", *overview.SORTABLE]
    url_sort = from_url("sort", options)
    sort = f3.selectbox(t("ov.sort", lang), options, index=options.index(url_sort[0]) if url_sort else 0,
                        key="w_sort", on_change=to_url, args=("sort",),
                        format_func=lambda s: sort_label(s, lang))
    return Filters(picked, picked_munis, sort, areas)


def sort_label(sort: str, lang: str, caption: bool = False) -> str:
    """"Pahin tilanne ensin", or the figure with its tile, since two columns are both "vanhin":
    "Takaisinsoitot: vanhin (huonoin ensin)". The caption says the order actually chosen."""
    if sort == "worst":
        return t("ov.order_worst" if caption else "ov.sort.worst", lang)
    family = next(fam for fam, codes in overview.COLUMNS.items() if sort in codes)
    return t("ov.sort.by", lang, family=t("family." + family.value, lang), figure=t("ov.col." + sort, lang))


def station_table(chosen: Filters, directions: dict[str, str], lang: str, viewer: Viewer) -> None:
    """Every chosen station's row, worst first (or by the chosen figure), with the time it shows; under it a
    button for each of their firing alerts nobody has acknowledged yet (for shift leads and administrators)."""
    try:
        views = sup.all_station_views(tuple(sorted(chosen.areas)))
        firing = sup.firing_alerts()
    except Exception as e:  # the store is down: say so in words, the fragment tries again
        sup.store_down(e, lang)
        return
    now = views[0].now if views else utcnow()
    with cycles_paused():  # 900 rows and their cells: many small acyclic objects (board/gc_pause.py)
        rows = overview.filter_rows(overview.overview_rows(views, firing), chosen.stations, chosen.municipalities,
                                    chosen.areas)
        rows = (overview.worst_first(rows) if chosen.sort == "worst"
                else overview.sort_by(rows, chosen.sort, directions))
        html = render_overview(rows, lang, lambda code: sup.next_opening(code, now)) if rows else ""
    st.caption(t("ov.caption", lang, time=fmt.fmt_stamp(now, lang), order=sort_label(chosen.sort, lang, caption=True)))
    if not rows:
        st.info(t("ov.none", lang))
        return
    st.html(sup.AsIs(html))  # one line, no indentation: nothing to dedent or strip
    names = {r.code: r.view.station.name for r in rows}
    alerts_page.controls([a for r in rows for a in r.firing], names, viewer, lang, key="ov")


def curve_chart(title: str, today: overview.Curve, before: overview.Curve, lang: str,
                projected: tuple[tuple[datetime, float, float, float], ...] = ()) -> go.Figure:
    """Today's line over last week's same weekday (dashed), on today's clock; with ``projected``, where the
    queue is heading to closing: the median dotted and its 80 % band shaded."""
    weekday = fmt.fmt_weekday(datetime.now(UTC), lang)
    fig = go.Figure()
    fig.add_scatter(x=[p[0] for p in before.points], y=[p[1] for p in before.points], mode="lines",
                    name=t("ov.last_week", lang, weekday=weekday), line={"color": LAST_WEEK, "dash": "dash",
                                                                        "width": 2})
    fig.add_scatter(x=[p[0] for p in today.points], y=[p[1] for p in today.points], mode="lines",
                    name=t("ov.today", lang), line={"color": TODAY, "width": 3})
    if projected:
        _projection_band(fig, projected, lang)
    fig.update_layout(title={"text": title}, height=300, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, xaxis={"title": t("ov.time", lang),
                                                                     "tickformat": "%H.%M"},
                      yaxis={"title": t("ov.count", lang), "rangemode": "tozero"})
    return fig


def _projection_band(fig: go.Figure, projected: tuple[tuple[datetime, float, float, float], ...], lang: str) -> None:
    """The 10th-90th percentile band (shaded, one legend entry) and the median (dotted) from now to closing."""
    x = [p[0] for p in projected]
    fig.add_scatter(x=x, y=[p[3] for p in projected], mode="lines", line={"width": 0, "color": PROJECTED},
                    hoverinfo="skip", showlegend=False, legendgroup="band", name=t("ov.curve_band", lang))
    fig.add_scatter(x=x, y=[p[1] for p in projected], mode="lines", line={"width": 0, "color": PROJECTED},
                    fill="tonexty", fillcolor=BAND, name=t("ov.curve_band", lang), legendgroup="band",
                    customdata=[p[3] for p in projected],
                    hovertemplate="%{y:.0f}–%{customdata:.0f}<extra></extra>")
    fig.add_scatter(x=x, y=[p[2] for p in projected], mode="lines", name=t("ov.curve_projected", lang),
                    line={"color": PROJECTED, "width": 3, "dash": "dot"})


def curves(settings: Settings, lang: str) -> None:
    """Today's curves on demand, for the stations chosen under the table (also in the URL)."""
    names = {s.code: s.name for s in settings.stations}
    st.subheader(t("ov.curves", lang), anchor=False)
    chosen = st.multiselect(t("ov.curves_help", lang), list(names), default=from_url("curve", list(names)),
                            key="w_curve", on_change=to_url, args=("curve",), format_func=names.get,
                            placeholder=t("ov.curves_none", lang), select_all=False)
    today = local_date(utcnow())
    for code in chosen:
        day = sup.day_curves(code)
        notes = sup.chart_notes(today, today, (code,))  # today's notes on this station and on every station
        numbers = marks.numbering(notes)
        c1, c2 = st.columns(2)
        c1.plotly_chart(marks.on_curve(curve_chart(t("ov.curve_queue", lang, station=names[code]), day.queue_today,
                                                   day.queue_last_week, lang, day.queue_projected), notes, numbers),
                        key=f"q-{code}")
        c2.plotly_chart(marks.on_curve(curve_chart(t("ov.curve_contacts", lang, station=names[code]),
                                                   day.contacts_today, day.contacts_last_week, lang), notes, numbers),
                        key=f"c-{code}")
        if notes:
            st.html(marks.legend_html(notes, numbers, names, lang, areas=settings.areas))
