"""Change-driven wall refresh (board/web/changes.py, the page shell's long poll and fragment rerun request).

The units: the versions are read at most once per ``max_age`` however many ask; a long poll answers at once when
the caller is behind, as soon as the station moves, and "unchanged" after its timeout, and a change of another
station does not wake it. End to end: a real server and Chromium show a wall whose fragment timer is a minute;
values and a notice written into the store reach the DOM long before that timer could have run.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from board.domain.reading import Reading
from board.web.changes import Versions, Watch


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_versions_are_read_at_most_once_per_max_age() -> None:
    reads = []
    values = {"kajaani": 3, "*": 1}
    clock = FakeClock()
    versions = Versions(lambda: reads.append(1) or dict(values), max_age=0.5, clock=clock)
    assert [versions.of("kajaani") for _ in range(100)] == ["3.1"] * 100
    assert versions.of("kuhmo") == "0.1" and len(reads) == 1
    values["kajaani"] = 4
    clock.now += 0.4
    assert versions.of("kajaani") == "3.1" and len(reads) == 1
    clock.now += 0.1
    assert versions.of("kajaani") == "4.1" and len(reads) == 2


def test_versions_read_only_the_stations_asked_about() -> None:
    """A web server follows its walls' stations, not the store's: a station asked about for the first time is
    read at once, the others keep the half-second rule, and past ``most`` followed the whole table is read."""
    values = {"kajaani": 3, "sotkamo": 5, "kuhmo": 7, "*": 1}
    asked: list[object] = []

    def read_some(codes):  # type: ignore[no-untyped-def]
        asked.append(set(codes))
        return {c: v for c, v in values.items() if c in codes or c == "*"}

    def read_all() -> dict[str, int]:
        asked.append("all")
        return dict(values)

    clock = FakeClock()
    versions = Versions(read_all, max_age=0.5, clock=clock, read_some=read_some, most=2)
    assert versions.of("kajaani") == "3.1" and asked == [{"kajaani"}]
    assert versions.all() == {"kajaani": 3, "*": 1}
    assert versions.of("sotkamo") == "5.1" and asked[-1] == {"kajaani", "sotkamo"}  # new: read at once
    assert [versions.of(c) for c in ("kajaani", "sotkamo") * 10] == ["3.1", "5.1"] * 10 and len(asked) == 2
    values["kajaani"] = 4
    clock.now += 0.5
    assert versions.of("kajaani") == "4.1" and len(asked) == 3
    assert versions.of("kuhmo") == "7.1" and asked[-1] == "all"  # a third station past most=2: the whole table
    assert versions.all() == values
    assert versions.of("made-up") == "0.1" and asked[-1] == "all"


def test_a_web_servers_versions_do_not_grow_with_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The regression of docs/PERFORMANCE.md 7: the versions a wall's server reads twice a second were the
    whole table (900 rows at 900 stations, 0.75 ms of CPU a read); now its walls' stations and ``*`` only."""
    from board.factory import create_board
    from board.web import streamlit_support as sup
    from tests.conftest import write_config

    board = create_board(write_config(tmp_path / "config"), f"sqlite:///{tmp_path / 'board.sqlite'}")
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    board.store.write_readings([Reading(f"asema{i:03d}", "queue_waiting", now, 1.0) for i in range(300)]
                               + [Reading("kajaani", "queue_waiting", now, 2.0)], "jono", now)
    sup.use_board(board)
    try:
        versions = sup.change_versions()
        assert versions.of("kajaani") == "1.0"
        assert versions.all() == {"kajaani": 1}
        assert len(board.store.change_versions()) == 301
    finally:
        sup.use_board(None)
        board.close()


def test_a_long_poll_answers_behind_moved_and_unchanged() -> None:
    values = {"kajaani": 1, "sotkamo": 1}
    versions = Versions(lambda: dict(values), max_age=0.0)
    watch = Watch(lambda: versions, period=0.05)

    async def scenario() -> None:
        assert await watch.wait("kajaani", "0.0", timeout=5) == "1.0"  # behind: at once
        assert await watch.wait("kajaani", "1.0", timeout=0.3) == "1.0"  # nothing moved: unchanged at the timeout

        waiting = asyncio.ensure_future(watch.wait("kajaani", "1.0", timeout=30))
        await asyncio.sleep(0.3)
        values["sotkamo"] = 2  # another station: kajaani's wall is not woken
        await asyncio.sleep(0.3)
        assert not waiting.done()
        values["kajaani"] = 2
        assert await asyncio.wait_for(waiting, 10) == "2.0"
        values["*"] = 1  # a notice on every station moves every station
        assert await watch.wait("sotkamo", "2.0", timeout=10) == "2.1"

    asyncio.run(scenario())


def test_a_released_watch_answers_its_waiting_polls_at_once() -> None:
    """What a server's stop does first: the walls' 25-s polls are answered now (unchanged), later ones at once."""
    versions = Versions(lambda: {"kajaani": 1}, max_age=0.0)
    watch = Watch(lambda: versions, period=0.05)

    async def scenario() -> None:
        waiting = [asyncio.ensure_future(watch.wait("kajaani", "1.0", timeout=60)) for _ in range(3)]
        await asyncio.sleep(0.3)
        assert not any(w.done() for w in waiting)
        started = time.monotonic()
        watch.release()
        assert await asyncio.wait_for(asyncio.gather(*waiting), 5) == ["1.0"] * 3
        assert await asyncio.wait_for(watch.wait("kajaani", "1.0", timeout=60), 5) == "1.0"
        assert time.monotonic() - started < 2

    asyncio.run(scenario())


def test_a_server_with_walls_waiting_stops_at_once(tmp_path) -> None:
    """A real server with a long poll open (25 s) stops on SIGTERM within a few seconds, and the poll is answered."""
    import json
    import threading
    import urllib.request

    from tests.browser_support import start_server

    srv = start_server(tmp_path)
    try:
        with urllib.request.urlopen(f"{srv.base}/_board/changes?station=kajaani&since=x", timeout=10) as r:
            version = json.load(r)["version"]  # behind: answered at once with the current version
        answers: list[object] = []

        def poll() -> None:
            url = f"{srv.base}/_board/changes?station=kajaani&since={version}"
            try:
                with urllib.request.urlopen(url, timeout=60) as r:
                    answers.append(json.load(r)["version"])
            except OSError as e:
                answers.append(e)

        waiting = threading.Thread(target=poll)
        waiting.start()
        time.sleep(1.5)
        assert not answers  # it is waiting
        started = time.monotonic()
        srv.proc.terminate()
        srv.proc.wait(timeout=20)
        stopped = time.monotonic() - started
        waiting.join(10)
        assert stopped < 8, f"the server took {stopped:.1f} s to stop with a wall's poll open"
        assert answers == [version]
    finally:
        srv.stop()


@pytest.mark.browser
def test_the_wall_follows_its_data_between_ticks(server, browser) -> None:
    base, store = server
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(f"{base}/wall?station=kajaani&refresh=120")  # the fragment's own timer: not within this test
        page.wait_for_selector('.wall[data-station="kajaani"][data-version]', timeout=60_000)
        loaded = time.monotonic()
        assert page.locator("button").count() == 0  # the shell asks for the fragment's rerun itself: no widget
        for value in (4321, 4322):
            now = datetime.now(UTC)
            store.write_readings([Reading("kajaani", "queue_waiting", now, value)], "demo", now)
            page.wait_for_selector(f'[data-figure="queue_waiting"][data-value="{value}"]', timeout=30_000)
        store.add_notice("Muutos näkyy heti", ["kajaani"], datetime.now(UTC) - timedelta(minutes=1),
                         datetime.now(UTC) + timedelta(hours=1), "vuoro", datetime.now(UTC))
        page.wait_for_selector('.notice:has-text("Muutos näkyy heti")', timeout=30_000)
        assert time.monotonic() - loaded < 100  # so the timer (120 s) never ran: the changes brought each
        assert page.locator(".offline-banner").count() == 0
    finally:
        page.close()
