"""The overview table: a compact row per station, every figure with its status, worst first.

Each row starts with the station's overall status (colour + icon + word) so
a shift lead scanning down the left edge finds the worst station first; each
judged figure carries its own small icon. Closed stations are greyed and say
when they open; their numbers are never coloured.

The queue expected at closing (the projection) is a column like the others,
with its band beside it and judged with the queue's own limits; where there
is none a dash says why (closed, too little history…) in a caption and a
tooltip. The alert column lists the station's firing alerts: what, since
when, and who acknowledged it (this page is signed in; a message never
names anyone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from html import escape

from board.domain.manual import ManualEntry, entry_behind
from board.domain.snapshot import Figure
from board.domain.status import Status
from board.formatting import fmt_closed_day, fmt_int, fmt_opening, fmt_time, format_figure
from board.i18n import t
from board.read.overview import COLUMNS, PROJECTED, OverviewRow
from board.web import alerts_html
from board.web.icons import status_icon
from board.web.palette import STATUS

_JUDGED = (Status.OK, Status.WARN, Status.ALERT)


@cache
def _icon(status: Status) -> str:
    """A status's icon (the same few strings on every one of 900 rows: drawn and encoded once)."""
    look = STATUS[status]
    return status_icon(status, look.fill, look.ink)


#: Every figure column in order, with whether it starts its tile's group.
_COLUMN_CELLS: tuple[tuple[str, bool], ...] = tuple((code, i == 0) for codes in COLUMNS.values()
                                                    for i, code in enumerate(codes))


class _Values:
    """A figure's value as a table shows it, escaped, kept per call: the 900 rows' ~9 000 values repeat (small
    counts, shares, dashes), and formatting and escaping each was a third of the table's CPU."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.shown: dict[tuple[str, float | None], str] = {}

    def __call__(self, code: str, value: float | None) -> str:
        key = (code, value)
        text = self.shown.get(key)
        if text is None:
            text = self.shown[key] = escape(format_figure(code, value, self.lang))
        return text


def render_overview(rows: Sequence[OverviewRow], lang: str, next_opening: Callable[[str], datetime | None]) -> str:
    fam_head = "".join(f'<th class="fam" colspan="{len(codes)}">{escape(t("family." + fam.value, lang))}</th>'
                       for fam, codes in COLUMNS.items())
    fig_head = "".join(f"<th>{escape(t('ov.col.' + code, lang))}</th>" for codes in COLUMNS.values()
                       for code in codes)
    values = _Values(lang)
    body = "".join(_row(r, lang, next_opening, values) for r in rows)
    return (f'<table class="ov" data-rows="{len(rows)}"><thead>'
            f'<tr><th class="name" rowspan="2">{escape(t("home.station", lang))}</th>'
            f'<th class="state" rowspan="2">{escape(t("ov.status", lang))}</th>'
            f'<th class="alerts" rowspan="2">{escape(t("ov.col.alerts", lang))}</th>{fam_head}</tr>'
            f'<tr>{fig_head}</tr></thead><tbody>{body}</tbody></table>')


def _row(r: OverviewRow, lang: str, next_opening: Callable[[str], datetime | None], values: _Values) -> str:
    st = r.view.station
    badge_status = r.status
    word = escape(t("status." + badge_status.value, lang))
    opens = ""
    if badge_status is Status.CLOSED:
        when = next_opening(st.code)
        words = [w for w in (fmt_closed_day(r.view.closed_day, lang),
                             t("wall.opens", lang, when=fmt_opening(when, lang)) if when else "") if w]
        if words:
            opens = f'<span class="opens">{escape(" · ".join(words))}</span>'
    state = (f'<td class="state"><span class="badge b-{badge_status.value}">'
             f'{_icon(badge_status)}{word}</span>{opens}</td>')
    cells = []
    stale_codes = {f.code for tile in r.view.tiles if tile.stale for f in (tile.headline, *tile.figures)}
    closed, manual = badge_status is Status.CLOSED, r.view.manual
    for code, first in _COLUMN_CELLS:
        if code == PROJECTED:
            cells.append(_projection_cell(r, lang, first=first))
            continue
        cells.append(_cell(r.figures.get(code), code, lang, closed=closed, stale=code in stale_codes, first=first,
                           manual=entry_behind(code, manual) if manual else None, values=values))
    link = f'wall?station={escape(st.code)}&amp;lang={lang}'
    return (f'<tr data-station="{escape(st.code)}" data-status="{badge_status.value}"'
            f'{" class=closed" if badge_status is Status.CLOSED else ""}>'
            f'<td class="name"><a href="{link}" target="_self">{escape(st.name)}</a>'
            f'<span class="muni">{escape(st.municipality)}</span></td>{state}{_alerts_cell(r, lang)}'
            f'{"".join(cells)}</tr>')


def _cell(f: Figure | None, code: str, lang: str, closed: bool, stale: bool, first: bool,
          manual: ManualEntry | None = None, values: _Values | None = None) -> str:
    cls = "first " if first else ""
    if f is None or stale:
        if not stale:
            return f'<td class="{cls}" data-figure="{code}" data-value="">–</td>'
        word = escape(t("status.stale", lang))
        return (f'<td class="{cls}s-stale" data-figure="{code}" data-value="" data-status="stale" title="{word}">–'
                f'{_icon(Status.STALE)}</td>')
    value = (values or _Values(lang))(code, f.value)
    raw = "" if f.value is None else f"{f.value:g}"
    status = f.status if (f.status in _JUDGED and not closed) else Status.NEUTRAL
    word = _STATUS_VALUE[status]
    icon = _icon(status) if status in (Status.WARN, Status.ALERT) else ""
    title = f' title="{escape(t("status." + word, lang))}"' if icon else ""
    mark = _manual(manual, lang) if manual is not None and f.value is not None else ""
    return (f'<td class="{cls}s-{word}" data-figure="{code}" data-value="{raw}" '
            f'data-status="{word}"{title}><span class="v">{value}</span>{icon}{mark}</td>')


#: Each status's word in the markup (an enum's ``.value`` is a descriptor call, 9 000 times a table).
_STATUS_VALUE = {s: s.value for s in Status}


def _manual(entry: ManualEntry | None, lang: str) -> str:
    """ "käsin klo 10.40" under a value typed by hand (the wall says it in full)."""
    if entry is None:
        return ""
    when = fmt_time(entry.entered_at, lang)
    return (f'<span class="manual-mark" data-manual="{escape(entry.metric)}" '
            f'title="{escape(t("manual.wall_mark", lang, time=when))}">'
            f'{escape(t("manual.overview_mark", lang, time=when))}</span>')


def _projection_cell(r: OverviewRow, lang: str, first: bool) -> str:
    """The queue expected at closing with its band, judged like the queue; or a dash and why there is none."""
    cls = "first " if first else ""
    f, p = r.figures.get(PROJECTED), r.projection
    if f is None or p is None or p.closes_at is None:
        why = escape(t(f"ov.proj.why.{r.projection_reason or 'missing'}", lang))
        return (f'<td class="{cls}proj none" data-figure="{PROJECTED}" data-value="" '
                f'data-reason="{escape(r.projection_reason or "missing")}" title="{why}">–'
                f'<span class="why">{why}</span></td>')
    status = f.status if f.status in _JUDGED else Status.NEUTRAL
    band = f"{fmt_int(p.queue_low)}–{fmt_int(p.queue_high)}"
    title = t("ov.proj.band", lang, time=fmt_time(p.closes_at, lang), queue=fmt_int(p.queue),
              low=fmt_int(p.queue_low), high=fmt_int(p.queue_high))
    flag = ""
    if status in (Status.WARN, Status.ALERT):
        word = t("status." + status.value, lang)
        title = f"{word}: {title}"
        flag = f'{_icon(status)}<span class="word">{escape(word)}</span>'
    return (f'<td class="{cls}proj s-{status.value}" data-figure="{PROJECTED}" data-value="{f.value:g}" '
            f'data-low="{p.queue_low:g}" data-high="{p.queue_high:g}" data-status="{status.value}" '
            f'title="{escape(title)}"><span class="v">{escape(fmt_int(p.queue))}</span>'
            f'<span class="band">({escape(band)})</span>{flag}</td>')


def _alerts_cell(r: OverviewRow, lang: str) -> str:
    """The station's firing alerts: what, since when, acknowledged by whom (or not yet)."""
    if not r.firing:
        return f'<td class="alerts" data-alerts="0"><span class="quiet">{escape(t("ov.alert.none", lang))}</span></td>'
    items = "".join(alerts_html.item(a, r.view.now, lang) for a in r.firing)
    return f'<td class="alerts" data-alerts="{len(r.firing)}">{items}</td>'
