"""The wall display as one HTML fragment (header + four tiles).

Rendered as a single element so that each refresh swaps the whole board at
once: no tile-by-tile flicker, no half-updated screen. Every text that comes
from configuration or data is escaped. Each figure carries ``data-figure``
and ``data-value`` attributes so tests can read the exact numbers shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from board import formatting as fmt
from board.domain.figures import Family, unit_of
from board.domain.manual import ManualEntry, entry_behind
from board.domain.notice import Notice
from board.domain.snapshot import Figure, Tile
from board.domain.status import Status
from board.domain.timeutil import day_bounds, local_date
from board.formatting import format_figure
from board.i18n import t
from board.read.wall import StationView, Trend
from board.web import palette
from board.web.icons import NOTICE_ICON, data_uri, status_icon
from board.web.kiosk import Spot

#: At most this many notices on the wall at once (newest first): two long ones still leave room for the tiles.
MAX_WALL_NOTICES = 2


def badge_icon(status: Status) -> str:
    look = palette.badge(status)
    return status_icon(status, fill=look.ink, mark=look.fill)


def render_wall(view: StationView, lang: str = "fi", next_opening: datetime | None = None,
                spot: Spot | None = None, skipped: Sequence[str] = (), refresh_seconds: int = 15,
                version: str = "", lines: Mapping[Family, SparkLine] | None = None,
                rerun: tuple[str, str] | None = None) -> str:
    """The whole wall board for one station; ``spot`` when a kiosk rotates, ``skipped`` unknown codes in its URL;
    ``version`` the station's change version it was drawn from (the page shell asks for a new board when the
    server's moves on, board/web/changes.py); ``lines`` the sparklines' polylines drawn ahead (:func:`spark_line`;
    the web server draws them once per trend read, not per screen); ``rerun`` the Streamlit fragment and page
    the board is drawn in (``data-fragment``, ``data-page``: what the page shell asks to rerun when the version
    moves, pages/wall.py)."""
    now = view.now
    name = escape(view.station.name)
    closed = ""
    if not view.is_open:
        words = [w for w in (fmt.fmt_closed_day(view.closed_day, lang),
                             t("wall.opens", lang, when=fmt.fmt_opening(next_opening, lang)) if next_opening else "")
                 if w] or [t("status.closed", lang)]
        why = f' data-closed-day="{view.closed_day.kind}"' if view.closed_day else ""
        closed = (f'<div class="closed-banner" data-closed="true"{why}>{badge_icon(Status.CLOSED)}'
                  f'<span class="closed-text{" two" if len(words) > 1 else ""}">'
                  f'{"".join(f"<span>{escape(w)}</span>" for w in words)}</span></div>')
    tiles = "".join(render_tile(tile, view, lang, (lines or {}).get(tile.family)) for tile in view.tiles)
    notices = render_notices(view.notices, lang)
    return (
        f'<div class="wall{" has-notices" if notices else ""}" data-station="{escape(view.station.code)}" '
        f'data-lang="{lang}" data-notices="{min(len(view.notices), MAX_WALL_NOTICES)}" '
        + (f'data-version="{escape(version)}" ' if version else "")
        + (f'data-fragment="{escape(rerun[0])}" data-page="{escape(rerun[1])}" ' if rerun else "")
        + f'{_watch(now, lang, refresh_seconds)}>'
        f'<header class="wall-head">'
        f'<div class="head-main">{_title(name, render_kiosk(spot, skipped, lang))}{closed}</div>'
        f'<div class="clock"><span class="date">{escape(fmt.fmt_date(now, lang, weekday=True))}</span>'
        f'<span class="time" data-now="{now.isoformat()}">{escape(fmt.fmt_clock(now, lang))}</span></div></header>'
        f'{notices}<main class="tiles">{tiles}</main></div>'
    )


def _watch(now: datetime, lang: str, refresh_seconds: int) -> str:
    """What the page shell's wall watcher needs (board/web/shell/shell.js): the server's time of this board, the
    refresh period, and the texts it shows when no new board comes (``{time}`` is filled in by the browser)."""
    return (f'data-now="{now.isoformat()}" data-refresh="{int(refresh_seconds)}" '
            f'data-offline="{escape(t("wall.offline", lang))}" data-frozen="{escape(t("wall.frozen", lang))}"')


def _title(name: str, kiosk: str) -> str:
    """The station's name; on a rotating wall with the small kiosk line under it (the header row has no room)."""
    return f'<div class="wall-title"><h1>{name}</h1>{kiosk}</div>' if kiosk else f"<h1>{name}</h1>"


def render_notices(notices: Sequence[Notice], lang: str) -> str:
    """The notice banner: plain text, escaped (never HTML or markdown), newest first; empty without notices."""
    if not notices:
        return ""
    shown = list(notices[:MAX_WALL_NOTICES])
    hidden = len(notices) - len(shown)
    # "+N more" runs on at the end of the last notice: a line of its own would take height from the tiles.
    more = (f'<span class="notice-more"> · {escape(t("notices.wall_more", lang, n=hidden))}</span>'
            if hidden else "")
    items = "".join(
        f'<li class="notice" data-notice="{n.id}"><img class="notice-icon" src="{NOTICE_ICON}" alt="" '
        f'aria-hidden="true"><span class="notice-text">{escape(n.text)}{more if n is shown[-1] else ""}</span></li>'
        for n in shown
    )
    label = escape(t("notices.wall_label", lang))
    return f'<ul class="notices" aria-label="{label}" data-count="{len(notices)}">{items}</ul>'


def render_kiosk(spot: Spot | None, skipped: Sequence[str], lang: str) -> str:
    """The small "2/3 · seuraavaksi Sotkamo" line of a rotating wall, and the codes its URL got wrong."""
    parts = []
    if spot is not None and spot.total > 1:
        text = t("kiosk.position", lang, position=spot.position, total=spot.total, next=spot.next_name)
        parts.append(f'<span class="kiosk-pos" data-position="{spot.position}" data-total="{spot.total}">'
                     f"{escape(text)}</span>")
    if skipped:
        parts.append(f'<span class="kiosk-skipped">{escape(t("kiosk.skipped", lang, codes=", ".join(skipped)))}</span>')
    return f'<div class="kiosk">{" · ".join(parts)}</div>' if parts else ""


def render_tile(tile: Tile, view: StationView, lang: str, line: SparkLine | None = None) -> str:
    status = tile.status
    untracked = status is Status.NO_DATA and view.not_tracked(tile)  # no source meant to deliver it: no fault
    word = t("status.not_tracked" if untracked else "status." + status.value, lang)
    # A tile none of whose figures has limits (contacts as shipped) is never judged: no badge at all, a grey
    # "Ei arviota" read from 4 m as a fault. "Ei arviota" stays where limits exist but could not be applied.
    unjudged = status is Status.NEUTRAL and not tile.judged
    badge = "" if unjudged else \
        f'<span class="badge">{badge_icon(status)}<span class="word">{escape(word)}</span></span>'
    title = escape(t(f"family.{tile.family.value}", lang))
    head = tile.headline
    if tile.stale:
        last = escape(fmt.fmt_last(tile.updated_at, view.now, lang)) if tile.updated_at else "–"
        last_value = ("" if head.value is None else
                      escape(t("wall.stale_value", lang, value=format_figure(head.code, head.value, lang))))
        body = (f'<div class="headline stale-main"><span class="value" data-figure="{head.code}" data-value="">–</span>'
                f'<span class="label">{last_value}</span></div>')
        note = escape(t("wall.stale", lang, time=last))
        footer = f'<div class="tile-foot"><span class="fresh stale-note">{note}</span></div>'
        figures = ""
    elif status is Status.NO_DATA:
        body = f'<div class="headline"><span class="value" data-figure="{head.code}" data-value="">–</span></div>'
        figures = ""
        why = t("wall.not_tracked" if untracked else "wall.no_data", lang)
        footer = f'<div class="tile-foot"><span class="fresh">{escape(why)}</span></div>'
    else:
        note = ""
        if head.few:  # limits, but too few answers today to judge: said, not left as a bare number
            note = f'<span class="note">{escape(fmt.fmt_few(head.code, lang))}</span>'
        label = escape(t("fig." + head.code, lang))
        mark = manual_mark(entry_behind(head.code, view.manual), lang)
        if mark:  # on the label's own line: a line more under the big number would push the figures out
            label = f'<span class="label-line">{label} · {mark}</span>'
        shown = format_figure(head.code, head.value, lang)
        # The queue's projection stands beside the big number, under "odottaa nyt" (queue now, queue at closing),
        # its last line on the number's baseline: on a line of its own under the headline it took the height the
        # tile's trend needed (17 px left of 53 at 1920x1080).
        projection = (render_projection(view, lang, len(shown))
                      if tile.family is Family.QUEUE and status is not Status.CLOSED else "")
        body = (f'<div class="headline"><span class="value" data-figure="{head.code}" data-value="{_raw(head.value)}">'
                f'{escape(shown)}</span>'
                f'<span class="label{" with-projection" if projection else ""}">{label}{note}{projection}</span></div>')
        marks = status is not Status.CLOSED  # closed is never red, not even in a corner
        figures = ('<dl class="figures">' + "".join(_figure(f, lang, marks, _behind(f, view)) for f in tile.figures)
                   + "</dl>")
        fresh = escape(t("wall.updated", lang, time=fmt.fmt_time(tile.updated_at, lang))) if tile.updated_at else ""
        footer = f'<div class="tile-foot">{_sparkline(tile, view, lang, line)}<span class="fresh">{fresh}</span></div>'
    tracked_attr = (' data-tracked="false"' if untracked else "") + (' data-judged="false"' if unjudged else "")
    return (
        f'<section class="tile status-{status.value}{" is-stale" if tile.stale else ""}{_has_manual(tile, view)} '
        f'family-{tile.family.value}" data-family="{tile.family.value}" '
        f'data-status="{status.value}"{tracked_attr}><header><h2>{title}</h2>{badge}</header>{body}{figures}{footer}</section>'
    )


def _behind(f: Figure, view: StationView) -> ManualEntry | None:
    """The entry behind a shown figure (none under a dash: a share half typed is unknown, not typed)."""
    return entry_behind(f.code, view.manual) if f.value is not None else None


def _has_manual(tile: Tile, view: StationView) -> str:
    """`` has-manual`` on a tile showing a figure typed by hand (a test and a screen reader can find it)."""
    codes = (tile.headline.code, *(f.code for f in tile.figures))
    return " has-manual" if any(entry_behind(c, view.manual) for c in codes) else ""


def render_projection(view: StationView, lang: str, number_chars: int = 0) -> str:
    """ "ennuste klo 16: 12 jonossa (8–15)" beside the queue (``number_chars``: the big number's characters, whose
    width the line leaves free); colour, icon and word when it breaks a limit."""
    p = view.projection
    if p is None or p.queue is None or p.closes_at is None:
        return ""
    status = view.projection_status
    text = t("wall.projection", lang, time=fmt.fmt_closing(p.closes_at, lang), queue=fmt.fmt_int(p.queue))
    band = f" ({fmt.fmt_int(p.queue_low)}–{fmt.fmt_int(p.queue_high)})" if p.queue_low != p.queue_high else ""
    flag = ""
    if status in (Status.WARN, Status.ALERT):
        icon = status_icon(status, fill=palette.MARK[status], mark=palette.TILE)
        word = escape(t("status." + status.value, lang))
        flag = f'<span class="mark mark-{status.value}">{icon}</span><span class="word">{word}</span>'
    # Its characters (the flag's word and icon as three more) and the big number's let the CSS shrink it to two
    # lines of the width beside the number when it is long ("ennuste vuorokauden lopussa: 12 345 jonossa
    # (12 340–12 349)" beside "12 345": 20 px at 1920x1080, on one line it was 9.6).
    chars = len(text + band) + (len(t("status." + status.value, lang)) + 3 if flag else 0)
    return (f'<span class="projection proj-{status.value}" data-projection="{_raw(p.queue)}" '
            f'data-low="{_raw(p.queue_low)}" data-high="{_raw(p.queue_high)}" data-status="{status.value}" '
            f'style="--chars: {chars}; --num: {number_chars}">{flag}'
            f'<span class="proj-text">{escape(text + band)}</span></span>')


def manual_mark(entry: ManualEntry | None, lang: str, short: bool = False) -> str:
    """ "käsin syötetty klo 10.40" under a big number typed by hand (board.domain.manual); ``short``: "käsin klo
    10.40" beside a small figure's value (a line under it would push the tile's second row out of a 1366×768
    screen). Empty for a source's figure."""
    if entry is None:
        return ""
    when = fmt.fmt_time(entry.entered_at, lang)
    text = t("manual.overview_mark" if short else "manual.wall_mark", lang, time=when)
    title = f' title="{escape(t("manual.wall_mark", lang, time=when))}"' if short else ""
    return (f'<span class="manual-mark{" short" if short else ""}" data-manual="{escape(entry.metric)}" '
            f'data-entered="{entry.entered_at.isoformat()}"{title}>{escape(text)}</span>')


def _figure(f: Figure, lang: str, marks: bool = True, manual: ManualEntry | None = None) -> str:
    mark = ""
    if marks and f.status in (Status.WARN, Status.ALERT):
        mark = f'<span class="mark mark-{f.status.value}" title="{escape(t("status." + f.status.value, lang))}">' \
               f'{status_icon(f.status, fill=palette.MARK[f.status], mark=palette.TILE)}</span>'
    # Under the label, on a line of its own: "tähän asti" for a share that can still fall today, and a share's
    # target ("tähän asti · tavoite 100 %"); on the label's line "samana päivänä tähän asti" ran past the tile.
    under = [escape(t("wall.so_far", lang))] if f.so_far else []
    if f.few:
        # Too small a sample today to judge (1 of 1 handled is not "100 %"): said in place of the target, so a
        # bare "0 %" is not read as judged (the NPS says "vähän vastauksia" the same way). In place of, not
        # beside: a third part ran the line, and a line more the tile, past its edge at the widest values.
        under.append(f'<span class="few" data-few="{f.code}">{escape(fmt.fmt_few(f.code, lang))}'
                     '</span>')
    elif f.target is not None and unit_of(f.code) == "share":  # a share's target is shown on the tile
        under.append(escape(t("wall.target", lang, value=format_figure(f.code, f.target, lang))))
    target = f'<span class="target">{" · ".join(under)}</span>' if under else ""
    return (
        f'<div class="fig fig-{f.status.value}"><dd data-figure="{f.code}" data-value="{_raw(f.value)}">{mark}'
        f'{escape(format_figure(f.code, f.value, lang))}{manual_mark(manual, lang, short=True)}</dd>'
        f'<dt>{escape(t(f"fig.{f.code}", lang))}{target}</dt></div>'
    )


def _raw(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


@dataclass(frozen=True)
class SparkLine:
    """A sparkline's polyline, drawn ahead (the costly part of a wall's HTML: hundreds of points a tile): valid for
    a tile whose trend has ``count`` points over ``window``."""

    window: tuple[datetime, datetime]
    count: int
    points: str


def spark_line(trend: Trend, window: tuple[datetime, datetime]) -> SparkLine:
    """``trend``'s polyline over ``window`` (x 0..1000 over the window, y 96..6 from 0 or the lowest value up)."""
    start, end = window
    span = (end - start).total_seconds()
    values = [v for _, v in trend] or [0.0]
    lo, hi = min(0.0, min(values)), max(values)
    rng = (hi - lo) or 1.0
    points = " ".join(
        f"{1000 * (ts - start).total_seconds() / span:.1f},{96 - 90 * (v - lo) / rng:.1f}" for ts, v in trend
    )
    return SparkLine(window, len(trend), points)


def _sparkline(tile: Tile, view: StationView, lang: str, drawn: SparkLine | None = None) -> str:
    """Today's headline as a small line over the trend window (``drawn``: its polyline drawn ahead, used when it
    fits this tile's trend and window, so the result is the same either way)."""
    if len(tile.trend) < 2:
        return '<span class="spark"></span>'
    window = view.trend_window or day_bounds(local_date(view.now))
    if drawn is None or drawn.window != window or drawn.count != len(tile.trend):
        drawn = spark_line(tile.trend, window)
    start, end = window
    span = (end - start).total_seconds()
    now_x = min(1000.0, 1000 * (view.now - start).total_seconds() / span)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 100" preserveAspectRatio="none">'
        f'<line x1="{now_x:.1f}" x2="{now_x:.1f}" y1="0" y2="100" stroke="#c3ccd6" stroke-width="1" '
        'stroke-dasharray="3 4" vector-effect="non-scaling-stroke"/>'
        f'<polyline points="{drawn.points}" fill="none" stroke="#f4f6f8" stroke-width="2.5" '
        'vector-effect="non-scaling-stroke" stroke-linejoin="round"/></svg>'
    )
    return f'<img class="spark" src="{data_uri(svg)}" alt="{escape(t("wall.trend", lang))}">'


def render_unavailable(station_name: str, now: datetime, lang: str, refresh_seconds: int) -> str:
    """Shown instead of the tiles when the store cannot be read: no numbers, a plain reason."""
    return (
        f'<div class="wall" data-unavailable="true" data-lang="{lang}" {_watch(now, lang, refresh_seconds)}>'
        f'<header class="wall-head"><h1>{escape(station_name)}</h1>'
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
