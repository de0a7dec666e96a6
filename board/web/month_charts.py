"""Plotly charts of the monthly view, drawn as the weekly view's (``board.web.week_charts``: its look, colours,
target lines and numbers written on the bars), over a month's days and against the month before.

Days are labelled ``1.11.`` (a month's 28-31 columns have no room for weekdays); weekends are the lighter
bars' background, so a week's rhythm shows. The stations' bars compare the month with the month before.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from board.i18n import t
from board.read.period import ALL, PeriodReport
from board.web.week_charts import Bars, _layout, channel_bars, compared_bars, omasote_lines


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
    fig = channel_bars(labels, labels, lambda figure: [entry.days[d].get(figure) for d in days(rep)], lang)
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_yaxes(title_text=t("week.axis.contacts", lang), rangemode="tozero")
    _weekends(fig, rep)
    return _layout(fig, t("week.chart.contacts", lang, scope=_scope_name(rep, lang)), height)


def omasote_by_day(rep: PeriodReport, lang: str = "fi", height: int = 380) -> go.Figure:
    """Received and answered messages per day as bars, unanswered at the end of each day as a line."""
    labels, entry = day_labels(rep), rep.total
    fig = omasote_lines(labels, labels, lambda figure: [entry.days[d].get(figure) for d in days(rep)], lang,
                        written=False)
    _weekends(fig, rep)
    return _layout(fig, t("week.chart.omasote", lang, scope=_scope_name(rep, lang)), height)


def by_station(rep: PeriodReport, figure: str, lang: str = "fi", height: int | None = None) -> go.Figure:
    """Horizontal bars per station: this month (value written), the month before lighter, the target dashed."""
    rows = rep.rows
    names = [f"<b>{t('week.all_selected', lang)}</b>" if r.code == ALL else r.name for r in rows][::-1]
    now = [r.figures.get(figure) for r in rows][::-1]
    before = [r.compared[0].get(figure) if r.compared else None for r in rows][::-1]
    fig = compared_bars(names, Bars(before, t("month.previous_month", lang), t("month.previous_month", lang)),
                        Bars(now, t("month.this_month", lang), t("month.this_month", lang)), figure,
                        rep.targets.get(figure), lang)
    return _layout(fig, t(f"week.chart.{figure}", lang), height or 140 + 50 * len(rows),
                   subtitle=t(f"week.axis.{figure}", lang))
