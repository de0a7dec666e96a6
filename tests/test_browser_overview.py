"""The overview in a real browser: the table fits the screen's width at 1920x1080 and 1366x768."""

from __future__ import annotations

import pytest

from tests.browser_support import ARTIFACTS, page_fits

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_overview_fits_and_links_to_walls(server, browser, width: int, height: int):
    base, _store = server
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/?station=kajaani&station=paltamo&station=sotkamo&curve=kajaani")
    page.wait_for_selector('table.ov tr[data-station="kajaani"]', timeout=30_000)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert page.locator("table.ov tbody tr").count() == 3
    problems = [p for p in page_fits(page) if "vertically" not in p]  # a report page may scroll down
    assert problems == []
    table = page.locator("table.ov").bounding_box()
    assert table is not None and table["y"] + table["height"] <= height  # the rows are on the first screen
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"overview-{width}x{height}.png"), full_page=True)
    href = page.locator('table.ov tr[data-station="kajaani"] a').get_attribute("href")
    assert href.startswith("wall?station=kajaani")
    page.close()
