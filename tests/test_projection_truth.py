"""The wall's end-of-day projection against what the demo's day really did (session 16, "projcheck").

Reported: on the plain demo, Tuesday 24.11 at 15.00, Kajaani's wall said "ennuste klo 18.00: 0 jonossa" beside a
long queue, while the stored history closed with about 49 waiting. The truth here is read independently of the
projection code: the demo source's own readings of the queue at closing, stored by the collector after the day
has run. The day did empty (its nurses work the queue off by 18.00); a history closing with ~49 came from a store
the always-open demo had filled (docs/PERFORMANCE.md section 6, session 16).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from board.alerts.evaluator import Evaluator
from board.collector import Collector
from board.domain.timeutil import day_bounds
from board.factory import create_board
from board.read.wall import station_view
from board.web.wall_html import render_wall
from tests.conftest import write_config

DAY = date(2026, 11, 24)  # a Tuesday: Kajaani 8-18, the others 8-16 (config/stations.yaml)
STATIONS = ("kajaani", "paltamo", "ristijarvi", "sotkamo")  # three that build queues up, one that does not


@pytest.mark.parametrize("always_open", [False, True], ids=["plain", "always-open"])
def test_the_walls_projection_holds_the_closing_queue_the_day_really_had(tmp_path: Path, always_open: bool) -> None:
    environ = {"BOARD_ALWAYS_OPEN": "1"} if always_open else {}
    # The shipped demo source (seed 2026, 30-minute history, minute-by-minute today) with six weeks of history.
    config = write_config(tmp_path / "config", seed=2026, backfill_days=43, history_step_minutes=30,
                          live_step_seconds=60)
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    start, end = day_bounds(DAY)
    shown: list[tuple[str, int, float, float, float, object, str]] = []
    for hour in (10, 15):
        now = start + timedelta(hours=hour)
        board = create_board(config, url, environ=environ)
        try:
            Collector(board.settings, board.store, clock=lambda now=now: now).run_once()
            Evaluator(board.settings, board.store, "test", clock=lambda now=now: now).turn()
            for code in STATIONS:
                view = station_view(board.settings, board.store, code, now, with_trend=False)
                p = view.projection
                assert p is not None and p.ok, (code, hour, view.projection_reason)
                text = re.search(r'class="proj-text">([^<]*)<', render_wall(view)).group(1)
                shown.append((code, hour, p.queue, p.queue_low, p.queue_high, p.closes_at, text))
        finally:
            board.close()

    # After the day has run: the collector the next morning stores the rest of the day; the truth is the
    # stored queue at the closing instant (midnight's reading when the station is open until the day ends).
    board = create_board(config, url, environ=environ)
    try:
        later = end + timedelta(hours=3)
        Collector(board.settings, board.store, clock=lambda: later).run_once()
        misses = []
        for code, hour, queue, low, high, closes_at, text in shown:
            [at_close] = board.store.series(code, ["queue_waiting"], closes_at, closes_at + timedelta(seconds=1))
            truth = at_close.value
            assert f": {queue:.0f} " in text  # the number on the wall is the stored projection's
            if not low <= truth <= high:
                misses.append((code, hour, text, truth))
            # The median is near the truth: never further from it than the band is wide, plus two.
            assert abs(queue - truth) <= 2 + (high - low), (code, hour, text, truth)
        # An 80 % band: of these 8 projections at most 2 may miss (8 in 10 held over 106 days per station).
        assert len(misses) <= 2, misses
        if not always_open:  # the reported afternoon: Kajaani at 15.00 projects an empty queue, and it emptied
            kaj = next(s for s in shown if s[0] == "kajaani" and s[1] == 15)
            assert kaj[2] == 0 and kaj[6].startswith("ennuste klo 18.00: 0 jonossa")
            [closing] = board.store.series("kajaani", ["queue_waiting"], kaj[5], kaj[5] + timedelta(seconds=1))
            assert closing.value == 0
    finally:
        board.close()
