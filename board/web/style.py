"""The one stylesheet: the CSS of every page, with the status colours from the palette.

Pages apply their sheets with :func:`apply` (a style-only ``st.html``, which
takes no room on the page); the HTML modules (``wall_html``, ``overview_html``,
``sources_html``, ``notices_html``) write markup and class names only. Status
colours are ``$names`` filled from :data:`board.web.palette.CSS`.

The wall is dark, high-contrast and sized relative to the screen: the header
and notices in ``--u`` (a hundredth of the height, or of a 16:9 width when the
screen is narrower than 16:9), each tile's insides in ``--t`` (its own height or
width, a container query), so the same board fills a 1366x768 laptop, a 4K TV,
a 5:4 monitor and a portrait screen without scrolling or overlapping; at
1920x1080 the big number is ~100 px, figure labels and the freshness line 32 px, readable
from 4 m. A tall-ish landscape screen (5:4, 4:3) lays each tile's insides out
narrower and taller, so its tiles are sized by their height, not their width
(at 1280x1024 labels 28 px, the big number 112 px). Every status also has its own icon
shape and word.
"""

from __future__ import annotations

from string import Template

import streamlit as st

from board.web.icons import icon_rules
from board.web.palette import CSS, HEALTH, STATUS


def _sheet(text: str) -> str:
    return Template(text).substitute(CSS)


def apply(*sheets: str) -> None:
    """Put ``sheets`` on the page (once per run; Streamlit keeps a style-only element out of the layout)."""
    st.html(f"<style>{''.join(sheets)}</style>")


HIDE_STREAMLIT_CHROME = """
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], #MainMenu, footer, [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"] { display: none !important; }
[data-stale="true"] { opacity: 1 !important; transition: none !important; }
"""

_WALL = """
:root {
  --bg: #0b1320; --tile: $tile; --text: #f4f6f8; --muted: #c3ccd6;
  --ok: $green; --warn: $amber; --alert: $red; --grey: $grey;
}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: var(--bg) !important; color: var(--text); overflow: hidden !important;
}
.stMainBlockContainer, .block-container, [data-testid="stMainBlockContainer"] {
  padding: 0 !important; max-width: 100% !important;
}
[data-testid="stVerticalBlock"] { gap: 0 !important; }
/* line-height set here, not inherited: Streamlit's page gives 1.6, which made every label line a third taller on
   the live wall than the screen matrix measured (the queue tile's last row cut off at 1366x768). */
.wall { --u: min(1vh, .5625vw); line-height: 1.2;
  --hatch: repeating-linear-gradient(135deg, #1c2533 0 calc(2 * var(--u)),
    #232d3c calc(2 * var(--u)) calc(4 * var(--u)));
  box-sizing: border-box; height: 100vh; width: 100%; display: flex;
  flex-direction: column;
  padding: calc(1.6 * var(--u)) 1.4vw; gap: calc(1.6 * var(--u));
  font-family: "Source Sans Pro", "Source Sans 3", "DejaVu Sans", sans-serif;
  color: var(--text); }
.wall-head { display: flex; align-items: center; gap: 2vw; min-height: 0; flex: none; }
.head-main { flex: 1 1 auto; min-width: 0; display: flex; flex-wrap: wrap; align-items: center; column-gap: 2vw;
  row-gap: calc(.6 * var(--u)); }
.wall-head h1 { font-size: calc(6 * var(--u)); line-height: 1.05; margin: 0; padding: 0; font-weight: 700;
  color: var(--text); flex: 0 1 auto; min-width: 0; overflow-wrap: anywhere; display: -webkit-box;
  -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
.clock { display: flex; flex-direction: column; align-items: flex-end; white-space: nowrap; flex: none; }
.clock .date { font-size: calc(2.8 * var(--u)); line-height: 1.1; color: var(--muted); }
.clock .time { font-size: calc(6.4 * var(--u)); line-height: 1; font-weight: 700; font-variant-numeric: tabular-nums; }
/* Why closed and when it opens is never cut: on a holiday the two parts stack ("Suljettu — loppiainen" over
   "Avataan to klo 8.00"), so the banner stays as narrow as the longer part; next to the name when both fit,
   on a line of its own under it when not (.head-main wraps), and it wraps inside before anything is cut. */
.closed-banner { display: flex; align-items: center; gap: .8vw; font-size: calc(3.4 * var(--u)); line-height: 1.15;
  font-weight: 700; flex: 0 1 auto; max-width: 100%; box-sizing: border-box; background: var(--grey);
  padding: calc(.6 * var(--u)) 1.4vw; border-radius: calc(1 * var(--u)); white-space: normal; min-width: 0; }
.closed-banner .closed-text { display: flex; flex-direction: column; min-width: 0; overflow-wrap: anywhere; }
.closed-banner .closed-text.two { font-size: calc(2.8 * var(--u)); }
.tiles { flex: 1; min-height: 0; display: grid; grid-template-columns: 1fr 1fr; grid-template-rows: 1fr 1fr;
  gap: calc(1.6 * var(--u)) 1.2vw; }
.tile { container-type: size; --t: min(2.3cqh, 1.15cqw); --c: var(--grey); --on-c: $white; background: var(--tile);
  border-radius: calc(1.4 * var(--u)); min-height: 0; min-width: 0;
  border-left: calc(1.4 * var(--u)) solid var(--c); padding: calc(1.6 * var(--u)) 1.4vw calc(1.2 * var(--u));
  display: flex; flex-direction: column;
  overflow: hidden; box-sizing: border-box; }
.tile.status-ok { --c: var(--ok); }
.tile.status-warn { --c: var(--warn); --on-c: $on_amber; }
.tile.status-alert { --c: var(--alert); box-shadow: inset 0 0 0 calc(0.5 * var(--u)) var(--alert); }
.tile.is-stale { background: var(--hatch); }
.tile.status-closed .headline .value, .tile.status-closed .fig dd { color: #aab4bf; }
.tile > header { display: flex; align-items: center; justify-content: space-between; gap: calc(1.8 * var(--t));
  min-height: calc(5.1 * var(--t)); }  /* a badge's height: a tile with none (never judged) lines up with the rest */
.tile h2 { font-size: calc(3.6 * var(--t)); line-height: 1.1; margin: 0; padding: 0; font-weight: 700;
  color: var(--text);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.badge { display: inline-flex; align-items: center; gap: calc(1.08 * var(--t)); background: var(--c);
  color: var(--on-c);
  font-size: calc(3.4 * var(--t)); font-weight: 700; padding: calc(0.5 * var(--t)) calc(1.8 * var(--t));
  border-radius: calc(5 * var(--t)); white-space: nowrap; --mark: var(--c); }
.icon { width: 1em; height: 1em; flex: none; }
.headline { display: flex; align-items: baseline; gap: calc(2.16 * var(--t)); margin-top: calc(0.6 * var(--t));
  flex: none; }  /* never squeezed under its own number: the sparkline gives way when a tile is full */
.headline .value { font-size: calc(10.5 * var(--t)); line-height: 1; font-weight: 700;
  font-variant-numeric: tabular-nums; }
.headline .label { font-size: calc(3.4 * var(--t)); color: var(--muted); display: flex; flex-direction: column; }
.headline .note { font-size: calc(2.6 * var(--t)); font-style: italic; }
.stale-main .value { color: var(--muted); }
.stHtml .figures { display: grid; grid-template-columns: repeat(3, auto); justify-content: start;
  gap: calc(0.6 * var(--t)) calc(5.76 * var(--t)); margin: calc(1 * var(--t)) 0 0 0; padding: 0; }
.stHtml .family-contacts .figures { grid-template-columns: repeat(3, auto); justify-content: start;
  gap: calc(0.6 * var(--t)) calc(2.52 * var(--t)); }
/* Figure labels are read from 4 m: 3.3 --t (32 px at 1920x1080; they were 24 px, too small for a nurse at the far
   wall). To fit them, a label may wrap between words ("odottaa / reagointia"; a column is never narrower than its
   value or longest word), the big number gave up an eighth (12 → 10.5 --t), and the queue's four figures are two
   columns of two, so "tähän asti · tavoite 100 %" has the width for one line. A figure's box is its own text
   (start-aligned in its cell), so the freshness line can rise beside a short figure of the last row. */
.stHtml .family-queue .figures { grid-template-columns: repeat(2, auto); }
.fig { min-width: min-content; align-self: start; justify-self: start; }
.fig dd { margin: 0; font-size: calc(4.4 * var(--t)); line-height: 1.1; font-weight: 700;
  font-variant-numeric: tabular-nums;
  white-space: nowrap; display: flex; align-items: center; gap: calc(0.72 * var(--t)); }
.fig dt { font-size: calc(3.3 * var(--t)); line-height: 1.1; color: var(--muted); }
.fig .target { display: block; font-size: calc(3 * var(--t)); white-space: nowrap; }
.fig .few { font-style: italic; }
/* A figure typed by hand (board.domain.manual): said in words under its label, never only by a colour. */
.manual-mark { display: block; font-size: calc(2.3 * var(--t)); font-style: italic; color: var(--text); }
/* On the wall it is a light tag, dark text, upright and bold: read from 4 m, a small grey italic line beside
   "odottaa nyt" looked like a footnote, not like "this number was typed by hand" (seen on the evidence
   screenshots of issue 14). The same font size as before; the tag wraps inside like the text did. */
.headline .manual-mark, .fig dd .manual-mark.short { display: inline-block; font-style: normal; font-weight: 700;
  background: var(--text); color: var(--tile); border-radius: calc(0.6 * var(--t)); line-height: 1.15;
  padding: 0 calc(0.7 * var(--t)); }
.headline .manual-mark { font-size: calc(2.6 * var(--t)); }
.fig dd .manual-mark.short { font-size: calc(2.3 * var(--t)); }
.mark { display: inline-flex; font-size: calc(3.4 * var(--t)); }
.mark-warn { color: var(--warn); --mark: var(--tile); }
.mark-alert { color: $red_on_dark; --mark: var(--tile); }
/* The projection stands in the headline's label, under "odottaa nyt", its last line on the big number's baseline
   (the label's last baseline): no line of its own, so the trend keeps its height. It shrinks to the width the big
   number leaves (--num characters of about .7 of the number's 10.5 --t each, --num-ch) on up to --proj-lines (2)
   lines, its flag inline: on one line the widest ("Hälytys ennuste vuorokauden lopussa: 12 345 jonossa (12 340–
   12 349)" beside "12 345") was 9.6 px at 1920x1080, on two it is 20 (tests/test_browser_wall_matrix.py). */
.headline .label.with-projection { align-self: last baseline; min-width: 0; }
.projection { flex: none; display: block;
  font-size: min(calc(2.8 * var(--t)),
                 calc((100cqw - var(--num, 0) * var(--num-ch, 7.4) * var(--t) - 3 * var(--t))
                      * 1.8 * var(--proj-lines, 2) / var(--chars, 1)));
  margin-top: calc(0.2 * var(--t)); white-space: normal; line-height: 1.2;
  color: var(--muted); font-variant-numeric: tabular-nums; }
.projection .mark { font-size: 1.2em; vertical-align: -0.2em; margin-right: .25em; }
.projection .word { font-weight: 700; margin-right: .4em; }
.proj-warn { color: var(--warn); }
.proj-alert { color: $red_on_dark; }
/* The foot takes the room the figures leave, down to none; the sparkline fills it up to its own height and shrinks
   with it (its svg scales freely), down to nothing on a full tile, so it is never drawn over a figure. The freshness
   line ("päivitetty klo …", how the wall shows it is current) stands on the tile's bottom edge and, when the foot
   has no room, rises beside the last row of figures (right-aligned, where that row leaves space) rather than
   being pushed out of the tile. */
.tile-foot { flex: 1 1 0; min-height: 0; display: flex; align-items: flex-end; gap: calc(2.16 * var(--t)); }
.spark { flex: 1; height: 100%; max-height: calc(5.5 * var(--t)); min-width: 0; width: 100%; display: block; }
/* The freshness line is read from the same 4 m as the labels, and is as large (3.3 --t, 32 px at 1920x1080; it was
   2.5 --t, 24 px beside 32 px labels): "Lähde ei ole vielä toimittanut tietoja" or "päivitetty klo 7.02" is how a
   nurse tells a current figure from an old one. */
.fresh { font-size: calc(3.3 * var(--t)); color: var(--muted); white-space: nowrap; }
.stale-note { color: var(--text); font-weight: 700; font-size: calc(3 * var(--t)); white-space: normal; }
.wall-message { font-size: calc(3 * var(--u)); }
.unavailable { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center;
  gap: calc(3 * var(--u)); text-align: center; --c: var(--grey); }
.unavailable .icon { width: calc(14 * var(--u)); height: calc(14 * var(--u)); }
.unavailable p { font-size: calc(5 * var(--u)); font-weight: 700; max-width: 80%; margin: 0; }
"""

_WALL += """
.picker h1 { font-size: calc(4.5 * var(--u)); color: var(--text); }
.station-links { list-style: none; padding: 0; display: grid; grid-template-columns: 1fr 1fr;
  gap: calc(1.5 * var(--u)) 2vw; }
.station-links a { font-size: calc(3.6 * var(--u)); color: #9fd3ff; }
"""

# Notices and kiosk rotation. The notice banner is dark text on near-white: the brightest thing on a dark wall,
# and with no status colour, because a notice is news, not an alarm. With notices, the tiles give up a little
# height (smaller big number and trend line) so two 160-character notices and the four tiles still fit
# without scrolling on every 16:9 screen (all sizes are vh, so 1366x768 and 4K wrap the same way).
_WALL += """
.wall .notices { list-style: none; margin: 0 !important; padding: 0 !important; display: flex; flex-direction: column;
  gap: calc(0.8 * var(--u)); flex: none; }
.wall .notices li { margin: 0 !important; }
.notice { display: flex; align-items: center; gap: 1vw; background: #f4f6f8; color: #0b1320;
  border-left: calc(1.4 * var(--u)) solid #4da3ff; border-radius: calc(1 * var(--u));
  padding: calc(0.6 * var(--u)) 1.2vw; font-size: calc(3 * var(--u)); line-height: 1.15;
  font-weight: 700; overflow-wrap: anywhere; }
.notice-icon { width: calc(4 * var(--u)); height: calc(4 * var(--u)); flex: none; }
.notice-text { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden;
  min-width: 0; }
.notice-more { font-size: calc(2.4 * var(--u)); font-weight: 400; color: #3a4656; white-space: nowrap; }
.wall.has-notices { gap: calc(1.2 * var(--u)); padding-top: calc(1.2 * var(--u));
  padding-bottom: calc(1.2 * var(--u)); }
.wall.has-notices .wall-head h1 { font-size: calc(5 * var(--u)); }
.wall.has-notices .clock { flex-direction: row; align-items: baseline; gap: 1.2vw; }
.wall.has-notices .clock .time { font-size: calc(5 * var(--u)); }
.wall.has-notices .tiles { gap: calc(1.2 * var(--u)) 1.2vw; }
.wall.has-notices .tile { padding-top: calc(1.1 * var(--u)); padding-bottom: calc(0.8 * var(--u)); }
.wall-title { flex: 0 1 auto; min-width: 0; display: flex; flex-direction: column; overflow: hidden; }
.wall-title h1 { min-width: 0; }
.kiosk { font-size: calc(2.4 * var(--u)); line-height: 1.1; color: var(--muted); white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.kiosk-pos { color: var(--text); }
[data-testid="stElementContainer"]:has(iframe[title*="autorefresh"]), .st-key-kiosk_rotation {
  position: absolute !important; width: 0 !important; height: 0 !important; overflow: hidden !important; }
"""

# wall-honest: the wall without its server (board/web/shell/shell.js adds .is-offline and the banner). Every figure
# is marked not current the way a stale tile is (hatched, dimmed, grey edge, no status word or mark: the colours are
# old too); the banner says since when, in the wall's language; the clock keeps running.
_WALL += """
.offline-banner { flex: none; background: var(--warn); color: $on_amber; font-weight: 700;
  font-size: calc(3.4 * var(--u));
  line-height: 1.15; padding: calc(0.8 * var(--u)) 1.4vw; border-radius: calc(1 * var(--u));
  border-left: calc(1.4 * var(--u)) solid #0b1320; }
.wall.is-offline .tile { --c: var(--grey); box-shadow: none;
  background: var(--hatch); }
.wall.is-offline .tile > :not(header), .wall.is-offline .tile h2 { opacity: .45; }
.wall.is-offline .badge, .wall.is-offline .projection .word {
  visibility: hidden; }
.wall.is-offline .tile .mark { display: none; }  /* hidden, it left a gap before its number ("   6 h 52 min") */
.wall.is-offline .notices { opacity: .6; }
"""

# wall-honest: every screen. The header, notices and banners are sized in --u, the smaller of a 1/100 of the height
# and of a 16:9 width, so a 16:10, 5:4 or 4:3 screen is sized by its width; each tile is a size container whose
# insides are sized in --t (its own height or width, whichever is smaller), so whatever fits a tile at 1920x1080
# fits every tile shape (a header that wraps, notices, a portrait screen) — it only gets smaller. Portrait screens
# get the four tiles in one column. Checked over the screen matrix by tests/test_browser_wall_matrix.py.
_WALL += """
@media (max-aspect-ratio: 1/1) {
  .wall { --u: min(.5vh, .95vw); }
  .tiles { grid-template-columns: 1fr; grid-template-rows: repeat(4, 1fr); }
  .wall-head h1 { font-size: calc(5 * var(--u)); }  /* a 40-character name in two lines beside the clock */
  .notice-text { -webkit-line-clamp: 5; }
  .wall.has-notices .clock { flex-direction: column; align-items: flex-end; gap: 0; }
}
"""

# Tall-ish landscape screens (5:4, 4:3: aspect above 1, at most 1.4). Sized as on 16:9, a 1280x1024 tile is
# narrower than its insides' 16:9 shape (about 87 --t wide, 43 high) and was sized by its width: labels 21.6 px,
# the big number 69 px, the lower half of each tile empty. Here the insides are laid out narrower and taller, so
# --t is taken from a tile about 64 --t wide and 50 high and the height is used: figures in two columns (the
# contacts' five in three, the last, whose label and target are the longest ("distanskontakter"), taking the two
# columns left in its row; a target line wraps), the big number larger (13 --t; line-height .9, its digits have
# no descenders), and its label under it when the two do not fit side by side (a 5-digit count, the NPS's long
# label). The queue's label and projection stay beside it, the projection on up to two lines (a line of its own
# shrank it to the width beside the number: 14 px at 1280x1024). Tile names and badges a little smaller, so
# "Yhteydenotot tänään" and "Vanhentunut" share a narrower row. 16:9, 16:10 and portrait screens are untouched.
_WALL += """
@media (min-aspect-ratio: 1001/1000) and (max-aspect-ratio: 7/5) {
  .tile { --t: min(1.98cqh, 1.56cqw); --num-ch: 9.1; --proj-lines: 2; }
  .headline { flex-wrap: wrap; row-gap: 0; }
  .headline .value { font-size: calc(13 * var(--t)); line-height: .9; }
  .headline .label.with-projection { flex: 1 1 0; }
  .projection { white-space: normal; }
  .tile h2 { font-size: calc(3.3 * var(--t)); }
  .badge { font-size: calc(3.1 * var(--t)); }
  .stHtml .figures { grid-template-columns: repeat(2, auto); gap: calc(0.6 * var(--t)) calc(4 * var(--t)); }
  .stHtml .family-queue .figures { gap: calc(0.6 * var(--t)) calc(2.5 * var(--t)); }
  .stHtml .family-contacts .fig:nth-child(3n+2):last-child { grid-column: span 2; }
  .fig .target { white-space: normal; }
}
"""

WALL_CSS = HIDE_STREAMLIT_CHROME + _sheet(_WALL)

#: Every page (wall-honest, WCAG 2.1 AA): Streamlit draws captions at opacity .6, 3.88:1 on white; ours are #4a5565
#: at full opacity (7.5:1). In the page shell (board/web/shell), so it is on every page from the first paint.
PAGE_CSS = """
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #4a5565 !important; }
.stApp [data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }  /* Streamlit's 6rem sat over a hidden toolbar:
  the overview's rows and the weekly figures are on a 1366x768 laptop's first screen */
[data-testid="stCaptionContainer"] p { color: #4a5565 !important; }
"""

#: The notices page (light theme): each notice as it was typed, large, with a quiet line of who, where and when.
NOTICES_CSS = _sheet("""
.notice-card { border-left: .35rem solid #0b5cab; background: #f4f6f8; border-radius: .4rem; padding: .5rem .9rem; }
.notice-card[data-state="upcoming"] { border-left-color: #6b7785; }
.notice-card[data-state="ended"], .notice-card[data-state="withdrawn"] { border-left-color: #c3ccd6; }
.notice-card-text { font-size: 1.15rem; font-weight: 600; margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.notice-card-meta { font-size: .9rem; color: #4a5565; margin: .2rem 0 0 0; }
.notice-count { font-size: .9rem; color: #4a5565; margin: -.6rem 0 0 0; }
.notice-count.over { color: $red_text; font-weight: 700; }
.notices-help, .notices-empty { color: #4a5565; margin: 0; }
""")

#: The overview table: a row per station, light theme; judged values in darker status colours.
OVERVIEW_CSS = _sheet("""
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
.ov .b-alert { background: $red; color: $white; } .ov .b-warn { background: $amber; color: $on_amber; }
.ov .b-ok { background: $green; color: $white; } .ov .b-stale, .ov .b-no_data { background: $grey; color: $white; }
.ov .b-closed, .ov .b-neutral { background: $quiet; color: $on_quiet; }
.ov .s-alert .v { color: $red_text; } .ov .s-warn .v { color: $amber_text; }
.ov tr.closed td { color: #5b6573; background: #f6f8fa; } .ov tr.closed .v { font-weight: 600; }
.ov .opens { display: block; font-size: .8rem; color: #4a5565; font-weight: 600; }
.ov td.proj .band { display: block; font-size: .8rem; color: #4a5565; }
.ov td .few { display: block; font-size: .8rem; font-style: italic; color: #4a5565; white-space: normal; }
.ov td .manual-mark { display: block; font-size: .8rem; font-style: italic; color: #1f2933; }
.ov td.proj .word { display: block; font-size: .8rem; font-weight: 800; }
.ov td.proj.s-alert .word { color: $red_text; } .ov td.proj.s-warn .word { color: $amber_text; }
.ov td.proj .why { display: block; font-size: .75rem; color: #4a5565; white-space: normal; max-width: 7rem;
                   margin-left: auto; }
.ov td.alerts, .ov th.alerts { text-align: left; white-space: normal; min-width: 8rem; max-width: 13rem;
                               font-size: .85rem; }
.ov td.alerts .quiet { color: #5b6573; }
.ov .al { margin: .1rem 0; } .ov .al .icon { margin: 0 .25rem 0 0; }
.ov .al .since { color: #4a5565; } .ov .al .ack { display: block; }
.ov .al .ack.open { color: $red_text; font-weight: 700; } .ov .al .ack.taken { color: #2f3a48; }
""") + icon_rules(".ov", {status: (look.fill, look.ink) for status, look in STATUS.items()})

#: The alert page: active alerts and the last week's, as tables; the level as colour + icon + word.
ALERTS_CSS = _sheet("""
.alerts-list { border-collapse: collapse; width: 100%; font-size: .95rem; margin-bottom: 1rem; }
.alerts-list th, .alerts-list td { padding: .4rem .5rem; border-bottom: 1px solid #d5dbe3; text-align: left;
                                   vertical-align: top; }
.alerts-list th { background: #eef2f6; font-size: .85rem; }
.alerts-list td.num { text-align: right; font-variant-numeric: tabular-nums; font-weight: 700; }
.alerts-list .badge { display: inline-flex; align-items: center; gap: .3rem; font-weight: 800; padding: .05rem .5rem;
                      border-radius: 999px; margin-left: .5rem; font-size: .85rem; }
.alerts-list .badge .icon { width: 1em; height: 1em; }
.alerts-list .b-alert { background: $red; color: $white; }
.alerts-list .b-warn { background: $amber; color: $on_amber; }
.alerts-list .sub { display: block; font-size: .8rem; color: #4a5565; }
.alerts-list td.ack.open { color: $red_text; font-weight: 700; } .alerts-list td.rule { color: #4a5565; }
.alerts-list[data-list="history"] td.ack.open { color: #4a5565; font-weight: 400; }
.ack-line { margin: 0; }
""")

#: The Sources page: a card per source whose band, border and badge take its health's colours.
SOURCES_CSS = _sheet("""
.src-summary { font-size: 1.15rem; font-weight: 700; margin: .2rem 0 .8rem; }
.src-card { border: 2px solid #d5dbe3; border-left-width: 12px; border-radius: 8px; padding: .7rem 1rem;
            margin-bottom: .9rem; background: #ffffff; }
.src-head { display: flex; align-items: center; gap: .8rem; flex-wrap: wrap; }
.src-name { font-size: 1.35rem; font-weight: 800; }
.src-kind { color: #4a5565; font-size: 1rem; }
.src-badge { display: inline-flex; align-items: center; gap: .35rem; padding: .15rem .6rem; border-radius: 999px;
             font-weight: 800; }
.src-badge img { width: 1.15em; height: 1.15em; }
.src-facts { display: flex; gap: 2rem; flex-wrap: wrap; margin: .5rem 0 .2rem; color: #1f2933; }
.src-facts b { display: block; font-size: .85rem; color: #4a5565; font-weight: 600; }
.src-error { background: #fdecea; border: 1px solid $red; color: #7a1712; border-radius: 6px; padding: .5rem .7rem;
             margin-top: .5rem; font-size: 1.05rem; white-space: pre-wrap; word-break: break-word; }
.src-error .what { font-weight: 800; display: block; margin-bottom: .2rem; }
.src-pulling { background: #e7f0fb; border: 1px solid #0b5cab; color: #0a3d73; border-radius: 6px;
  padding: .35rem .7rem; margin: .3rem 0; font-weight: 600; }
.src-hint { background: #fff6d6; border: 1px solid #b58400; color: #3d2e00; border-radius: 6px; padding: .45rem .7rem;
            margin-top: .5rem; }
.src-past { color: #4a5565; margin-top: .4rem; font-size: .92rem; }
.src-refused { background: #fff6d6; border: 1px solid #b58400; color: #3d2e00; border-radius: 6px;
               padding: .45rem .7rem; margin-top: .5rem; }
.src-refused .what { font-weight: 800; display: block; }
.src-refused ul { margin: .2rem 0 0 1.2rem; padding: 0; } .src-refused b { font-size: .9rem; }
.src-unaccounted { font-weight: 700; margin-top: .3rem; }
.src-overlaps { background: #fff6d6; border: 1px solid #b58400; color: #3d2e00; border-radius: 6px;
                padding: .45rem .7rem; margin: 0 0 .9rem; }
.src-overlaps .what { font-weight: 800; display: block; }
.src-overlaps ul { margin: .2rem 0 .3rem 1.2rem; padding: 0; }
.fresh-grid { border-collapse: collapse; margin-top: .4rem; font-size: .95rem; }
.fresh-grid th, .fresh-grid td { padding: .25rem .6rem; border-bottom: 1px solid #e3e8ee; text-align: left; }
.fresh-grid th { background: #eef2f6; }
.fresh-ok { color: $fresh_text; font-weight: 700; } .fresh-old { color: $old_text; font-weight: 800; }
.fresh-none { color: $light_grey; }
""") + "".join(
    f".src-card.h-{health.value} {{ border-left-color: {look.fill}; }} "
    f".h-{health.value} .src-badge {{ background: {look.fill}; color: {look.ink}; }}\n"
    for health, (_status, look) in HEALTH.items())

#: The sign-in bar of every signed-in page.
ACCESS_CSS = _sheet("""
.access-line { margin: 0; font-size: .85rem; color: #4a5565; }
.access-demo { margin: 0 0 .25rem 0; font-size: .85rem; font-weight: 700; color: $amber_text; }
@media print { .st-key-access-bar, .access-demo { display: none !important; } }
""")

#: Chart notes listed under the charts (board/web/chart_marks.py), in the flags' purple.
CHART_NOTES_CSS = """
.chart-notes { margin: .25rem 0 .5rem 0; padding: .4rem .9rem; border-left: .3rem solid #6B4E9B; background: #f6f3fa;
  border-radius: .4rem; font-size: .95rem; }
.chart-notes p { margin: 0; } .chart-notes ul { margin: .2rem 0 0 0; padding-left: 1rem; list-style: none; }
.chart-notes b { color: #4f3a74; } .chart-note-author { color: #4a5565; }
"""

#: Fewer than five key-figure cards (a station that tracks one or two tile families: /week shows only their
#: figures) keep the width of one of five, at the row's start. Streamlit's horizontal container grows its
#: children to fill the row, so a feedback-only station's NPS card was a 1 800 px box at 1920x1080. Five cards
#: are laid out as before (tests/test_browser_week_cards.py).
_KPI_WIDTH = """
.st-key-week-kpis:not(:has(> div:nth-child(5))) > div { max-width: calc((100% - 4 * var(--kpi-gap, 1rem)) / 5); }
"""

#: The weekly view on screen: key figures as cards.
WEEK_CSS = """
.week-scope { margin: 0; font-size: .875rem; color: #4a5565; }
.week-note { margin: 0; padding: .75rem 1rem; border-radius: .5rem; background: #fffce7; color: #926c05; }
.st-key-week-kpis [data-testid="stMetricValue"] { font-size: 2.2rem; }
.st-key-week-kpis [data-testid="stMetric"] { background: #f4f6f9; border-radius: .5rem; padding: .6rem .9rem; }
""" + _KPI_WIDTH + CHART_NOTES_CSS
#: The weekly view on paper (``?print=1``): no widgets, A4 landscape, a section a page.
WEEK_PRINT_CSS = HIDE_STREAMLIT_CHROME + """
@page { size: A4 landscape; margin: 10mm; }
.stMainBlockContainer, [data-testid="stMainBlockContainer"] { max-width: 1100px !important;
  padding-top: 1.5rem !important; }
@media print {
  .no-print { display: none !important; }
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] { overflow: visible !important;
    height: auto !important; }
  .stMainBlockContainer, [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: none !important; }
  [class*="st-key-week-print-page"] { break-before: page; }
  [data-testid="stPlotlyChart"], [data-testid="stTable"], [data-testid="stMetric"] { break-inside: avoid; }
  /* a heading stays with what it heads (one was left alone at a page's bottom): the heading's element and its
     Streamlit wrapper both avoid a break after them */
  [data-testid="stHeading"], [data-testid="stElementContainer"]:has([data-testid="stHeading"]),
  .stElementContainer:has([data-testid="stHeading"]) { break-after: avoid; page-break-after: avoid; }
  /* Streamlit stacks columns on paper; the report keeps two charts and the key figures side by side */
  [data-testid="stHorizontalBlock"], .st-key-week-kpis { display: flex !important; flex-direction: row !important;
    flex-wrap: nowrap !important; gap: .8rem !important; --kpi-gap: .8rem; }
  [data-testid="stColumn"], .st-key-week-kpis > div { flex: 1 1 0 !important; width: auto !important;
    min-width: 0 !important; }
}
""" + _KPI_WIDTH
