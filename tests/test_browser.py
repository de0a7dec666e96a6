"""The wall display in a real browser (Debian's Chromium) against a real server.

Starts ``python -m board serve`` on a free loopback port over a store filled
by the collector, opens the wall page, checks the numbers against the store,
checks that a new reading appears without a page reload, that nothing
overflows at 1920x1080, 1366x768, 1920x1200, 1280x1024 and 1080x1920, and saves screenshots in
``test-artifacts/``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.domain.reading import Reading
from board.domain.timeutil import utcnow
from tests.browser_support import ARTIFACTS

pytestmark = pytest.mark.browser


def figure(page, code: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f'[data-figure="{code}"]').first.get_attribute("data-value")


def no_overflow(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("""() => {
        const bad = [];
        const d = document.documentElement;
        if (d.scrollHeight > window.innerHeight + 1) bad.push('page scrolls vertically: ' + d.scrollHeight);
        if (d.scrollWidth > window.innerWidth + 1) bad.push('page scrolls horizontally: ' + d.scrollWidth);
        const wall = document.querySelector('.wall').getBoundingClientRect();
        if (wall.bottom > window.innerHeight + 1) bad.push('wall taller than the screen: ' + wall.bottom);
        document.querySelectorAll('.tile').forEach(t => {
          if (t.scrollHeight > t.clientHeight + 1) bad.push(t.dataset.family + ' tile content overflows');
          const r = t.getBoundingClientRect();
          t.querySelectorAll('*').forEach(e => {
            const b = e.getBoundingClientRect();
            if (b.width && (b.right > r.right + 1 || b.bottom > r.bottom + 1))
              bad.push(t.dataset.family + ': ' + e.className + ' sticks out');
          });
        });
        return bad;
    }""")


def test_wall_shows_store_values_and_updates_without_reload(server, browser):
    base, store = server
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{base}/wall?station=kajaani&refresh=2")
    page.wait_for_selector('.wall[data-station="kajaani"]', timeout=30_000)
    latest = store.latest_values("kajaani")
    assert float(figure(page, "queue_waiting")) == latest["queue_waiting"].value
    assert float(figure(page, "omasote_unanswered")) == latest["omasote_unanswered"].value
    assert page.locator("h1").first.inner_text() == "Kajaanin terveysasema"
    assert page.locator('[data-testid="stToolbar"]').count() == 0 or not page.locator(
        '[data-testid="stToolbar"]').first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "wall-kajaani-1920x1080.png"))
    assert no_overflow(page) == []

    # A new value arrives in the store: the tile changes in place, the page is not reloaded.
    page.evaluate("window.__notReloaded = true")
    store.write_readings([Reading("kajaani", "queue_waiting", utcnow() + timedelta(seconds=1), 777)],
                          source="demo", now=utcnow())
    page.wait_for_function(
        "document.querySelector('[data-figure=\"queue_waiting\"]').dataset.value === '777'", timeout=20_000)
    assert page.evaluate("window.__notReloaded") is True
    assert "777" in page.locator('[data-family="queue"] .value').first.inner_text()
    page.close()


def test_wall_fits_a_small_screen(server, browser):
    """The served page (Streamlit around the board) at a laptop, a 16:10, a 5:4 and a portrait screen; every value
    and every other screen size is tests/test_browser_wall_matrix.py's."""
    base, _ = server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{base}/wall?station=ristijarvi")
    page.wait_for_selector('.wall[data-station="ristijarvi"]', timeout=30_000)
    for width, height in ((1366, 768), (1920, 1200), (1280, 1024), (1080, 1920)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        page.screenshot(path=str(ARTIFACTS / f"wall-ristijarvi-{width}x{height}.png"))
        assert no_overflow(page) == [], f"{width}x{height}"
    page.close()
