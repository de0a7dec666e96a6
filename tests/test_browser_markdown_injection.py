"""No Markdown injection on /week (issue 19, item 8), in a real Chromium against ``python -m board serve``.

``?week=[Istuntosi vanheni](http://…)`` rendered a live link in the page's
warning, ``&station=![x](http://…/pixel.png)`` made the browser fetch an
outside image, and a station name from stations.yaml was rendered as
Markdown in the caption, though the README says names are plain text. The
"outside" server here is a loopback server that counts what it is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from tests.browser_support import ARTIFACTS, require_chromium, start_server
from tests.conftest import write_config
from tests.loopback import Loopback, loopback

pytestmark = pytest.mark.browser


@pytest.fixture
def outside() -> Iterator[Loopback]:
    with loopback() as server:
        server.set(b"GIF89a", content_type="image/gif")
        yield server


def test_week_url_and_station_names_are_shown_as_typed(tmp_path: Path, outside: Loopback, browser: Any) -> None:
    require_chromium()
    evil = f"http://127.0.0.1:{outside.server.server_port}"
    config = write_config(tmp_path / "config")
    stations = yaml.safe_load((config / "stations.yaml").read_text(encoding="utf-8"))
    first = stations["stations"][0]
    first["name"] = f"**Kajaani** [klikkaa]({evil}/name-link) ![p]({evil}/name-pixel.png)"
    (config / "stations.yaml").write_text(yaml.safe_dump(stations, allow_unicode=True), encoding="utf-8")
    server = start_server(tmp_path, config)
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        week = quote(f"[Istuntosi vanheni]({evil}/phish)")
        station = quote(f"![x]({evil}/pixel.png)")
        page.goto(f"{server.base}/week?week={week}&station={station}&station={first['code']}")
        page.wait_for_selector('[data-testid="stAlert"]', timeout=30_000)
        page.wait_for_selector('[data-testid="stCaptionContainer"]', timeout=30_000)
        page.wait_for_timeout(1500)  # let any image load start
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "week-markdown-injection.png"))
        links = page.eval_on_selector_all(f'a[href*="{outside.server.server_port}"]', "els => els.length")
        images = page.eval_on_selector_all(f'img[src*="{outside.server.server_port}"]', "els => els.length")
        body = page.inner_text("body")
        page.close()
    finally:
        server.stop()
    assert (links, images) == (0, 0)
    assert outside.answer.requests == [], f"the page fetched from outside: {outside.answer.requests}"
    assert "[Istuntosi vanheni](" in body  # the URL's text, as typed
    assert f"**Kajaani** [klikkaa]({evil}/name-link)" in body  # the configured name, as typed
