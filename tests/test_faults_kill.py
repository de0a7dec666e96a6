"""The collector killed with SIGKILL in the middle of a backfill, then started again: no duplicates, no gap.

The source system is an SQLite file with 100 000 known readings over the last
two days (8 stations x 5 metrics x 2 500 minutes), read by an ``sql`` source;
its first pull spans 5 batches of ``BATCH_SIZE`` (20 000) readings. The test lets
``python -m board collect`` commit at least one batch, kills it with SIGKILL
mid-pull (no clean-up runs), checks that only whole batches are in the store,
starts a new collector and compares the store with the source exactly.
"""

from __future__ import annotations

import signal
from pathlib import Path

from board.collector import BATCH_SIZE
from board.store import Store
from tests.faults_support import (
    METRICS,
    STATIONS,
    SqliteSource,
    collector,
    count_readings,
    fill_history,
    source_rows,
    stop,
    store_rows,
    wait_for,
    write_sources,
)

MINUTES = 2_500
TOTAL = len(STATIONS) * len(METRICS) * MINUTES


def test_sigkill_mid_backfill_then_restart_loses_nothing_and_doubles_nothing(database_url: str, tmp_path: Path):
    source_db = tmp_path / "source.sqlite"
    fill_history(source_db, MINUTES)
    src = SqliteSource(source_db).source(name="dw", stations=STATIONS, backfill_days=3, interval_seconds=2,
                                         stale_after_seconds=600)
    config = write_sources(tmp_path / "config", [src])
    log = tmp_path / "first.log"

    first = collector(config, database_url, log, BOARD_LEASE_SECONDS="3")
    try:
        assert wait_for(lambda: count_readings(database_url) >= BATCH_SIZE, 90, every=0.05), log.read_text()[-3000:]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    at_kill = count_readings(database_url)
    assert BATCH_SIZE <= at_kill < TOTAL, f"the kill came too late to be mid-pull: {at_kill} of {TOTAL}"
    assert at_kill % BATCH_SIZE == 0, f"a partial batch stayed behind: {at_kill} readings"
    store = Store.open(database_url)
    assert store.runs("dw") == [] and store.bookmark("dw") is None  # the killed run recorded nothing

    second = collector(config, database_url, tmp_path / "second.log", BOARD_LEASE_SECONDS="3")
    try:
        assert wait_for(lambda: any(r.ok for r in store.runs("dw")), 120), \
            (tmp_path / "second.log").read_text()[-3000:]
    finally:
        stop(second)
    ok = next(r for r in store.runs("dw", limit=50) if r.ok and r.window_since is None)
    assert ok.rows == TOTAL  # the restart pulled the whole window again (the store's key made the overlap harmless)
    stored = store_rows(database_url)
    assert len(stored) == TOTAL  # no duplicates
    assert set(stored) == source_rows(source_db)  # no gap, no changed value
    store.dispose()
