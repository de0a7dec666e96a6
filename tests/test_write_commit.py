"""The collector's batches and lease renewals commit without waiting for the disk; the run's record waits.

Why (docs/PERFORMANCE.md 7, *The decline, session 15*): each of a backfill's
batches ended in a commit that waited for its WAL to be flushed. The bargain,
and why no bookmark can move past a lost write: ``Dialect.commit_without_waiting``
(board/store/engine.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import event

from board.domain.reading import Reading, ReadingBlock
from board.domain.runs import Run
from board.store import Store

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_a_pulls_writes_and_lease_renewals_commit_asynchronously_and_its_record_does_not(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    commits: list[tuple[str, int]] = []

    @event.listens_for(store.engine, "commit")
    def _probe(conn):  # type: ignore[no-untyped-def]
        # Just before each COMMIT, on the committing connection itself (its DB-API cursor: no SQLAlchemy events).
        cur = conn.connection.dbapi_connection.cursor()
        cur.execute("select current_setting('synchronous_commit'), pg_backend_pid()")
        commits.append(cur.fetchone())
        cur.close()

    try:
        # What the collector does in one pull (board/collector.py): the lease, a batch, the lease renewed, the
        # last batch, then the run's record with the new bookmark.
        times = tuple(T0 + timedelta(minutes=i) for i in range(3))
        block = ReadingBlock("kajaani", ("queue_waiting", "callbacks_open"), times,
                             np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        assert store.take_lease("demo", "host:1:a", T0, 60)
        assert store.write_readings([block], "demo", T0) == 6
        assert store.take_lease("demo", "host:1:a", T0 + timedelta(seconds=1), 60)
        assert store.write_readings([Reading("kuhmo", "queue_waiting", T0, 7.0)], "demo", T0) == 1
        run = Run(source="demo", started_at=T0, finished_at=T0 + timedelta(seconds=2), window_since=None, rows=7,
                  rejected=0, attempts=1, ok=True, holder="host:1:a")
        store.finish_run(run, {}, bookmark=T0 + timedelta(minutes=2))
        event.remove(store.engine, "commit", _probe)
        assert store.count_readings() == 7
        assert store.bookmark("demo") == T0 + timedelta(minutes=2)
        assert not store.take_lease("demo", "host:2:b", T0 + timedelta(seconds=30), 60)  # still held: it counted
    finally:
        store.dispose()
    # the first write of a pair made its code: it waited (test below), as did the run's record
    assert [setting for setting, _ in commits] == ["off", "on", "off", "on", "on"]
    assert len({pid for _, pid in commits}) == 1  # one pooled connection throughout: SET LOCAL did not stay on it


@pytest.mark.postgres
def test_a_write_that_makes_series_codes_waits_for_the_disk(postgres_url: str) -> None:
    """A write's new codes are kept by the store's cache at its commit and later writes send them without asking
    (board/store/series.py): a commit PostgreSQL could lose in a crash would leave the cache with codes the table
    no longer has, and the next run's readings under them. So a write that makes a code waits; one that only
    uses known codes (every write of a running collector but a station's first) does not."""
    store = Store.open(postgres_url)
    commits: list[str] = []

    @event.listens_for(store.engine, "commit")
    def _probe(conn):  # type: ignore[no-untyped-def]
        cur = conn.connection.dbapi_connection.cursor()
        cur.execute("select current_setting('synchronous_commit')")
        commits.append(cur.fetchone()[0])
        cur.close()

    try:
        times = tuple(T0 + timedelta(minutes=i) for i in range(2))
        block = ReadingBlock("kajaani", ("queue_waiting",), times, np.array([[1.0], [2.0]]))
        store.write_readings([block], "demo", T0)  # a new pair: its code made
        store.write_readings([Reading("kajaani", "queue_waiting", T0 + timedelta(minutes=5), 3.0)], "demo", T0)
        other = Store.open(postgres_url, create=False)  # another process: the code is not in its cache
        other.write_readings([Reading("kajaani", "queue_waiting", T0 + timedelta(minutes=6), 4.0)], "push", T0)
        other.dispose()
        store.write_readings([Reading("kajaani", "callbacks_open", T0, 5.0),  # one new pair among known ones
                              Reading("kajaani", "queue_waiting", T0 + timedelta(minutes=7), 6.0)], "demo", T0)
        event.remove(store.engine, "commit", _probe)
        assert store.count_readings() == 6
    finally:
        store.dispose()
    assert commits == ["on", "off", "on"]  # the other store's write is not probed (its own engine)
