"""The wall display as one HTML fragment (header + four tiles).

Rendered as a single element so that each refresh swaps the whole board at
once: no tile-by-tile flicker, no half-updated screen. Every text that comes
from configuration or data is escaped. Each figure carries ``data-figure``
and ``data-value`` attributes so tests can read the exact numbers shown.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from board import formatting as fmt
from board.domain.metrics import Family
from board.domain.snapshot import Figure, Tile
from board.domain.status import Status
from board.domain.timeutil import day_bounds, local_date
from board.formatting import format_figure
from board.i18n import t
from board.views import StationView
from board.web.icons import data_uri, status_icon

#: Badge colours per status: (background, text and icon).
BADGE = {
    Status.OK: ("#18794a", "#ffffff"),
    Status.WARN: ("#f5b301", "#111111"),
    Status.ALERT: ("#c62828", "#ffffff"),
}
GREY = ("#4a5565", "#ffffff")
#: Colour of a figure's own warning mark on the dark tile.
MARK = {Status.WARN: "#f5b301", Status.ALERT: "#ff6b6b"}
TILE_BG = "#17212f"


def badge_icon(status: Status) -> str:
    bg, fg = BADGE.get(status, GREY)
    return status_icon(status, fill=fg, mark=bg)



def render_wall(view: StationView, lang: str = "fi", next_opening: datetime | None = None) -> str:
    """The whole wall board for one station."""
    now = view.now
    name = escape(view.station.name)
    closed = ""
    if not view.is_open:
        when = ""
        if next_opening is not None:
            weekday = fmt.fmt_date(next_opening, lang, weekday=True).split(" ")[0]
            when = escape(t("wall.opens", lang, when=f"{weekday} {fmt.fmt_time(next_opening, lang)}"))
        else:
            when = escape(t("status.closed", lang))
        closed = (f'<div class="closed-banner" data-closed="true">{badge_icon(Status.CLOSED)}'
                  f'<span>{when}</span></div>')
    tiles = "".join(render_tile(tile, view, lang) for tile in view.tiles)
    return (
        f'<div class="wall" data-station="{escape(view.station.code)}" data-lang="{lang}">'
        f'<header class="wall-head"><h1>{name}</h1>{closed}'
        f'<div class="clock"><span class="date">{escape(fmt.fmt_date(now, lang, weekday=True))}</span>'
        f'<span class="time" data-now="{now.isoformat()}">{escape(fmt.fmt_clock(now, lang))}</span></div></header>'
        f'<main class="tiles">{tiles}</main></div>'
    )


def render_tile(tile: Tile, view: StationView, lang: str) -> str:
    status = tile.status
    badge = (f'<span class="badge">{badge_icon(status)}'
             f'<span class="word">{escape(t("status." + status.value, lang))}</span></span>')
    title = escape(t(f"family.{tile.family.value}", lang))
    head = tile.headline
    if tile.stale:
        last = escape(fmt.fmt_time(tile.updated_at, lang)) if tile.updated_at else "–"
        last_value = ("" if head.value is None else
                      escape(t("wall.stale_value", lang, value=format_figure(head.code, head.value))))
        body = (f'<div class="headline stale-main"><span class="value" data-figure="{head.code}" data-value="">–</span>'
                f'<span class="label">{last_value}</span></div>')
        note = escape(t("wall.stale", lang, time=last))
        footer = f'<div class="tile-foot"><span class="fresh stale-note">{note}</span></div>'
        figures = ""
    elif status is Status.NO_DATA:
        body = f'<div class="headline"><span class="value" data-figure="{head.code}" data-value="">–</span></div>'
        figures = ""
        footer = f'<div class="tile-foot"><span class="fresh">{escape(t("wall.no_data", lang))}</span></div>'
    else:
        note = ""
        if tile.family is Family.FEEDBACK and head.value is not None and head.status is Status.NEUTRAL:
            note = f'<span class="note">{escape(t("wall.few_answers", lang))}</span>'
        body = (f'<div class="headline"><span class="value" data-figure="{head.code}" data-value="{_raw(head.value)}">'
                f'{escape(format_figure(head.code, head.value))}</span>'
                f'<span class="label">{escape(t("fig." + head.code, lang))}{note}</span></div>')
        marks = status is not Status.CLOSED  # closed is never red, not even in a corner
        figures = '<dl class="figures">' + "".join(_figure(f, lang, marks) for f in tile.figures) + "</dl>"
        fresh = escape(t("wall.updated", lang, time=fmt.fmt_time(tile.updated_at, lang))) if tile.updated_at else ""
        footer = f'<div class="tile-foot">{_sparkline(tile, view, lang)}<span class="fresh">{fresh}</span></div>'
    return (
        f'<section class="tile status-{status.value}{" is-stale" if tile.stale else ""} '
        f'family-{tile.family.value}" data-family="{tile.family.value}" '
        f'data-status="{status.value}"><header><h2>{title}</h2>{badge}</header>{body}{figures}{footer}</section>'
    )


def _figure(f: Figure, lang: str, marks: bool = True) -> str:
    mark = ""
    if marks and f.status in (Status.WARN, Status.ALERT):
        mark = f'<span class="mark mark-{f.status.value}" title="{escape(t("status." + f.status.value, lang))}">' \
               f'{status_icon(f.status, fill=MARK[f.status], mark=TILE_BG)}</span>'
    target = ""
    if f.target is not None and f.code.endswith("_share"):
        target = f'<span class="target">{escape(t("wall.target", lang, value=format_figure(f.code, f.target)))}</span>'
    return (
        f'<div class="fig fig-{f.status.value}"><dd data-figure="{f.code}" data-value="{_raw(f.value)}">{mark}'
        f'{escape(format_figure(f.code, f.value))}</dd><dt>{escape(t("fig." + f.code, lang))}{target}</dt></div>'
    )


def _raw(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _sparkline(tile: Tile, view: StationView, lang: str) -> str:
    """Today's headline as a small line over the whole local day (00-24)."""
    if len(tile.trend) < 2:
        return '<span class="spark"></span>'
    start, end = view.trend_window or day_bounds(local_date(view.now))
    span = (end - start).total_seconds()
    values = [v for _, v in tile.trend]
    lo, hi = min(0.0, min(values)), max(values)
    rng = (hi - lo) or 1.0
    pts = " ".join(
        f"{1000 * (ts - start).total_seconds() / span:.1f},{96 - 90 * (v - lo) / rng:.1f}" for ts, v in tile.trend
    )
    now_x = min(1000.0, 1000 * (view.now - start).total_seconds() / span)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 100" preserveAspectRatio="none">'
        f'<line x1="{now_x:.1f}" x2="{now_x:.1f}" y1="0" y2="100" stroke="#c3ccd6" stroke-width="1" '
        'stroke-dasharray="3 4" vector-effect="non-scaling-stroke"/>'
        f'<polyline points="{pts}" fill="none" stroke="#f4f6f8" stroke-width="2.5" '
        'vector-effect="non-scaling-stroke" stroke-linejoin="round"/></svg>'
    )
    return f'<img class="spark" src="{data_uri(svg)}" alt="{escape(t("wall.trend", lang))}">'


def render_unavailable(station_name: str, now: datetime, lang: str, refresh_seconds: int) -> str:
    """Shown instead of the tiles when the store cannot be read: no numbers, a plain reason."""
    return (
        f'<div class="wall" data-unavailable="true"><header class="wall-head"><h1>{escape(station_name)}</h1>'
        f'<div class="clock"><span class="date">{escape(fmt.fmt_date(now, lang, weekday=True))}</span>'
        f'<span class="time">{escape(fmt.fmt_clock(now, lang))}</span></div></header>'
        f'<main class="unavailable">{badge_icon(Status.NO_DATA)}'
        f'<p>{escape(t("wall.store_down", lang, seconds=refresh_seconds))}</p></main></div>'
    )


def render_station_picker(stations: list, lang: str, unknown: str | None = None) -> str:  # type: ignore[type-arg]
    """Shown on /wall without a valid ?station=: big links, one per station."""
    msg = t("wall.unknown_station", lang, code=unknown) if unknown else t("wall.choose_station", lang)
    links = "".join(
        f'<li><a href="?station={escape(s.code)}&lang={lang}" target="_self">{escape(s.name)}</a></li>'
        for s in stations
    )
    return f'<div class="wall picker"><h1>{escape(msg)}</h1><ul class="station-links">{links}</ul></div>'
