"""The wall display in a real browser (Debian's Chromium) against a real server.

Starts ``python -m board serve`` on a free loopback port over a store filled
by the collector, opens the wall page, checks the numbers against the store,
checks that a new reading appears without a page reload, that nothing
overflows at 1920x1080 and 1366x768, and saves screenshots in
``test-artifacts/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from board.collector import Collector
from board.domain.reading import Reading
from board.domain.timeutil import utcnow
from board.settings import load_settings
from board.store import Store

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("BOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)"
        if os.environ.get("BOARD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; BOARD_REQUIRE_BROWSER=1 makes this a failure")
        pytest.skip(reason)
    from tests.conftest import write_config

    tmp = tmp_path_factory.mktemp("browser")
    config_dir = write_config(tmp / "config")
    url = f"sqlite:///{tmp / 'board.sqlite'}"
    store = Store.open(url)
    Collector(load_settings(config_dir, url), store).run_once()
    port = free_port()
    env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": url}
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "board", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start: {(tmp / 'server.log').read_text()[-2000:]}")
        time.sleep(0.3)
    yield base, store
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


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
    with store.sessions.begin() as s:
        store.upsert_readings(s, [Reading("kajaani", "queue_waiting", utcnow() + timedelta(seconds=1), 777)],
                              source="demo", now=utcnow())
    page.wait_for_function(
        "document.querySelector('[data-figure=\"queue_waiting\"]').dataset.value === '777'", timeout=20_000)
    assert page.evaluate("window.__notReloaded") is True
    assert "777" in page.locator('[data-family="queue"] .value').first.inner_text()
    page.close()


def test_wall_fits_a_small_screen(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{base}/wall?station=ristijarvi")
    page.wait_for_selector('.wall[data-station="ristijarvi"]', timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "wall-ristijarvi-1366x768.png"))
    assert no_overflow(page) == []
    page.close()
