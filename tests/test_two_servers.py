"""Two web servers reading one PostgreSQL store (the documented production shape) show the same, live."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from board.collector import Collector
from board.domain.reading import Reading
from board.domain.timeutil import utcnow
from board.settings import load_settings
from board.store import Store
from tests.browser_support import Server, require_chromium
from tests.conftest import write_config

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_two_servers_on_one_postgresql_show_the_same_new_value(postgres_url: str, tmp_path: Path, browser):
    require_chromium()
    config_dir = write_config(tmp_path / "config")
    store = Store.open(postgres_url)
    Collector(load_settings(config_dir, postgres_url), store).run_once()
    servers = []
    for i in (1, 2):
        (tmp_path / f"s{i}").mkdir()
        servers.append(Server(tmp_path / f"s{i}", config_dir, postgres_url))
    try:
        pages = [browser.new_page(viewport={"width": 1366, "height": 768}) for _ in servers]
        for page, srv in zip(pages, servers, strict=True):
            page.goto(f"{srv.base}/wall?station=sotkamo&refresh=2")
            page.wait_for_selector('.wall[data-station="sotkamo"]', timeout=30_000)
        # the collector (any server's) writes once
        store.write_readings([Reading("sotkamo", "omasote_unanswered", utcnow() + timedelta(seconds=1), 4321)],
                             source="demo", now=utcnow())
        for page in pages:
            page.wait_for_function(
                "document.querySelector('[data-figure=\"omasote_unanswered\"]').dataset.value === '4321'",
                timeout=20_000)
            page.close()
    finally:
        for srv in servers:
            srv.stop()
        store.dispose()
