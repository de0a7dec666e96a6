"""Chart notes drawn on plotly charts: a numbered mark on the note's day (or time), the notes listed beneath.

A printed page has no hover, and a chart has no room for sentences: each
note is a small numbered flag at the top of its day's column (a dotted line
at its clock time on today's curves), and the same numbers are listed under
the charts with the day, the station and who wrote it. Everything a person
wrote is escaped, in the list and in plotly's texts (plotly renders a small
HTML subset, so ``<b>`` typed in a note would turn bold).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape

import plotly.graph_objects as go

from board.domain.chart_note import ChartNote
from board.i18n import t
from board.read.chart_notes import scope_name

MARK = "#6B4E9B"  # a purple of its own: not a figure's colour, not the target's red


def _plain(text: str) -> str:
    """Plotly renders a small HTML subset in texts: keep what a person wrote literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def on_days(fig: go.Figure, notes: Sequence[ChartNote], days: Sequence[date], labels: Sequence[str],
            numbers: dict[int, int]) -> go.Figure:
    """A numbered flag over each noted day of a chart whose x axis is ``labels`` (one per day of ``days``)."""
    by_day: dict[date, list[ChartNote]] = {}
    for note in notes:
        if note.day in days:
            by_day.setdefault(note.day, []).append(note)
    for day, found in by_day.items():
        label = labels[list(days).index(day)]
        # inside the plot's top edge, under the legend (above the plot it would sit on the legend's row)
        fig.add_vline(x=label, line_dash="dot", line_color=MARK, line_width=1, opacity=0.6)
        fig.add_annotation(x=label, y=1.0, yref="paper", yanchor="top", showarrow=False,
                           text=" ".join(f"<b>[{numbers[n.id]}]</b>" for n in found),
                           font={"color": MARK, "size": 13}, bgcolor="rgba(255,255,255,0.85)",
                           hovertext="<br>".join(_plain(f"[{numbers[n.id]}] {n.text} ({n.author})") for n in found))
    return fig


def on_curve(fig: go.Figure, notes: Sequence[ChartNote], numbers: dict[int, int]) -> go.Figure:
    """Today's notes on a curve over the day's clock: a dotted line at a note's time; whole-day notes as flags
    at the top left."""
    whole_day = [n for n in notes if n.clock is None]
    for note in notes:
        if note.clock is None:
            continue
        # the curves' x is the local time of day as a naive Helsinki datetime (board.read.overview.Curve)
        x = datetime.combine(note.day, note.clock)
        fig.add_vline(x=x, line_dash="dot", line_color=MARK, line_width=2)
        fig.add_annotation(x=x, y=1.0, yref="paper", yanchor="top",
                           showarrow=False, text=f"<b>[{numbers[note.id]}]</b>", font={"color": MARK, "size": 13},
                           hovertext=_plain(f"{note.text} ({note.author})"))
    if whole_day:
        fig.add_annotation(x=0, xref="paper", y=1.0, yref="paper", xanchor="left", yanchor="top",
                           showarrow=False, font={"color": MARK, "size": 13},
                           text=" ".join(f"<b>[{numbers[n.id]}]</b>" for n in whole_day),
                           hovertext="<br>".join(_plain(f"{n.text} ({n.author})") for n in whole_day))
    return fig


def numbering(notes: Sequence[ChartNote]) -> dict[int, int]:
    """Note id -> its number on this page (1, 2, ...), in the order of day and time."""
    return {n.id: i for i, n in enumerate(notes, start=1)}


def legend_html(notes: Sequence[ChartNote], numbers: dict[int, int], names: dict[str, str], lang: str,
                now: datetime | None = None, areas: dict[str, str] | None = None) -> str:
    """The numbered notes as a list under the charts: day (and time), station, text, who wrote it."""
    if not notes:
        return ""
    items = []
    for note in notes:
        when = f"{note.day.day}.{note.day.month}."
        if note.clock is not None:
            when += f" {t('notes.at', lang)} {note.clock.hour}.{note.clock.minute:02d}"
        where = scope_name(note, names, areas or {}, lang)
        items.append(f'<li data-note="{note.id}"><b>[{numbers[note.id]}]</b> {escape(when)} · {escape(where)}: '
                     f'{escape(note.text)} <span class="chart-note-author">({escape(note.author)})</span></li>')
    return (f'<div class="chart-notes" role="note"><p><b>{escape(t("notes.on_charts", lang))}</b></p>'
            f'<ul>{"".join(items)}</ul></div>')
