"""A figure typed by hand on a real wall (Debian's Chromium, a real server): it appears marked without a reload,
fits every screen with its mark (the sparkline giving way), and steps aside when a source delivers a newer reading.

Screenshots land in ``test-artifacts/`` (wall-manual-*.png).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.domain.reading import Reading
from board.domain.timeutil import local, utcnow
from tests.browser_support import ARTIFACTS, page_fits
from tests.test_browser import no_overflow
from tests.test_browser_kiosk import open_wall
from tests.test_browser_wall_matrix import SPARK_CHECK

pytestmark = pytest.mark.browser


def test_a_typed_figure_shows_marked_fits_every_screen_and_a_source_takes_over(server, browser):
    base, store = server
    page = open_wall(browser, base, "station=kajaani&refresh=2")
    page.evaluate("window.__notReloaded = true")
    now = utcnow()
    # Two figures typed while the callback system is down: the queue and the handled count (a figure under it)
    queue = store.add_manual_entry("kajaani", "queue_waiting", 41, now + timedelta(hours=2), "Vilma", now)
    store.add_manual_entry("kajaani", "queue_handled_today", 57, now + timedelta(hours=2), "Vilma", now)
    page.wait_for_selector('.tile.has-manual .headline .manual-mark[data-manual="queue_waiting"]', timeout=15_000)
    tile = page.locator('.tile[data-family="queue"]')
    assert tile.locator('.headline [data-figure="queue_waiting"]').inner_text() == "41"
    when = local(queue.entered_at)
    assert f"käsin syötetty klo {when.hour}.{when.minute:02d}" in tile.inner_text()
    assert tile.locator(".manual-mark").count() >= 2  # the headline and "handled today" (and the share from it)
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1366, 768), (1920, 1080), (3840, 2160)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)
        page.screenshot(path=str(ARTIFACTS / f"wall-manual-{width}x{height}.png"))
        assert page_fits(page, ".wall") == [], (width, height)
        assert no_overflow(page) == [], (width, height)
        assert page.evaluate(SPARK_CHECK) == [], (width, height)  # the sparkline never over the figures' labels
    # The source delivers again (a reading newer than the entry): the wall shows it, unmarked
    later = utcnow() + timedelta(seconds=1)
    store.write_readings([Reading("kajaani", "queue_waiting", later, 9)], "demo", later)
    page.wait_for_selector('.headline .manual-mark[data-manual="queue_waiting"]', state="detached", timeout=15_000)
    assert tile.locator('.headline [data-figure="queue_waiting"]').inner_text() == "9"
    assert page.evaluate("window.__notReloaded") is True
    page.close()
