"""The store goes away under the real collector: it retries, catches up, and leaves no partial batch behind.

The source system is an SQLite file with 60 000 known readings (its first
pull spans three batches of ``BATCH_SIZE``) plus a writer adding a new
reading every second. ``python -m board collect`` pulls it every second.

* PostgreSQL restarted: the collector talks to the shared server through a
  TCP proxy on loopback (:class:`tests.faults_support.TcpProxy`); once the
  first batch is committed the proxy drops every connection and refuses new
  ones for a while, as a restarting server does, then accepts again. The
  shared server itself is never touched.
* SQLite locked: the test holds ``BEGIN EXCLUSIVE`` on the store file for a
  while in the middle of the backfill.

Either way the store ends up holding exactly the source's readings.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from board.collector import BATCH_SIZE
from board.store import Store
from tests.faults_support import (
    METRICS,
    STATIONS,
    SqliteSource,
    TcpProxy,
    collector,
    count_readings,
    fill_history,
    source_rows,
    stop,
    store_rows,
    wait_for,
    write_sources,
)

MINUTES = 1_500
HISTORY = len(STATIONS) * len(METRICS) * MINUTES
OUTAGE_SECONDS = 6.0
#: board/store.py make_engine: how long an SQLite write waits for a lock.
BUSY_TIMEOUT = 30


def _source(tmp_path: Path) -> tuple[SqliteSource, Path]:
    source_db = tmp_path / "source.sqlite"
    fill_history(source_db, MINUTES)
    live = SqliteSource(source_db)  # kajaani omasote_unanswered every second, after the history
    src = live.source(name="dw", stations=STATIONS, backfill_days=2, interval_seconds=1, stale_after_seconds=600)
    return live, write_sources(tmp_path / "config", [src])


def _finish_and_compare(live: SqliteSource, store: Store, url: str, proc, log: Path) -> None:  # type: ignore[no-untyped-def]
    """Stop the writer, let the collector take the last readings, stop it, compare the store with the source."""
    live.stop()
    stopped = datetime.now(UTC)
    assert wait_for(lambda: any(r.ok and r.started_at > stopped for r in store.runs("dw", limit=3)), 60), \
        log.read_text()[-3000:]
    stop(proc)
    stored = store_rows(url)
    assert len(stored) == len(set(stored))  # nothing twice
    assert set(stored) == source_rows(live.path)  # nothing missing, nothing else
    assert len(stored) > HISTORY  # the live readings written during the fault are there too


@pytest.mark.postgres
def test_postgres_restart_during_a_backfill(postgres_url: str, tmp_path: Path):
    live, config = _source(tmp_path)
    direct = make_url(postgres_url)
    proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
    via_proxy = postgres_url.replace(f"{direct.host}:{direct.port}", f"127.0.0.1:{proxy.port}")
    assert via_proxy != postgres_url
    store = Store.open(postgres_url)  # the test reads directly, never through the proxy
    log = tmp_path / "collector.log"
    live.start()
    proc = collector(config, via_proxy, log)
    try:
        assert wait_for(lambda: count_readings(postgres_url) >= BATCH_SIZE, 60, every=0.02), log.read_text()[-3000:]
        proxy.cut()
        cut_at = datetime.now(UTC)
        time.sleep(1.0)  # the server has seen the connections go and rolled back what was open
        at_cut = count_readings(postgres_url)
        assert at_cut < HISTORY, "the cut came after the backfill: move it earlier"
        assert at_cut % BATCH_SIZE == 0, f"a partial batch stayed behind: {at_cut} readings"
        time.sleep(OUTAGE_SECONDS)
        assert count_readings(postgres_url) == at_cut  # nothing got through while "restarting"
        assert proc.poll() is None, "the collector died with the store: " + log.read_text()[-3000:]
        proxy.restore()
        restored = datetime.now(UTC)
        assert wait_for(lambda: any(r.ok and r.started_at > restored for r in store.runs("dw", limit=3)), 60), \
            log.read_text()[-3000:]
        assert "could not record the run" in log.read_text()  # the outage was seen and survived, not skipped
        assert not any(r.started_at > cut_at and r.finished_at < restored for r in store.runs("dw", limit=100))
        _finish_and_compare(live, store, postgres_url, proc, log)
    finally:
        stop(proc)
        live.stop()
        proxy.close()
        store.dispose()


def test_sqlite_store_locked_during_a_backfill(sqlite_url: str, tmp_path: Path):
    live, config = _source(tmp_path)
    store = Store.open(sqlite_url)
    log = tmp_path / "collector.log"
    live.start()
    proc = collector(config, sqlite_url, log)
    try:
        assert wait_for(lambda: count_readings(sqlite_url) >= BATCH_SIZE, 60, every=0.02), log.read_text()[-3000:]
        locker = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        locked_at = time.monotonic()
        at_lock = count_readings(sqlite_url)  # WAL: reading still works
        assert at_lock < HISTORY, "the lock came after the backfill: move it earlier"
        time.sleep(OUTAGE_SECONDS)
        assert count_readings(sqlite_url) == at_lock  # the collector waited for the lock
        locker.execute("COMMIT")
        locker.close()
        waited = time.monotonic() - locked_at
        assert proc.poll() is None, log.read_text()[-3000:]
        assert wait_for(lambda: any(r.ok and r.window_since is None for r in store.runs("dw", limit=100)), 60), \
            log.read_text()[-3000:]
        backfill = next(r for r in store.runs("dw", limit=100) if r.window_since is None)
        assert backfill.ok and backfill.duration_seconds >= waited - 1  # it waited inside the run, then finished
        assert all(r.ok for r in store.runs("dw", limit=100))  # a lock shorter than the busy timeout is no failure
        _finish_and_compare(live, store, sqlite_url, proc, log)
    finally:
        stop(proc)
        live.stop()
        store.dispose()


def test_sqlite_store_locked_past_the_busy_timeout(sqlite_url: str, tmp_path: Path):
    """Held past the 30-s busy timeout: the write fails, the run is recorded as failed, the next one catches up."""
    live, config = _source(tmp_path)
    store = Store.open(sqlite_url)
    log = tmp_path / "collector.log"
    live.start()
    proc = collector(config, sqlite_url, log)
    try:
        assert wait_for(lambda: count_readings(sqlite_url) >= BATCH_SIZE, 60, every=0.02), log.read_text()[-3000:]
        locker = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        at_lock = count_readings(sqlite_url)
        assert at_lock < HISTORY, "the lock came after the backfill: move it earlier"
        time.sleep(BUSY_TIMEOUT + 3)
        assert count_readings(sqlite_url) == at_lock
        locker.execute("COMMIT")
        locker.close()
        assert wait_for(lambda: any(not r.ok for r in store.runs("dw", limit=100)), 40), log.read_text()[-3000:]
        failed = next(r for r in store.runs("dw", limit=100) if not r.ok)
        assert failed.error == "OperationalError: database is locked"  # what the Sources page shows
        assert failed.rows == at_lock  # the batches committed before the lock, counted, not undone
        assert proc.poll() is None, log.read_text()[-3000:]
        _finish_and_compare(live, store, sqlite_url, proc, log)
    finally:
        stop(proc)
        live.stop()
        store.dispose()
