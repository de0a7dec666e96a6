"""Access to care on the weekly view in a real Chromium: the section renders, fits 1920x1080 and 1366x768
sideways, and says when a week spans a change of the law. Screenshots land in ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from board.read import week as weekly
from tests.access_data import access_readings
from tests.browser_support import ARTIFACTS, page_fits, require_chromium, start_server
from tests.conftest import write_config

pytestmark = pytest.mark.browser
STATIONS = ["kajaani", "sotkamo", "ristijarvi"]
ACCESS_ROWS = "table.access-table:not(.staff-table) tbody tr"


@pytest.fixture(scope="module")
def access_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("access")
    # the demo source feeds another station only: it states access-to-care and employee figures of its own
    # (connectors/demo_managers.py), which would stand beside (and, newer, over) the figures this test writes
    srv = start_server(tmp, write_config(tmp / "config", backfill_days=14, stations=["kuhmo"]))
    week = weekly.default_week()
    last_month_start = (week.sunday.replace(day=1) - timedelta(days=1)).replace(day=1)
    readings = [*access_readings(STATIONS, last_month_start, week.monday - timedelta(days=8)),
                *access_readings(STATIONS, week.monday - timedelta(days=7), week.sunday),
                *access_readings(STATIONS, date(2024, 12, 23), date(2025, 1, 5))]
    srv.store.write_readings(readings, source="raportti", now=datetime.now(UTC))
    yield srv
    srv.stop()


def open_access(browser, base: str, query: str, width: int, height: int):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/week{query}")
    # the section and the week's charts drawn (a shared machine can be slow: generous, not a timing assertion)
    page.wait_for_function("document.querySelector('table.access-table') !== null", timeout=90_000)
    page.wait_for_timeout(500)
    return page


def section_shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The whole page grown to its content (Streamlit scrolls inside its main element), cut to the section with
    its heading."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(height, 400)})
    page.wait_for_timeout(800)
    box = page.evaluate("""() => { const r = document.querySelector('.st-key-week-print-page-access')
        .getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; }""")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), clip={"x": 0, "y": max(0, box["y"] - 16),
                                                      "width": page.viewport_size["width"],
                                                      "height": box["height"] + 32})
    page.screenshot(path=str(ARTIFACTS / name.replace(".png", "-page.png")))


@pytest.mark.parametrize("width, height", [(1920, 1080), (1366, 768)])
def test_the_access_section_renders_and_fits(access_server, browser, width: int, height: int):
    query = "?" + "&".join(f"station={s}" for s in STATIONS)
    page = open_access(browser, access_server.base, query, width, height)
    # the access table, not the employee-NPS table beside it (same look, class staff-table; the demo source fills it)
    rows = page.locator(ACCESS_ROWS).count()
    assert rows == len(STATIONS) + 1  # each station and the selected ones together
    ristijarvi = page.locator(ACCESS_ROWS).nth(2).inner_text().replace("\u00a0", " ")
    assert "Ristijärven" in ristijarvi and "≥ 182 vrk" in ristijarvi, ristijarvi
    assert [p for p in page_fits(page) if "vertically" not in p] == []
    section_shot(page, f"week-access-{width}x{height}.png")
    page.close()


def test_a_week_spanning_the_change_says_so(access_server, browser):
    query = "?week=2025-W01&" + "&".join(f"station={s}" for s in STATIONS)
    page = open_access(browser, access_server.base, query, 1920, 1080)
    note = page.locator(".access-rule.change").inner_text()
    assert "kukin päivä arvioidaan oman sääntönsä mukaan" in note and "1.1.2025–5.1.2025" in note
    section_shot(page, "week-access-2025-W01.png")
    page.close()


def test_the_monthly_view_renders_and_fits(access_server, browser):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{access_server.base}/month?" + "&".join(f"station={s}" for s in STATIONS))
    page.wait_for_function("document.querySelector('table.access-table') !== null"
                           " && document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= 5",
                           timeout=90_000)
    page.wait_for_timeout(500)
    assert page.locator("h1").first.inner_text() == "Kuukausinäkymä"
    problems = [p for p in page_fits(page) if "vertically" not in p]
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1920, "height": max(height, 400)})
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "month-1920.png"))
    page.close()
    assert problems == []
