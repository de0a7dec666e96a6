"""The station list on the home page: every station's four tiles in one row."""

from __future__ import annotations

from html import escape

from board.domain.snapshot import TILE_LAYOUT
from board.domain.status import Status
from board.formatting import format_figure
from board.i18n import t
from board.views import StationView
from board.web.icons import status_icon

#: Icon colours on the light page: (shape, mark).
_ICON = {Status.OK: ("#18794a", "#ffffff"), Status.WARN: ("#f5b301", "#111111"),
         Status.ALERT: ("#c62828", "#ffffff")}
_GREY = ("#4a5565", "#ffffff")

HOME_CSS = """
.station-table { border-collapse: collapse; width: 100%; font-size: 1.05rem; }
.station-table th, .station-table td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d5dbe3; }
.station-table th { font-weight: 700; background: #eef2f6; }
.station-table td.num { font-variant-numeric: tabular-nums; }
.st-badge { display: inline-flex; align-items: center; gap: .35rem; font-weight: 700; }
.st-badge .icon { width: 1.15em; height: 1.15em; }
.st-ok { color: #146c3f; } .st-warn { color: #8a5a00; } .st-alert { color: #b3261e; }
.st-stale, .st-closed, .st-neutral, .st-no_data { color: #4a5565; }
.station-table .value { font-size: 1.25rem; font-weight: 700; margin-right: .4rem; }
"""


def render_station_table(views: list[StationView], lang: str) -> str:
    head = "".join(f"<th>{escape(t('family.' + f.value, lang))}</th>" for f in TILE_LAYOUT)
    rows = []
    for v in views:
        cells = []
        for tile in v.tiles:
            value = "–" if tile.stale or tile.status is Status.NO_DATA else format_figure(tile.headline.code,
                                                                                        tile.headline.value)
            icon = status_icon(tile.status, *_ICON.get(tile.status, _GREY))
            cells.append(
                f'<td class="num" data-family="{tile.family.value}" data-status="{tile.status.value}">'
                f'<span class="value">{escape(value)}</span>'
                f'<span class="st-badge st-{tile.status.value}">{icon}'
                f'{escape(t("status." + tile.status.value, lang))}</span></td>'
            )
        rows.append(
            f'<tr data-station="{escape(v.station.code)}"><td><a href="wall?station={escape(v.station.code)}'
            f'&lang={lang}" target="_self">{escape(v.station.name)}</a></td>'
            f'<td>{escape(v.station.municipality)}</td>{"".join(cells)}</tr>'
        )
    return (
        f'<style>{HOME_CSS}</style><table class="station-table"><thead><tr>'
        f'<th>{escape(t("home.station", lang))}</th><th>{escape(t("home.municipality", lang))}</th>{head}</tr>'
        f'</thead><tbody>{"".join(rows)}</tbody></table>'
    )
