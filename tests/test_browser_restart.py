"""The web server restarted while wall screens are open: the screens come back by themselves.

Two wall tabs (two stations, ``?refresh=2``) in a real Chromium against
``python -m board serve``. The server is stopped, stays down for a while, and
a new server process starts on the same port. Nobody touches the tabs. Then
new readings go into the store, and both tabs must show them, without a page
reload (a flag set in the page before the restart survives), with the
fragment's reruns going on at their interval.

What Streamlit's frontend does (1.67, seen here and in its source): on a lost
websocket it pings ``/_stcore/health`` with a backoff capped at 4 s, for ever;
when the server answers it opens a new websocket and reruns the page in a new
server session, and the ``st.fragment(run_every=…)`` timer registers again
with it. So no watchdog of our own is needed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from board.domain.reading import Reading
from board.domain.timeutil import utcnow
from tests import harness
from tests.browser_support import Server, require_chromium, start_server

pytestmark = pytest.mark.browser

#: Counts the page's websocket sends (one per fragment rerun request), surviving new websockets.
COUNT_SENDS = """(() => { window.__sends = []; const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (d) { window.__sends.push(Date.now()); return send.call(this, d); }; })();"""
DOWN_SECONDS = 8


def _serve(server: Server, port: int, log: Path) -> harness.Server:
    """The same server again on the same port (its environment without the sign-in override: the wall is public)."""
    try:
        return harness.Server(log, server.config_dir, server.url, port=port, start_seconds=60)
    except harness.ServerDidNotStart as e:
        pytest.fail(f"the restarted server did not come up: {e}")


@pytest.fixture
def first_server(tmp_path: Path) -> Iterator[Server]:
    require_chromium()
    srv = start_server(tmp_path)
    yield srv
    srv.stop()


def _value(page, code: str) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate("(c) => document.querySelector(`[data-figure=\"${c}\"]`)?.dataset.value ?? null", code)


def test_wall_screens_come_back_after_a_server_restart(first_server: Server, browser, tmp_path: Path):
    srv = first_server
    port = srv.port
    pages = {}
    for code in ("kajaani", "sotkamo"):
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.add_init_script(COUNT_SENDS)
        page.goto(f"{srv.base}/wall?station={code}&refresh=2")
        page.wait_for_selector(f'.wall[data-station="{code}"]', timeout=60_000)
        page.evaluate("window.__notReloaded = true")
        pages[code] = page
    time.sleep(3)

    srv.proc.terminate()
    srv.proc.wait(timeout=20)
    time.sleep(DOWN_SECONDS)
    sends_while_down = {c: p.evaluate("window.__sends.length") for c, p in pages.items()}
    second = _serve(srv, port, tmp_path / "server2.log")
    try:
        back = time.monotonic()
        values = {"kajaani": 901.0, "sotkamo": 902.0}
        srv.store.write_readings([Reading(c, "queue_waiting", utcnow() + timedelta(seconds=1), v)
                                  for c, v in values.items()], source="demo", now=utcnow())
        for code, page in pages.items():
            page.wait_for_function(
                "(v) => document.querySelector('[data-figure=\"queue_waiting\"]')?.dataset.value === v",
                arg=f"{values[code]:g}", timeout=60_000)
        took = time.monotonic() - back
        time.sleep(6)  # the fragments keep rerunning in the new sessions
        for code, page in pages.items():
            assert page.evaluate("window.__notReloaded") is True, f"{code}: the page was reloaded"
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator(".wall[data-unavailable]").count() == 0
            sends = page.evaluate("window.__sends")
            recent = [t for t in sends if t >= sends[-1] - 6000]
            assert len(sends) > sends_while_down[code] + 3, code
            assert len(recent) >= 3, f"{code}: the fragment stopped rerunning after the restart: {recent}"
        assert took < 30, f"the screens took {took:.0f} s to come back"
    finally:
        second.stop(timeout=20)
        for page in pages.values():
            page.close()
