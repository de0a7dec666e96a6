"""The overview table: a compact row per station, every figure with its status, worst first.

Each row starts with the station's overall status (colour + icon + word) so
a shift lead scanning down the left edge finds the worst station first; each
judged figure carries its own small icon. Closed stations are greyed and say
when they open; their numbers are never coloured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from board.domain.snapshot import Figure
from board.domain.status import Status
from board.formatting import fmt_date, fmt_time, format_figure
from board.i18n import t
from board.read.overview import COLUMNS, OverviewRow
from board.web.icons import status_icon

_ICON = {Status.OK: ("#18794a", "#ffffff"), Status.WARN: ("#f5b301", "#111111"),
         Status.ALERT: ("#c62828", "#ffffff"), Status.STALE: ("#4a5565", "#ffffff"),
         Status.NO_DATA: ("#4a5565", "#ffffff"), Status.CLOSED: ("#4a5565", "#ffffff"),
         Status.NEUTRAL: ("#8a94a3", "#ffffff")}
_JUDGED = (Status.OK, Status.WARN, Status.ALERT)

OVERVIEW_CSS = """
.ov { border-collapse: collapse; width: 100%; font-size: .95rem; font-variant-numeric: tabular-nums; }
.ov th, .ov td { padding: .35rem .35rem; border-bottom: 1px solid #d5dbe3; text-align: right; white-space: nowrap; }
.ov th { background: #eef2f6; font-weight: 700; font-size: .85rem; white-space: normal; }
.ov td.name { white-space: normal; min-width: 9rem; }
.ov thead tr:first-child th { font-size: 1rem; border-bottom: 2px solid #b9c2cd; }
.ov th.fam { text-align: center; border-left: 2px solid #ffffff; }
.ov td.name, .ov th.name, .ov td.state, .ov th.state { text-align: left; }
.ov td.name a { font-weight: 700; color: #0b4f9c; }
.ov td.name .muni { display: block; color: #4a5565; font-size: .85rem; }
.ov td.first { border-left: 2px solid #eef2f6; }
.ov .v { font-size: 1.05rem; font-weight: 700; }
.ov .icon { width: 1em; height: 1em; vertical-align: -.12em; margin-left: .25rem; }
.ov .badge { display: inline-flex; align-items: center; gap: .3rem; font-weight: 800; padding: .1rem .5rem;
             border-radius: 999px; }
.ov .badge .icon { margin: 0; width: 1.1em; height: 1.1em; }
.ov .b-alert { background: #c62828; color: #fff; } .ov .b-warn { background: #f5b301; color: #111; }
.ov .b-ok { background: #18794a; color: #fff; } .ov .b-stale, .ov .b-no_data { background: #4a5565; color: #fff; }
.ov .b-closed, .ov .b-neutral { background: #e3e8ee; color: #27313d; }
.ov .s-alert .v { color: #b3261e; } .ov .s-warn .v { color: #7a4f00; }
.ov tr.closed td { color: #5b6573; background: #f6f8fa; } .ov tr.closed .v { font-weight: 600; }
.ov .opens { display: block; font-size: .8rem; color: #4a5565; font-weight: 600; }
"""


def render_overview(rows: Sequence[OverviewRow], lang: str, next_opening: Callable[[str], datetime | None]) -> str:
    fam_head = "".join(f'<th class="fam" colspan="{len(codes)}">{escape(t("family." + fam.value, lang))}</th>'
                       for fam, codes in COLUMNS.items())
    fig_head = "".join(f"<th>{escape(t('ov.col.' + code, lang))}</th>" for codes in COLUMNS.values()
                       for code in codes)
    body = "".join(_row(r, lang, next_opening) for r in rows)
    return (f'<style>{OVERVIEW_CSS}</style><table class="ov" data-rows="{len(rows)}"><thead>'
            f'<tr><th class="name" rowspan="2">{escape(t("home.station", lang))}</th>'
            f'<th class="state" rowspan="2">{escape(t("ov.status", lang))}</th>{fam_head}</tr>'
            f'<tr>{fig_head}</tr></thead><tbody>{body}</tbody></table>')


def _row(r: OverviewRow, lang: str, next_opening: Callable[[str], datetime | None]) -> str:
    st = r.view.station
    badge_status = r.status
    fill, mark = _ICON[badge_status]
    word = escape(t("status." + badge_status.value, lang))
    opens = ""
    if badge_status is Status.CLOSED:
        when = next_opening(st.code)
        if when is not None:
            day = fmt_date(when, lang, weekday=True).split(" ")[0]
            opens = f'<span class="opens">{escape(t("wall.opens", lang, when=f"{day} {fmt_time(when, lang)}"))}</span>'
    state = (f'<td class="state"><span class="badge b-{badge_status.value}">'
             f'{status_icon(badge_status, fill, mark)}{word}</span>{opens}</td>')
    cells = []
    stale_codes = {f.code for tile in r.view.tiles if tile.stale for f in (tile.headline, *tile.figures)}
    for codes in COLUMNS.values():
        for i, code in enumerate(codes):
            cells.append(_cell(r.figures.get(code), code, lang, closed=badge_status is Status.CLOSED,
                               stale=code in stale_codes, first=i == 0))
    link = f'wall?station={escape(st.code)}&amp;lang={lang}'
    return (f'<tr data-station="{escape(st.code)}" data-status="{badge_status.value}"'
            f'{" class=closed" if badge_status is Status.CLOSED else ""}>'
            f'<td class="name"><a href="{link}" target="_self">{escape(st.name)}</a>'
            f'<span class="muni">{escape(st.municipality)}</span></td>{state}{"".join(cells)}</tr>')


def _cell(f: Figure | None, code: str, lang: str, closed: bool, stale: bool, first: bool) -> str:
    cls = "first " if first else ""
    if f is None or stale:
        if not stale:
            return f'<td class="{cls}" data-figure="{code}" data-value="">–</td>'
        word = escape(t("status.stale", lang))
        return (f'<td class="{cls}s-stale" data-figure="{code}" data-value="" data-status="stale" title="{word}">–'
                f'{status_icon(Status.STALE, *_ICON[Status.STALE])}</td>')
    value = escape(format_figure(code, f.value, lang))
    raw = "" if f.value is None else f"{f.value:g}"
    status = f.status if (f.status in _JUDGED and not closed) else Status.NEUTRAL
    icon = status_icon(status, *_ICON[status]) if status in (Status.WARN, Status.ALERT) else ""
    title = f' title="{escape(t("status." + status.value, lang))}"' if icon else ""
    return (f'<td class="{cls}s-{status.value}" data-figure="{code}" data-value="{raw}" '
            f'data-status="{status.value}"{title}><span class="v">{value}</span>{icon}</td>')
