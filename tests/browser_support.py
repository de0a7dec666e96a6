"""Shared by the real-browser tests: a ``python -m board serve`` on a free port over a filled store, and Chromium.

``tests/conftest.py`` registers this module as a plugin, so every test module can use the fixtures.
Without Chromium the tests skip with the reason, unless ``BOARD_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from board.collector import Collector
from board.factory import create_board
from board.store import Store
from tests import harness
from tests.harness import ROOT

__all__ = ["ARTIFACTS", "ROOT", "Server", "page_fits", "require_chromium", "start_server"]

ARTIFACTS = ROOT / "test-artifacts"


def require_chromium() -> None:
    from tests.conftest import require

    require(harness.chromium_problem(), "browser")


class Server(harness.Server):
    """A running board web server (:class:`tests.harness.Server`); ``store`` is the store it reads."""

    def __init__(self, tmp: Path, config_dir: Path, url: str, extra_env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.store = Store.open(url)
        # Sign-in off: these tests are about what the pages show (tests/test_access_pages.py is about who sees them).
        try:
            super().__init__(tmp / "server.log", config_dir, url, **{"BOARD_SIGN_IN": "off", **(extra_env or {})})
        except harness.ServerDidNotStart as e:
            self.store.dispose()
            pytest.fail(str(e))

    def stop(self, *args: object, **kwargs: object) -> None:
        super().stop(*args, **kwargs)  # type: ignore[arg-type]
        self.store.dispose()


def start_server(tmp: Path, config_dir: Path | None = None, extra_env: dict[str, str] | None = None) -> Server:
    """A server over a store filled by one collector cycle of the (small) demo configuration."""
    from tests.conftest import write_config

    config_dir = config_dir or write_config(tmp / "config")
    url = f"sqlite:///{tmp / 'board.sqlite'}"
    board = create_board(config_dir, url)
    Collector(board.settings, board.store).run_once()
    board.close()
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
    with harness.chromium() as b:
        yield b


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
