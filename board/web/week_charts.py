"""Plotly charts of the weekly view, drawn to be read without explanation.

Finnish titles and units, days as ``ma 16.11.``, decimal commas (plotly's
``separators``), every target as a dashed line with its value written next to
it, and the numbers written on the bars: a printed page has no hover. Colours
are the Okabe-Ito palette (safe for colour-blind readers); the remote
channels are blues and greens, the visit (not remote) a neutral grey.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import plotly.graph_objects as go

from board.export import compared_span, previous_label, station_name
from board.formatting import fmt_day, fmt_week_label, format_figure
from board.i18n import t
from board.read.week import ALL, StationWeek, WeekReport

CHANNEL_COLOURS = {"phone": "#0072B2", "omasote": "#009E73", "chat": "#56B4E9", "visit": "#8A8A8A"}
THIS_WEEK = "#0072B2"
PREVIOUS_WEEK = "#B9C7D8"
TARGET = "#B3261E"
HOVER = "%{customdata}: %{y:,.0f}<extra>%{fullData.name}</extra>"
FONT = "Segoe UI, Arial, Liberation Sans, DejaVu Sans, sans-serif"  # system fonts: measured right at first draw
#: The part of plotly's "plotly_white" look these 2-D charts use, as a template of its own. Naming
#: "plotly_white" makes plotly validate and copy its whole template (every trace type, 3-D scenes, maps) into
#: each figure and send it to the browser: ~20 ms of CPU per chart and ~6 kB of JSON, six charts a page.
TEMPLATE = go.layout.Template(
    layout={"font": {"color": "#2a3f5f"}, "hovermode": "closest", "hoverlabel": {"align": "left"},
            "paper_bgcolor": "white", "plot_bgcolor": "white", "title": {"x": 0.05},
            "shapedefaults": {"line": {"color": "#2a3f5f"}},
            "annotationdefaults": {"arrowcolor": "#2a3f5f", "arrowhead": 0, "arrowwidth": 1},
            **{axis: {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": "", "title": {"standoff": 15},
                      "zerolinecolor": "#EBF0F8", "automargin": True, "zerolinewidth": 2}
               for axis in ("xaxis", "yaxis")}},
    data={"bar": [go.Bar(marker={"line": {"color": "white", "width": 0.5}})]},
)


def _common_layout(title: str, height: int, legend: bool = True, subtitle: str | None = None) -> dict[str, Any]:
    """The layout every chart of the weekly view shares: title on top, the legend under it, the look."""
    top = 44 + (20 if subtitle else 0) + (48 if legend else 0)
    axis = {"gridcolor": "#e5e9ef", "zeroline": False, "automargin": True}
    return {
        # the title at the very top, the legend under it: room for a legend wrapping to two rows on paper
        "title": {"text": title, "x": 0, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
                  "pad": {"t": 6}, "font": {"size": 17},
                  **({"subtitle": {"text": subtitle, "font": {"size": 13, "color": "#52606d"}}} if subtitle else {})},
        "height": height, "margin": {"l": 8, "r": 16, "t": top, "b": 8},
        "separators": ", ", "font": {"family": FONT, "size": 14, "color": "#1f2933"},
        "plot_bgcolor": "white", "paper_bgcolor": "white", "showlegend": legend, "hoverlabel": {"font": {"size": 14}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        "bargap": 0.25, "template": TEMPLATE, "xaxis": axis, "yaxis": axis,
    }


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base`` as plotly's ``update_layout`` does: nested dicts key by key, the rest replaced."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _figure(data: list[dict[str, Any]], layout: dict[str, Any], title: str, height: int, legend: bool = True,
            subtitle: str | None = None) -> go.Figure:
    """A chart made in one step from its traces and layout as dicts, the shared look laid over them.

    Plotly validates a dict once, when the figure is made; each ``update_layout``/``update_xaxes``/``add_*``
    call on a made figure walks its property paths again (~4 ms each, ~17 ms for the shared look: six charts
    and ~20 such calls were ~0.15 s of a 900-station page, docs/PERFORMANCE.md 7b, session 11)."""
    return go.Figure(data=data, layout=_merged(layout, _common_layout(title, height, legend, subtitle)))


def _layout(fig: go.Figure, title: str, height: int, legend: bool = True, subtitle: str | None = None) -> go.Figure:
    """The shared look laid on a made figure (the monthly view's charts, which add to their figures)."""
    top = 44 + (20 if subtitle else 0) + (48 if legend else 0)
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 6}, "font": {"size": 17},
               **({"subtitle": {"text": subtitle, "font": {"size": 13, "color": "#52606d"}}} if subtitle else {})},
        height=height, margin={"l": 8, "r": 16, "t": top, "b": 8},
        separators=", ", font={"family": FONT, "size": 14, "color": "#1f2933"},
        plot_bgcolor="white", paper_bgcolor="white", showlegend=legend, hoverlabel={"font_size": 14},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left", "title": None},
        bargap=0.25, template=TEMPLATE,
    )
    fig.update_xaxes(gridcolor="#e5e9ef", zeroline=False, automargin=True)
    fig.update_yaxes(gridcolor="#e5e9ef", zeroline=False, automargin=True)
    return fig


def day_labels(report: WeekReport, lang: str) -> list[str]:
    """``ma<br>9.11.``: two short lines fit seven days side by side even on a printed half page."""
    return [f"{fmt_day(d, lang)}<br>{d.day}.{d.month}." for d in report.days]


def _label(entry: StationWeek, lang: str) -> str:
    """A station as charts name it: short (``Kajaani``), the selected stations together in bold words."""
    return station_name(entry, lang) if entry.code == ALL else entry.short


def _scope(report: WeekReport) -> StationWeek:
    """The days to draw: the selected stations together, or the one station."""
    return report.total if len(report.stations) > 1 else report.stations[0]


#: The values of one figure over the drawn days (None: no data that day).
DayValues = Callable[[str], list[float | None]]


def _channel_traces(labels: list[str], hover: list[str], values: DayValues, lang: str) -> list[dict[str, Any]]:
    """:func:`channel_bars`' traces as dicts (see :func:`_figure`)."""
    return [{"type": "bar", "x": labels, "y": values(f"contacts_{channel}"),
             "name": t(f"week.fig.contacts_{channel}", lang), "marker": {"color": colour}, "customdata": hover,
             "hovertemplate": HOVER}
            for channel, colour in CHANNEL_COLOURS.items()]


def channel_bars(labels: list[str], hover: list[str], values: DayValues, lang: str) -> go.Figure:
    """Each day's contacts stacked by channel, the remote channels blue and green and the visit grey: the weekly
    and monthly views' contacts chart (``hover`` names the days in the hover box)."""
    return go.Figure(data=_channel_traces(labels, hover, values, lang))


def _omasote_parts(labels: list[str], hover: list[str], values: DayValues, lang: str,
                   written: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """:func:`omasote_lines`' traces and layout as dicts (see :func:`_figure`)."""
    data: list[dict[str, Any]] = [
        {"type": "bar", "x": labels, "y": values(figure), "name": t(f"week.fig.{figure}", lang),
         "marker": {"color": colour}, "customdata": hover, "hovertemplate": HOVER}
        for figure, colour in (("omasote_received", "#56B4E9"), ("omasote_answered", "#009E73"))]
    unanswered = values("omasote_unanswered")
    text: dict[str, Any] = {}
    if written:
        text = {"text": [format_figure("omasote_unanswered", v, lang) for v in unanswered],
                "textposition": "top center",
                "textfont": {"color": "#A34400", "weight": "bold", "shadow": "0 0 3px white, 0 0 3px white"}}
    data.append({"type": "scatter", "x": labels, "y": unanswered, "name": t("week.fig.omasote_unanswered", lang),
                 "mode": "lines+markers+text" if written else "lines+markers",
                 "line": {"color": "#D55E00", "width": 3},
                 "marker": {"size": 9 if written else 7, "symbol": "diamond"},
                 **text, "customdata": hover, "hovertemplate": HOVER})
    layout = {"barmode": "group", "yaxis": {"title": {"text": t("week.axis.messages", lang)}, "rangemode": "tozero"}}
    return data, layout


def omasote_lines(labels: list[str], hover: list[str], values: DayValues, lang: str, written: bool) -> go.Figure:
    """Messages received and answered per day as bars, unanswered at the end of each day as a line: the weekly and
    monthly views' Omasote chart. ``written``: the unanswered count written at each point (seven days have room
    for it; a month's 28-31 do not)."""
    data, layout = _omasote_parts(labels, hover, values, lang, written)
    return go.Figure(data=data, layout=layout)


class Bars(NamedTuple):
    """One period's bars in a per-station chart: the values (top station last), the legend's name, the hover's."""

    values: list[float | None]
    name: str
    hover: str


def _compared_parts(names: list[str], before: Bars, now: Bars, figure: str, target: float | None,
                    lang: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """:func:`compared_bars`' traces and layout as dicts (see :func:`_figure`)."""
    share = figure.endswith("_share")
    scale = 100 if share else 1
    # the value written inside the bar's end (outside when the bar is too short), never shrunk
    data: list[dict[str, Any]] = [
        {"type": "bar", "y": names, "x": [v * scale if v is not None else None for v in bars.values],
         "orientation": "h", "name": bars.name, "marker": {"color": colour},
         "text": [format_figure(figure, v, lang) for v in bars.values], "textposition": "auto",
         "insidetextanchor": "end", "cliponaxis": False, "constraintext": "none", "textfont": {"size": 13},
         "insidetextfont": {"color": text_colour}, "outsidetextfont": {"color": "#1f2933"},
         "hovertemplate": "%{y}: %{text}<extra>" + bars.hover + "</extra>"}
        for bars, colour, text_colour in ((before, PREVIOUS_WEEK, "#33404d"), (now, THIS_WEEK, "white"))]
    known = [v * scale for v in now.values + before.values if v is not None]
    if target is not None:
        known.append(target * scale)
    low = min([0.0, *known])
    high = 100.0 if share else max([*known, 10.0]) * 1.12
    layout: dict[str, Any] = {
        "barmode": "group", "bargroupgap": 0.0, "bargap": 0.18,
        "xaxis": {"range": [low * 1.15 if low < 0 else 0, high * 1.04 if share else high],
                  "ticksuffix": "\u00a0%" if share else ""},
        "yaxis": {"gridcolor": "rgba(0,0,0,0)"}}
    if target is not None:
        layout["shapes"] = [{"type": "line", "x0": target * scale, "x1": target * scale, "xref": "x", "y0": 0, "y1": 1,
                             "yref": "y domain", "line": {"dash": "dash", "color": TARGET, "width": 2}}]
        # the dashed line explained in the legend, where a printed page's reader looks for it
        data.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines",
                     "line": {"color": TARGET, "dash": "dash", "width": 2},
                     "name": t("week.target", lang, value=format_figure(figure, target, lang)), "hoverinfo": "skip"})
    return data, layout


def compared_bars(names: list[str], before: Bars, now: Bars, figure: str, target: float | None,
                  lang: str) -> go.Figure:
    """Horizontal bars per station, this period against the one before (lighter), the value written on each bar
    and the target dashed: the weekly and monthly views' per-station chart, laid out by the caller."""
    data, layout = _compared_parts(names, before, now, figure, target, lang)
    return go.Figure(data=data, layout=layout)


def contacts_by_channel(report: WeekReport, lang: str = "fi", height: int = 380) -> go.Figure:
    """Stacked bars: each day's contacts by channel, the day's total written on top."""
    entry, labels = _scope(report), day_labels(report, lang)
    plain = [label.replace("<br>", " ") for label in labels]
    data = _channel_traces(labels, plain, lambda figure: [d.figures[figure] for d in entry.days], lang)
    totals = [d.figures["contacts_total"] for d in entry.days]
    data.append({"type": "scatter", "x": labels, "y": [v or 0 for v in totals], "mode": "text", "showlegend": False,
                 "hoverinfo": "skip", "text": [format_figure("contacts_total", v, lang) for v in totals],
                 "textposition": "top center", "textfont": {"size": 14, "color": "#1f2933"}})
    yaxis: dict[str, Any] = {"title": {"text": t("week.axis.contacts", lang)}, "rangemode": "tozero"}
    top = max((v for v in totals if v is not None), default=0)
    if top:
        yaxis["range"] = [0, top * 1.15]
    layout = {"barmode": "stack", "legend": {"traceorder": "normal"}, "yaxis": yaxis}
    return _figure(data, layout, t("week.chart.contacts", lang, scope=_label(entry, lang)), height)


def by_station(report: WeekReport, figure: str, lang: str = "fi", height: int | None = None,
               rows: list[StationWeek] | None = None) -> go.Figure:
    """Horizontal bars per station: this week (value written), the previous week lighter, the target dashed.

    ``rows``: other entries than the report's stations and their total, e.g. its areas and the total
    (:func:`board.web.week_support.chart_rows`); the subtitle then says the bars are areas."""
    by_area = rows is not None and any(r in report.areas for r in rows)
    rows = report.rows if rows is None else rows
    names = [f"<b>{station_name(r, lang)}</b>" if r.code == ALL else r.short
             for r in rows][::-1]  # first station on top, the selected stations together last
    now = [r.week[figure] for r in rows][::-1]
    before = [r.previous[figure] for r in rows][::-1]
    this_week, prev_week = report.week, report.week.previous()
    # an unfinished week's bars are compared with the previous week up to the same moment; the legend says so
    prev_hover = fmt_week_label(prev_week, lang) + (f" {compared_span(report, lang)}" if report.partial else "")
    data, layout = _compared_parts(
        names, Bars(before, previous_label(report, lang), prev_hover),
        Bars(now, t("week.period.week", lang, week=this_week.week), fmt_week_label(this_week, lang)),
        figure, report.target(figure), lang)
    height = height or 140 + 50 * len(rows)
    subtitle = t(f"week.axis.{figure}", lang) + (f" · {t('week.by_area', lang)}" if by_area else "")
    return _figure(data, layout, t(f"week.chart.{figure}", lang), height, subtitle=subtitle)


def queue_peaks(report: WeekReport, lang: str = "fi", height: int | None = None,
                top: int | None = None) -> go.Figure:
    """A table-like heatmap: stations x days, the day's queue peak written in each cell.

    ``top``: only the stations with the highest queue peaks of the week, highest first (of 900 stations'
    rows nobody finds the one that matters; the title says how many of how many are shown)."""
    rows = report.stations
    title = t("week.chart.queue_peak", lang)
    if top is not None and len(rows) > top:
        ranked = sorted(rows, key=lambda r: -(r.week["queue_peak"] if r.week["queue_peak"] is not None else -1))
        rows, title = ranked[:top], t("week.chart.queue_peak_top", lang, n=top, of=len(rows))
    labels = day_labels(report, lang)
    z = [[d.figures["queue_peak"] for d in r.days] for r in rows][::-1]
    text = [[format_figure("queue_peak", v, lang) for v in row] for row in z]
    data = [{"type": "heatmap", "z": z, "x": labels, "y": [r.short for r in rows][::-1], "text": text,
             "texttemplate": "%{text}", "textfont": {"size": 14}, "colorscale": [[0, "#F3F6FA"], [1, "#E69F00"]],
             "showscale": False, "xgap": 2, "ygap": 2, "hovertemplate": "%{y}, %{x}: %{text}<extra></extra>",
             "zmin": 0}]
    layout = {"xaxis": {"showgrid": False}, "yaxis": {"showgrid": False}}
    height = height or 140 + 40 * len(rows)
    return _figure(data, layout, title, height, legend=False, subtitle=t("week.axis.queue_peak", lang))


def omasote_by_day(report: WeekReport, lang: str = "fi", height: int = 380) -> go.Figure:
    """Received and answered messages per day as bars, unanswered at the end of each day as a line."""
    entry, labels = _scope(report), day_labels(report, lang)
    plain = [label.replace("<br>", " ") for label in labels]
    data, layout = _omasote_parts(labels, plain, lambda figure: [d.figures[figure] for d in entry.days], lang,
                                  written=True)
    return _figure(data, layout, t("week.chart.omasote", lang, scope=_label(entry, lang)), height)
