"""Plotly charts of the monthly view, drawn as the weekly view's (``board.web.week_charts``: its look, colours,
target lines and numbers written on the bars), over a month's days and against the month before.

Days are labelled ``1.11.`` (a month's 28-31 columns have no room for weekdays); weekends are the lighter
bars' background, so a week's rhythm shows. The stations' bars compare the month with the month before.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from board.formatting import format_figure
from board.i18n import t
from board.read.period import ALL, PeriodReport
from board.web.week_charts import CHANNEL_COLOURS, HOVER, PREVIOUS_WEEK, TARGET, THIS_WEEK, _layout


def day_labels(rep: PeriodReport) -> list[str]:
    return [f"{d.day}.{d.month}." for d in days(rep)]


def days(rep: PeriodReport) -> list[date]:
    return sorted(rep.total.days)


def _weekends(fig: go.Figure, rep: PeriodReport) -> None:
    """Saturdays and Sundays shaded lightly behind the bars."""
    labels = day_labels(rep)
    for i, d in enumerate(days(rep)):
        if d.weekday() >= 5:
            fig.add_vrect(x0=i - 0.5, x1=i + 0.5, fillcolor="#f1f3f6", line_width=0, layer="below")
    # 28-31 days side by side: upright labels would run into each other
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-90,
                     tickfont={"size": 11})


def _scope_name(rep: PeriodReport, lang: str) -> str:
    entry = rep.total
    return t("week.all_selected", lang) if entry.code == ALL else entry.name


def contacts_by_day(rep: PeriodReport, lang: str = "fi", height: int = 380) -> go.Figure:
    """Stacked bars: each day's contacts by channel (the selected stations together)."""
    labels, entry = day_labels(rep), rep.total
    fig = go.Figure()
    for channel, colour in CHANNEL_COLOURS.items():
        figure = f"contacts_{channel}"
        fig.add_bar(x=labels, y=[entry.days[d].get(figure) for d in days(rep)], name=t(f"week.fig.{figure}", lang),
                    marker_color=colour, customdata=labels, hovertemplate=HOVER)
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_yaxes(title_text=t("week.axis.contacts", lang), rangemode="tozero")
    _weekends(fig, rep)
    return _layout(fig, t("week.chart.contacts", lang, scope=_scope_name(rep, lang)), height)


def omasote_by_day(rep: PeriodReport, lang: str = "fi", height: int = 380) -> go.Figure:
    """Received and answered messages per day as bars, unanswered at the end of each day as a line."""
    labels, entry = day_labels(rep), rep.total
    fig = go.Figure()
    for figure, colour in (("omasote_received", "#56B4E9"), ("omasote_answered", "#009E73")):
        fig.add_bar(x=labels, y=[entry.days[d].get(figure) for d in days(rep)], name=t(f"week.fig.{figure}", lang),
                    marker_color=colour, customdata=labels, hovertemplate=HOVER)
    fig.add_scatter(x=labels, y=[entry.days[d].get("omasote_unanswered") for d in days(rep)],
                    name=t("week.fig.omasote_unanswered", lang), mode="lines+markers",
                    line={"color": "#D55E00", "width": 3}, marker={"size": 7, "symbol": "diamond"},
                    customdata=labels, hovertemplate=HOVER)
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=t("week.axis.messages", lang), rangemode="tozero")
    _weekends(fig, rep)
    return _layout(fig, t("week.chart.omasote", lang, scope=_scope_name(rep, lang)), height)


def by_station(rep: PeriodReport, figure: str, lang: str = "fi", height: int | None = None) -> go.Figure:
    """Horizontal bars per station: this month (value written), the month before lighter, the target dashed."""
    rows = rep.rows
    names = [f"<b>{t('week.all_selected', lang)}</b>" if r.code == ALL else r.name for r in rows][::-1]
    now = [r.figures.get(figure) for r in rows][::-1]
    before = [r.compared[0].get(figure) if r.compared else None for r in rows][::-1]
    share = figure.endswith("_share")
    scale = 100 if share else 1
    fig = go.Figure()
    for values, name, colour, text_colour in ((before, t("month.previous_month", lang), PREVIOUS_WEEK, "#33404d"),
                                              (now, t("month.this_month", lang), THIS_WEEK, "white")):
        fig.add_bar(y=names, x=[v * scale if v is not None else None for v in values], orientation="h", name=name,
                    marker_color=colour, text=[format_figure(figure, v, lang) for v in values], textposition="auto",
                    insidetextanchor="end", cliponaxis=False, constraintext="none", textfont={"size": 13},
                    insidetextfont={"color": text_colour}, outsidetextfont={"color": "#1f2933"},
                    hovertemplate="%{y}: %{text}<extra>" + name + "</extra>")
    fig.update_layout(barmode="group", bargroupgap=0.0, bargap=0.18)
    known = [v * scale for v in now + before if v is not None]
    target = rep.targets.get(figure)
    if target is not None:
        known.append(target * scale)
    low = min([0.0, *known])
    high = 100.0 if share else max([*known, 10.0]) * 1.12
    fig.update_xaxes(range=[low * 1.15 if low < 0 else 0, high * 1.04 if share else high],
                     ticksuffix="\u00a0%" if share else "")
    if target is not None:
        fig.add_vline(x=target * scale, line_dash="dash", line_color=TARGET, line_width=2)
        fig.add_scatter(x=[None], y=[None], mode="lines", line={"color": TARGET, "dash": "dash", "width": 2},
                        name=t("week.target", lang, value=format_figure(figure, target, lang)), hoverinfo="skip")
    fig.update_yaxes(gridcolor="rgba(0,0,0,0)")
    return _layout(fig, t(f"week.chart.{figure}", lang), height or 140 + 50 * len(rows),
                   subtitle=t(f"week.axis.{figure}", lang))
