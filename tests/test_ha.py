"""High availability: collectors sharing a store pull each source once, and take over from a dead one."""

from __future__ import annotations

import itertools
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from board.store import Store
from tests.conftest import write_config
from tests.harness import Process, collector_process, wait_for

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_lease_has_one_holder_until_it_expires(database_url: str):
    store = Store.open(database_url)
    assert store.take_lease("demo", "a", NOW, 30)
    assert not store.take_lease("demo", "b", NOW + timedelta(seconds=10), 30)
    assert store.take_lease("demo", "a", NOW + timedelta(seconds=20), 30)  # renewed until 20 + 30 s
    assert not store.take_lease("demo", "b", NOW + timedelta(seconds=45), 30)
    assert store.take_lease("demo", "b", NOW + timedelta(seconds=51), 30)  # a's lease ran out
    assert not store.take_lease("demo", "a", NOW + timedelta(seconds=52), 30)
    assert store.take_lease("other", "a", NOW, 30)  # leases are per source
    store.release_leases("b")
    assert store.take_lease("demo", "a", NOW + timedelta(seconds=53), 30)  # released: free at once
    assert store.leases()["demo"][0] == "a"
    store.dispose()


def _collector(config_dir: Path, url: str, log: Path) -> Process:
    return collector_process(log, config_dir, url, BOARD_LEASE_SECONDS="4")


def _wait(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    return bool(wait_for(predicate, seconds, every=0.3))


@pytest.mark.postgres
def test_two_collector_processes_share_the_work_and_survive_a_kill(postgres_url: str, tmp_path: Path):
    config_dir = write_config(tmp_path / "config", interval_seconds=1, backfill_days=0)
    store = Store.open(postgres_url)
    first = _collector(config_dir, postgres_url, tmp_path / "a.log")
    second = _collector(config_dir, postgres_url, tmp_path / "b.log")
    procs = {first.pid: first, second.pid: second}
    try:
        assert _wait(lambda: len(store.runs("demo", limit=200)) >= 6, 60), (tmp_path / "a.log").read_text()
        runs = store.runs("demo", limit=200)
        holders = {r.holder for r in runs}
        assert len(holders) == 1  # both running, one pulls
        spans = sorted((r.started_at, r.finished_at) for r in runs)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # never two pulls at once
        pid = int(holders.pop().split(":")[1])
        survivor = next(p for p in procs.values() if p.pid != pid)
        killed_at = datetime.now(UTC)
        procs[pid].send_signal(signal.SIGKILL)
        procs[pid].wait(timeout=10)

        def taken_over() -> bool:
            return any(r.holder and int(r.holder.split(":")[1]) == survivor.pid and r.started_at > killed_at
                       for r in store.runs("demo", limit=50))

        assert _wait(taken_over, 30), (tmp_path / "b.log").read_text()[-2000:]
        took = min(r.started_at for r in store.runs("demo", limit=50)
                   if r.holder and int(r.holder.split(":")[1]) == survivor.pid and r.started_at > killed_at)
        assert took - killed_at < timedelta(seconds=4 + 1 + 5)  # lease + one interval + slack
        assert store.runs("demo", limit=1)[0].ok
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                p.wait(timeout=30)
        store.dispose()
