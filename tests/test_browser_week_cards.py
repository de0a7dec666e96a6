"""The weekly view's key-figure cards keep their width when a station tracks fewer figures than five.

A station fed only by a feedback service that pushes its answers (tests/test_week_feedback_only.py) has one key
figure on /week, the NPS. Streamlit's horizontal container gave that one card the whole row: a 1 760 px grey
box with a number at its left end at 1920x1080. Checked in Chromium against a real server, at 1920x1080 and
1280x800, against the demo's five cards on the same screen; screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import yaml

from board.domain.timeutil import local_date, utcnow
from board.domain.weeks import IsoWeek
from board.factory import create_board
from tests.browser_support import ARTIFACTS, Server, require_chromium, start_server
from tests.conftest import write_config
from tests.test_week_feedback_only import SOURCE, _push_week

pytestmark = pytest.mark.browser

ENV = {"PALAUTE_TOKEN": "p" * 32, "ITEM_KEY": "feedback-key-0123456789abcdef"}
SCREENS = [(1920, 1080), (1280, 800)]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """(a feedback-only board with a week of pushed answers, the demo's board with all five key figures)."""
    require_chromium()
    tmp = tmp_path_factory.mktemp("cards")
    config = write_config(tmp / "one" / "config")
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [SOURCE]}), encoding="utf-8")
    url = f"sqlite:///{tmp / 'one' / 'board.sqlite'}"
    board = create_board(config, url, sign_in="off", environ=ENV)
    _push_week(board, IsoWeek.of(local_date(utcnow()) - timedelta(days=7)))  # the week the page shows
    board.close()
    one = Server(tmp / "one", config, url, ENV)
    try:
        five = start_server(tmp / "five", write_config(tmp / "five" / "config", backfill_days=8))
    except BaseException:
        one.stop()
        raise
    yield one, five
    one.stop()
    five.stop()


def cards(browser, base: str, width: int, height: int, name: str,  # type: ignore[no-untyped-def]
          query: str = "") -> tuple[list[dict], dict]:
    """The key-figure cards' boxes and their row's, as laid out; a screenshot of the page."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/week{query}")
    page.wait_for_selector('.st-key-week-kpis [data-testid="stMetricValue"]', timeout=60_000)
    page.wait_for_timeout(800)  # the row settles once the charts below it are laid out
    boxes = page.evaluate("""() => [...document.querySelectorAll('.st-key-week-kpis [data-testid="stMetric"]')]
        .map(e => { const r = e.getBoundingClientRect(); return {x: r.x, width: r.width, height: r.height}; })""")
    row = page.evaluate("""() => { const e = document.querySelector('.st-key-week-kpis');
        const r = e.getBoundingClientRect(), style = getComputedStyle(e);
        return {x: r.x + parseFloat(style.paddingLeft),
                width: r.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
                gap: parseFloat(style.columnGap)}; }""")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / (f"week-cards-{name}-{width}x{height}.png" if name else
                                          "week-feedback-only.png")))  # docs/screenshots/ has the last
    page.close()
    return boxes, row


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_one_key_figure_card_keeps_the_width_of_one_of_five(servers, browser, width: int, height: int):
    one, five = servers
    full, full_row = cards(browser, five.base, width, height, "five")
    alone, row = cards(browser, one.base, width, height, "one")
    assert len(full) == 5 and len(alone) == 1, (full, alone)
    assert row["width"] == pytest.approx(full_row["width"], abs=2)  # the same page width for both
    # Five fill their row, each as wide as its content lets it grow (unchanged by the fix).
    assert sum(b["width"] for b in full) + 4 * full_row["gap"] == pytest.approx(full_row["width"], abs=3), full
    one_of_five = (row["width"] - 4 * row["gap"]) / 5  # a card's share of a full row: its normal width
    (card,) = alone
    assert card["width"] == pytest.approx(one_of_five, abs=2), (card, one_of_five, row)
    assert min(b["width"] for b in full) - 80 <= card["width"] <= max(b["width"] for b in full), (card, full)
    assert card["x"] == pytest.approx(row["x"], abs=2)  # at the row's start, like the first of five


def test_the_readmes_screenshot_of_one_station_shows_its_one_card_at_its_width(servers, browser):
    """README's docs/screenshots/week-feedback-only.png, taken here (1366x900, Kajaani chosen)."""
    one, _five = servers
    (card,), row = cards(browser, one.base, 1366, 900, "", "?station=kajaani")
    assert card["width"] == pytest.approx((row["width"] - 4 * row["gap"]) / 5, abs=2), (card, row)
