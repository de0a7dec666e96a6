"""The weekly view in a real Chromium against a real server with three weeks of simulated history.

The shared ``server`` fixture holds one day of history, too little for a week against the week before, so this
module starts its own (``backfill_days=21``). Checks that the charts render, the key figures are the report's,
nothing sticks out sideways at 1920x1080 and 1366x768 (a report may scroll down), and that the print version
has no widgets and breaks its sections onto pages. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from board import formatting as fmt
from board.read import week as weekly
from board.settings import load_settings
from tests.browser_support import ARTIFACTS, page_fits, require_chromium, start_server
from tests.conftest import write_config

pytestmark = pytest.mark.browser

CHARTS = 6


@pytest.fixture(scope="module")
def week_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("week")
    srv = start_server(tmp, write_config(tmp / "config", backfill_days=21))
    yield srv
    srv.stop()


def open_week(browser, base: str, query: str = "", width: int = 1920, height: int = 1080):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/week{query}")
    # every chart drawn: plotly writes each figure's title once it has laid the figure out
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .gtitle').length >= {CHARTS}",
                           timeout=30_000)
    page.wait_for_timeout(500)  # let the last chart settle its size
    return page


def sideways(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Horizontal overflow only: a report is allowed to scroll down."""
    return [p for p in page_fits(page) if "vertically" not in p]


def full_screenshot(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole report: Streamlit scrolls inside its main element, so grow the window to the content."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(height, 400)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))


@pytest.mark.parametrize("width, height", [(1920, 1080), (1366, 768)])
def test_week_renders_the_reports_numbers_and_fits(week_server, browser, width: int, height: int):
    srv = week_server
    page = open_week(browser, srv.base, width=width, height=height)
    settings = load_settings(srv.config_dir, srv.url)
    week = weekly.default_week()
    report = weekly.week_report(settings, srv.store, week.year, week.week)
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert values[0].replace("\u202f", " ") == fmt.fmt_int(report.total.week["contacts_total"]).replace(
        "\u202f", " ")
    assert values[1].replace("\u00a0", " ") == fmt.fmt_percent(report.total.week["contacts_remote_share"]).replace(
        "\u00a0", " ")
    assert page.locator("h1").first.inner_text() == "Viikkonäkymä"
    assert page.get_by_text("Tulostettava versio").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"week-{width}x{height}.png"))
    assert sideways(page) == []
    if width == 1920:
        full_screenshot(page, ARTIFACTS / "week-1920-full.png")
        assert sideways(page) == []
    page.close()


def test_print_version_has_no_widgets_and_breaks_pages(week_server, browser):
    srv = week_server
    page = open_week(browser, srv.base, "?print=1&station=kajaani&station=paltamo&station=ristijarvi",
                     width=1123, height=794)  # A4 landscape in CSS pixels
    assert page.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"], '
                        '[data-testid="stDownloadButton"]').count() == 0
    assert page.locator('[data-testid="stTable"]').count() >= 4
    page.emulate_media(media="print")
    breaks = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-week-print-page"]')]
        .map(e => getComputedStyle(e).breakBefore)""")
    assert breaks and set(breaks) == {"page"}
    # no heading orphaned at a page's bottom: every heading (and its wrapper) avoids a break after it
    after = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stHeading"]')]
        .flatMap(h => [getComputedStyle(h).breakAfter, getComputedStyle(h.closest('.stElementContainer')
                       || h).breakAfter])""")
    assert after and set(after) == {"avoid"}, after
    # two charts side by side on paper too (Streamlit stacks columns when printing unless told otherwise)
    tops = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .slice(0, 2).map(e => Math.round(e.getBoundingClientRect().top))""")
    assert tops[0] == tops[1]
    assert sideways(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    full_screenshot(page, ARTIFACTS / "week-print.png")
    page.pdf(path=str(ARTIFACTS / "week-print.pdf"), landscape=True, format="A4", print_background=True)
    page.close()
