"""Shared by the real-browser tests: a ``python -m board serve`` on a free port over a filled store, and Chromium.

``tests/conftest.py`` registers this module as a plugin, so every test module can use the fixtures.
Without Chromium the tests skip with the reason, unless ``BOARD_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from board.collector import Collector
from board.settings import load_settings
from board.store import Store

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("BOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)"
        if os.environ.get("BOARD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; BOARD_REQUIRE_BROWSER=1 makes this a failure")
        pytest.skip(reason)


class Server:
    """A running board web server; ``base`` is its URL, ``store`` the store it reads."""

    def __init__(self, tmp: Path, config_dir: Path, url: str, extra_env: dict[str, str] | None = None) -> None:
        self.tmp, self.config_dir, self.url = tmp, config_dir, url
        self.store = Store.open(url)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Sign-in off: these tests are about what the pages show (tests/test_access_pages.py is about who sees them).
        env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": url, "BOARD_SIGN_IN": "off",
               **(extra_env or {})}
        self._log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "board", "serve", "--port", str(self.port)], cwd=ROOT,
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"server did not start: {(tmp / 'server.log').read_text()[-2000:]}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._log.close()
        self.store.dispose()


def start_server(tmp: Path, config_dir: Path | None = None, extra_env: dict[str, str] | None = None) -> Server:
    """A server over a store filled by one collector cycle of the (small) demo configuration."""
    from tests.conftest import write_config

    config_dir = config_dir or write_config(tmp / "config")
    url = f"sqlite:///{tmp / 'board.sqlite'}"
    store = Store.open(url)
    Collector(load_settings(config_dir, url), store).run_once()
    store.dispose()
    return Server(tmp, config_dir, url, extra_env)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """(base URL, store) of a server shared by a test module."""
    require_chromium()
    srv = start_server(tmp_path_factory.mktemp("browser"))
    yield srv.base, srv.store
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def page_fits(page, content_selector: str = "body") -> list[str]:  # type: ignore[no-untyped-def]
    """Problems with how a page fits its window: scrolling, or elements sticking out of ``content_selector``."""
    return page.evaluate("""(sel) => {
        const bad = [];
        const d = document.documentElement;
        if (d.scrollHeight > window.innerHeight + 1) bad.push('page scrolls vertically: ' + d.scrollHeight);
        if (d.scrollWidth > window.innerWidth + 1) bad.push('page scrolls horizontally: ' + d.scrollWidth);
        const root = document.querySelector(sel);
        if (!root) { bad.push('no element ' + sel); return bad; }
        const r = root.getBoundingClientRect();
        root.querySelectorAll('*').forEach(e => {
          const b = e.getBoundingClientRect();
          if (b.width && b.right > window.innerWidth + 1) bad.push((e.className || e.tagName) + ' sticks out right');
        });
        return bad;
    }""", content_selector)
