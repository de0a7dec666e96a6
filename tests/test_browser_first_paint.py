"""A freshly opened wall is never blank: "Ladataan…" in its language from the first paint, then its numbers.

Chromium records, from before the page's first byte (an init script), on
every animation frame until the board is there, whether the frame shows the
loading text or the wall. A frame with a body but neither is a blank screen.
The first-contentful-paint time and the time to the numbers are measured and
printed (``-s``), not asserted: timing is not a unit-test truth here.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SAMPLE_FRAMES = """(() => {
  window.__frames = [];
  const look = () => {
    const loading = document.getElementById('board-loading');
    const shown = loading && getComputedStyle(loading).display !== 'none' && loading.getBoundingClientRect().height > 0;
    const wall = document.querySelector('.wall [data-figure]');
    window.__frames.push({t: performance.now(), body: !!document.getElementById('root'),
                          loading: shown ? loading.innerText.trim() : null, wall: !!wall,
                          lang: document.documentElement.lang});
    if (!wall) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""


@pytest.mark.parametrize(("lang", "text"), [("fi", "Ladataan…"), ("sv", "Laddar…"), ("en", "Loading…")])
def test_wall_says_loading_from_the_first_paint(server, browser, lang, text):
    base, _ = server
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.add_init_script(SAMPLE_FRAMES)
    page.goto(f"{base}/wall?station=kajaani&lang={lang}", wait_until="commit")
    page.wait_for_selector(".wall [data-figure]", timeout=60_000)
    page.wait_for_function("window.__frames.at(-1).wall", timeout=10_000)
    frames = page.evaluate("window.__frames")
    painted = [f for f in frames if f["body"]]
    assert painted, "no frame with a body was seen"
    blank = [f for f in painted if not f["wall"] and f["loading"] != text]
    assert not blank, f"{len(blank)} of {len(painted)} frames were blank or said something else: {blank[:3]}"
    assert painted[0]["loading"] == text and not painted[0]["wall"]
    assert all(f["lang"] == lang for f in painted)
    # Once the numbers are there, the loading text is gone.
    assert page.evaluate("getComputedStyle(document.getElementById('board-loading')).display") == "none"
    fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
    print(f"\n{lang}: first contentful paint {fcp} ms, numbers at {frames[-1]['t']:.0f} ms, {len(painted)} frames")
    assert fcp is not None
    page.close()


def test_other_pages_show_loading_then_their_content(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{base}/week?lang=sv", wait_until="commit")
    page.wait_for_selector("#board-loading", state="attached", timeout=10_000)
    assert page.evaluate("document.documentElement.lang") == "sv"
    page.wait_for_selector("#board-loading", state="hidden", timeout=60_000)
    page.close()
