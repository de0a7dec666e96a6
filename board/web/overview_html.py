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
from functools import cache, lru_cache
from html import escape

from board.domain.manual import ManualEntry, entry_behind
from board.domain.snapshot import Figure
from board.domain.status import Status
from board.formatting import fmt_closed_day, fmt_few, fmt_int, fmt_opening, fmt_time, format_figure
from board.i18n import t
from board.read.overview import COLUMNS, PROJECTED, OverviewRow
from board.web import alerts_html
from board.web.icons import status_mark

_JUDGED = (Status.OK, Status.WARN, Status.ALERT)


@cache
def _icon(status: Status) -> str:
    """A status's icon: a class whose picture is in the overview's stylesheet (``style.OVERVIEW_CSS``), once,
    not a data URI in each of ~1 600 cells (at 900 stations the table was 2.34 MB, 1.74 MB without them)."""
    return status_mark(status)


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
    made = _Made(lang)
    body = "".join(_row(r, lang, next_opening, made) for r in rows)
    return (f'<table class="ov" data-rows="{len(rows)}"><thead>'
            f'<tr><th class="name" rowspan="2">{escape(t("home.station", lang))}</th>'
            f'<th class="state" rowspan="2">{escape(t("ov.status", lang))}</th>'
            f'<th class="alerts" rowspan="2">{escape(t("ov.col.alerts", lang))}</th>{fam_head}</tr>'
            f'<tr>{fig_head}</tr></thead><tbody>{body}</tbody></table>')


class _Made:
    """The cells one table has already written, by what they are made of: 900 rows are ~12 000 cells, and most
    repeat (a count of 0 judged "ok" in the first column is the same markup on every row that has it), so each
    distinct cell is formatted, translated and escaped once per call (2 Dec 2026: the table's CPU halved)."""

    def __init__(self, lang: str) -> None:
        self.values = _Values(lang)
        self.cells: dict[tuple[object, ...], str] = {}
        self.projections: dict[tuple[object, ...], str] = {}
        self.states: dict[Status, str] = {}
        self.quiet = ""


def _row(r: OverviewRow, lang: str, next_opening: Callable[[str], datetime | None], made: _Made) -> str:
    st = r.view.station
    badge_status = r.status
    if badge_status is Status.CLOSED:
        state = _state(r, lang, next_opening)  # says when it opens: the station's own
    else:
        state = made.states.get(badge_status) or made.states.setdefault(badge_status, _state(r, lang, next_opening))
    cells = []
    stale_codes = {f.code for tile in r.view.tiles if tile.stale for f in (tile.headline, *tile.figures)}
    closed, manual = badge_status is Status.CLOSED, r.view.manual
    figures, seen, values = r.figures, made.cells, made.values
    for code, first in _COLUMN_CELLS:
        if code == PROJECTED:
            cells.append(_projection_cell_once(r, lang, first, made))
            continue
        f, stale = figures.get(code), code in stale_codes
        behind = entry_behind(code, manual) if manual else None
        if behind is not None:  # a value typed by hand says when: not shared
            cells.append(_cell(f, code, lang, closed=closed, stale=stale, first=first, manual=behind, values=values))
            continue
        # The value's own text (`:g`) in the key: 0.0 and -0.0 are equal keys but not the same markup.
        key = (code, stale, first) if f is None or stale else (code, f"{f.value:g}" if f.value is not None else None,
                                                               f.value, f.status, f.few, closed, first)
        cell = seen.get(key)
        if cell is None:
            cell = seen[key] = _cell(f, code, lang, closed=closed, stale=stale, first=first, values=values)
        cells.append(cell)
    return (f'<tr data-station="{escape(st.code)}" data-status="{badge_status.value}"'
            f'{" class=closed" if badge_status is Status.CLOSED else ""}>'
            f'{_name_cell(st.code, st.name, st.municipality, lang)}{state}{_alerts_cell_once(r, lang, made)}'
            f'{"".join(cells)}</tr>')


def _state(r: OverviewRow, lang: str, next_opening: Callable[[str], datetime | None]) -> str:
    """The station's status badge (colour, icon, word); a closed station's says when it opens."""
    badge_status = r.status
    word = escape(t("status." + badge_status.value, lang))
    opens = ""
    if badge_status is Status.CLOSED:
        when = next_opening(r.view.station.code)
        words = [w for w in (fmt_closed_day(r.view.closed_day, lang),
                             t("wall.opens", lang, when=fmt_opening(when, lang)) if when else "") if w]
        if words:
            opens = f'<span class="opens">{escape(" · ".join(words))}</span>'
    return (f'<td class="state"><span class="badge b-{badge_status.value}">'
            f'{_icon(badge_status)}{word}</span>{opens}</td>')


@lru_cache(maxsize=8192)
def _name_cell(code: str, name: str, municipality: str, lang: str) -> str:
    """The station's name (a link to its wall) and municipality: the same on every refresh."""
    link = f'wall?station={escape(code)}&amp;lang={lang}'
    return (f'<td class="name"><a href="{link}" target="_self">{escape(name)}</a>'
            f'<span class="muni">{escape(municipality)}</span></td>')


def _projection_cell_once(r: OverviewRow, lang: str, first: bool, made: _Made) -> str:
    """:func:`_projection_cell`, written once per distinct projection (queues at closing repeat too)."""
    f, p = r.figures.get(PROJECTED), r.projection
    if f is None or p is None or p.closes_at is None:
        key: tuple[object, ...] = (r.projection_reason, first)
    else:
        key = (f"{f.value:g}", f"{p.queue_low:g}", f"{p.queue_high:g}", f"{p.queue:g}", f.value, f.status, p.queue,
               p.queue_low, p.queue_high, p.closes_at, first)
    cell = made.projections.get(key)
    if cell is None:
        cell = made.projections[key] = _projection_cell(r, lang, first=first)
    return cell


def _alerts_cell_once(r: OverviewRow, lang: str, made: _Made) -> str:
    """:func:`_alerts_cell`; the quiet one ("no alerts", most rows) written once."""
    if r.firing:
        return _alerts_cell(r, lang)
    if not made.quiet:
        made.quiet = _alerts_cell(r, lang)
    return made.quiet


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
    # Too small a sample today to judge (fewer than 10 handled): the wall's rule (``Figure.few``) and words, so a
    # bare "0 %" from 2 handled callbacks is not read as judged here either.
    few = (f'<span class="few" data-few="{code}">{escape(fmt_few(code, lang))}</span>'
           if f.few else "")
    return (f'<td class="{cls}s-{word}" data-figure="{code}" data-value="{raw}" '
            f'data-status="{word}"{title}><span class="v">{value}</span>{icon}{few}{mark}</td>')


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
