"""A ``sql`` item source's backlog pulled in a worker ahead of the collector (``backlog_worker_mb``,
connectors/isolated.py ``BacklogConnector``): the same store as pulling it in the collector's process, the run
ledger adding up with refusals and their reasons kept, the next source's backlog started during the run before
it, an incremental pull back in the collector's process, and a worker that dies failing only its own source.

Real parts: SQLite files as the systems' databases, the fork server's workers, the store on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from board.collector import Collector
from board.domain.items import Item, ItemType
from board.domain.reading import Ignored, Rejected, RowsRead
from board.store import Store
from board.store.schema import READINGS_BY_KEY, ItemRow
from board.web.reasons import reason_text
from connectors.isolated import BacklogConnector, IsolatedConnector, _Ahead, _out_of_memory, _pack, _unpack
from tests.test_items_domain import HKI
from tests.test_items_sources import KEY, configure, local

CB = ItemType.CALLBACKS
NOW = local("2026-11-23 10:00")


def _db(path: Path, rows: list[tuple[Any, ...]]) -> None:
    con = sqlite3.connect(path)
    con.execute("create table if not exists soitot (tunnus text primary key, asema text, luotu text, hoidettu text, "
                "tulos text, muutettu text)")
    con.executemany("insert or replace into soitot values (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def _rows(prefix: str, n: int) -> list[tuple[Any, ...]]:
    """``n`` callbacks over the two days before NOW, some handled, plus two a mapper must refuse."""
    base = local("2026-11-21 08:00")
    out: list[tuple[Any, ...]] = []
    for i in range(n):
        start = base + timedelta(minutes=(2880 * i) // n)  # two days, up to 08.00 of the last
        end = start + timedelta(minutes=5 + i % 90) if i % 3 else None
        if end is not None and end > NOW:
            end = None
        out.append((f"{prefix}-{i}", "KAJ" if i % 2 else "SOT", text(start), text(end) if end else None,
                    "HOID" if end else None, text(end or start)))
    out.append((f"{prefix}-bad-1", "KAJ", "1900-01-01 00:00:00", None, None, "2026-11-22 08:10:00"))
    out.append((f"{prefix}-bad-2", "KAJ", "2026-11-22 08:20:00", "0001-01-01 00:00:00", "HOID",
                "2026-11-22 08:30:00"))
    return out


def text(t: Any) -> str:
    """A time as the systems write it: Helsinki local time, no offset."""
    return t.astimezone(HKI).strftime("%Y-%m-%d %H:%M:%S")


def _source(name: str, db: Path, worker_mb: int) -> dict[str, Any]:
    return {"name": name, "type": "sql", "url": f"sqlite:///{db}", "parameters_as": "text", "backfill_days": 3,
            "backlog_worker_mb": worker_mb,
            "query": "SELECT tunnus, asema, luotu, hoidettu, tulos, muutettu FROM soitot "
                     "WHERE muutettu >= :since AND muutettu <= :until",
            "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}},
            "deliver": "items",
            "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "tunnus", "station": "asema", "start": "luotu", "end": "hoidettu",
                                 "outcome": "tulos", "updated": "muutettu"},
                      "outcomes": {"HOID": "resolved"}}}


def _configure(config_dir: Path, database_url: str, sources: list[dict[str, Any]]):
    import yaml

    base = {"interval_seconds": 30, "stale_after_seconds": 600, "stations": ["kajaani", "sotkamo"]}
    configure(config_dir, database_url, sources[0])  # (writes the environment's stations as the other tests)
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [{**base, **s} for s in sources]}),
                                             encoding="utf-8")
    from board.environment import read_environment
    from board.settings import load_settings
    return load_settings(config_dir, database_url, read_environment({"BOARD_ITEM_KEY": KEY}))


def _contents(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every reading and item of the store, as plain sorted rows (what a run left, comparable across stores)."""
    with store.sessions() as s:
        readings = sorted((r.station, r.metric, r.ts.isoformat(), r.value) for r in s.execute(select(READINGS_BY_KEY)))
        items = sorted(tuple(str(getattr(r, c.name)) for c in ItemRow.__table__.columns if c.name != "id")
                       for r in s.scalars(select(ItemRow)))
    return readings, items


class Ticking:
    """A clock that moves a second on every reading: the order of the runs' moments shows what started when."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


def test_a_backlog_pulled_ahead_in_a_worker_stores_what_the_collectors_process_stores(
        config_dir, database_url, tmp_path):
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _db(a, _rows("A", 400))
    _db(b, _rows("B", 300))

    def load(worker_mb: int, url: str) -> tuple[Any, Collector, Store]:
        settings = _configure(config_dir, url, [_source("soitot_a", a, worker_mb), _source("soitot_b", b, worker_mb)])
        store = Store.open(url)
        collector = Collector(settings, store, clock=Ticking(), sleep=lambda s: None)
        return collector.run_once(), collector, store

    ahead, collector, store = load(256, database_url)
    assert all(o.ok for o in ahead), [o.error for o in ahead]
    connectors = [collector.connector(n) for n in ("soitot_a", "soitot_b")]
    assert all(isinstance(c, BacklogConnector) for c in connectors)
    first, second = (o.run for o in ahead)
    assert second.started_at < first.finished_at  # the second source's backlog began during the first's run
    for outcome, n in zip(ahead, (400, 300), strict=True):
        run = outcome.run
        assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (n + 2, n, 2, 0)
        assert run.rows_read == run.rows_stored + run.rows_refused + run.rows_ignored
        (stored_run,) = store.runs(outcome.source)
        shown = {reason_text(r, "fi") for r in store.rejects(stored_run.id)}
        assert any("1900-01-01 on ennen vuotta 2000" in s and "'luotu'" in s for s in shown), shown
        assert any("0001-01-01 on ennen vuotta 2000" in s and "'hoidettu'" in s for s in shown), shown
    got = _contents(store)

    # the same sources pulled in the collector's process, into a store of their own
    plain_url = f"sqlite:///{tmp_path / 'plain.sqlite'}"
    plain, plain_collector, plain_store = load(0, plain_url)
    assert all(o.ok for o in plain)
    assert not isinstance(plain_collector.connector("soitot_a"), BacklogConnector)
    assert [(o.run.rows_read, o.run.rows_stored, o.run.rows_refused) for o in plain] == \
        [(o.run.rows_read, o.run.rows_stored, o.run.rows_refused) for o in ahead]
    want = _contents(plain_store)
    assert len(got[0]) > 100 and len(got[1]) > 100
    # (the runs' moments differ by the ticking clock: compare the items, and the readings up to the last minute)
    assert got[1] == want[1]
    cut = (NOW - timedelta(minutes=1)).isoformat()
    assert [r for r in got[0] if r[2] < cut] == [r for r in want[0] if r[2] < cut]
    plain_store.dispose()

    # an incremental pull (a window shorter than a day) runs in the collector's process, no worker
    _db(a, [("A-new", "KAJ", "2026-11-23 10:00:30", None, None, "2026-11-23 10:00:30")])
    (again, _) = collector.run_once()
    assert again.ok, again.error
    assert (again.run.rows_read, again.run.rows_stored) == (1, 1)
    assert connectors[0].isolated._waiting is None and connectors[0].local._engine is not None
    store.dispose()


def test_a_backlog_started_ahead_has_its_own_time_past_the_run_before_it(config_dir, tmp_path, monkeypatch):
    """The worker started ahead may pull for its own ``pull_timeout_seconds`` past the longest the run before it
    may take (that run's ``pull_timeout_seconds``): counted from its start, the run before used part of its time,
    and a backlog that needed all of it was cancelled in its worker midway through its own turn."""
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _db(a, _rows("A", 40))
    _db(b, _rows("B", 30))
    first, second = _source("soitot_a", a, 256), _source("soitot_b", b, 256)
    first["pull_timeout_seconds"], second["pull_timeout_seconds"] = 900, 120
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = _configure(config_dir, url, [first, second])
    given: dict[str, list[float]] = {}
    start = IsolatedConnector._start

    def recording(self, since, until, deadline):  # the deadline each worker is started with
        given.setdefault(self.name, []).append(deadline.remaining())
        return start(self, since, until, deadline)

    monkeypatch.setattr(IsolatedConnector, "_start", recording)
    store = Store.open(url)
    try:
        outcomes = Collector(settings, store, clock=Ticking(), sleep=lambda s: None).run_once()
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert [o.run.rows_stored for o in outcomes] == [40, 30]
        assert outcomes[1].run.started_at < outcomes[0].run.finished_at  # soitot_b's worker began ahead
        assert len(given["soitot_a"]) == len(given["soitot_b"]) == 1  # that worker's pull was read, not redone
        assert given["soitot_a"][0] <= 900  # in its turn: its own run's deadline
        assert given["soitot_b"][0] > 900  # ahead: its own 120 s past the 900 s soitot_a's run may take
    finally:
        store.dispose()


def test_a_worker_that_dies_fails_only_its_source(config_dir, database_url, tmp_path):
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _db(a, _rows("A", 50))
    _db(b, _rows("B", 50))
    settings = _configure(config_dir, database_url, [_source("soitot_a", a, 256), _source("soitot_b", b, 256)])
    store = Store.open(database_url)
    collector = Collector(settings, store, clock=lambda: NOW, sleep=lambda s: None)
    connector = collector.connector("soitot_a")
    assert connector.prefetch(None, NOW)  # the run below reads this pull: the same window
    worker = connector.isolated._started[2]
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)
    first, second = collector.run_once()
    assert not first.ok and not first.run.rows_stored, first.error
    assert "SIGKILL" in str(first.error) and "backlog_worker_mb (256 MB)" in str(first.error), first.error
    assert second.ok and second.run.rows_stored == 50, second.error
    assert store.item_count("soitot_a") == 0 and store.item_count("soitot_b") == 50
    assert store.bookmark("soitot_a") is None  # the next run pulls the backlog again
    (retry, _) = collector.run_once()
    assert retry.ok and retry.run.rows_stored == 50, retry.error
    store.dispose()


def test_packed_records_come_back_as_they_went():
    records = [Item(CB, "k1", "kajaani", NOW, NOW + timedelta(minutes=3), None, None, False, "resolved",
                    NOW + timedelta(minutes=4)),
               RowsRead(2), Rejected("a reason", 1), Ignored("row 3", "a totals row"),
               Item(ItemType.FEEDBACK, "k2", "sotkamo", NOW, None, None, 9, True, None, None)]
    packed = _pack(records)
    assert [type(r) for r in packed] == [tuple, RowsRead, Rejected, Ignored, tuple]
    assert _unpack(packed) == records


def test_out_of_memory_is_said_after_the_message_being_sent_not_inside_it():
    """A worker pulling ahead that runs out of memory while its sending thread is inside a message (the collector
    busy with the run before: the pipe full) says so after that message, by that thread: the pulling thread's
    own send could land inside the message and the collector could read neither."""

    class Pipe:  # the worker's end of the pipe, the collector not reading until ``gate`` opens
        def __init__(self) -> None:
            self.got: list[tuple[str, Any]] = []
            self.inside, self.gate = threading.Event(), threading.Event()
            self.busy = self.cut = False

        def send_bytes(self, data: bytes) -> None:
            self.cut |= self.busy  # a second message begun inside the first
            self.busy = True
            self.inside.set()
            self.gate.wait(60)
            self.got.append((threading.current_thread().name, pickle.loads(data)))
            self.busy = False

        def send(self, message: Any) -> None:
            self.send_bytes(pickle.dumps(message))

    pipe = Pipe()
    out = _Ahead(pipe, 1 << 20)  # type: ignore[arg-type]
    out.send(("packed", [1, 2]))
    out.send(("packed", [3]))  # waiting: dropped when memory runs out
    assert pipe.inside.wait(30)

    def open_when_abandoned() -> None:  # the collector reads again once the pull has given up
        for _ in range(3000):
            with out.cond:
                if out.waiting and out.waiting[-1] is None:
                    break
            time.sleep(0.01)
        pipe.gate.set()

    opener = threading.Thread(target=open_when_abandoned)
    opener.start()
    _out_of_memory(pipe, out)  # type: ignore[arg-type]
    opener.join(60)
    assert not pipe.cut
    assert pipe.got == [("pull-send", ("packed", [1, 2])), ("pull-send", ("memory",))]
    assert not out.thread.is_alive()


def test_the_fork_server_is_started_up_front_for_a_backlog_worker(config_dir, tmp_path, monkeypatch):
    """``collect`` starts the fork server before the first pull (start_workers) when a source pulls its backlog
    in a worker too, not only for a memory limit (a ``sql`` source has none): its start is not paid inside the
    first backlog's ``pull_timeout_seconds``."""
    import connectors.isolated as isolated

    started: list[str] = []

    class Context:  # records the processes asked for instead of starting them
        def Process(self, **kwargs: Any) -> Any:  # (multiprocessing's name)
            class Process:
                def start(self) -> None:
                    started.append(kwargs["name"])

                def join(self, timeout: float | None = None) -> None:
                    return None
            return Process()

    monkeypatch.setattr(isolated, "_ctx", lambda: Context())
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    plain = _configure(config_dir, url, [_source("soitot_a", tmp_path / "a.sqlite", 0)])
    isolated.start_workers(plain.sources)
    assert started == []  # every pull in the collector's process: no worker, no fork server
    ahead = _configure(config_dir, url, [_source("soitot_a", tmp_path / "a.sqlite", 256)])
    isolated.start_workers(ahead.sources)
    assert started == ["pull-warm-up"]


@pytest.mark.parametrize("failing", ["start_pull", "finish_run"])
def test_no_pull_worker_outlives_a_run_the_store_failed(config_dir, tmp_path, monkeypatch, failing: str):
    """A run raises when the store cannot be written. Before, the next source's backlog started ahead for it (and
    the failed source's own worker, its pull done but never acknowledged) kept running: a process per source
    holding its memory and its database connection until the source's next pull, or to the end of the process."""
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _db(a, _rows("A", 40))
    _db(b, _rows("B", 30))
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = _configure(config_dir, url, [_source("soitot_a", a, 256), _source("soitot_b", b, 256)])
    store = Store.open(url)
    started = IsolatedConnector._start
    workers: list[Any] = []

    def recording(self, since, until, deadline):
        worker, conn = started(self, since, until, deadline)
        workers.append(worker)
        return worker, conn

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(IsolatedConnector, "_start", recording)
    monkeypatch.setattr(store, failing, broken)
    try:
        collector = Collector(settings, store, clock=Ticking(), sleep=lambda s: None)
        with pytest.raises(OperationalError):
            collector.run_once()
        assert {w.name for w in workers} >= {"pull-soitot_b"}  # soitot_b's backlog was started ahead
        if failing == "finish_run":
            assert "pull-soitot_a" in {w.name for w in workers}  # soitot_a's own pull ran and was not committed
        left = [p.name for p in multiprocessing.active_children() if p.name.startswith("pull-")]
        assert left == [], left
    finally:
        store.dispose()


def _pending(conn: Any) -> tuple[int, int]:
    """(bytes waiting in the collector's end of the pipe, where the last message in it ends by the headers)."""
    import fcntl
    import socket
    import struct
    import termios

    waiting = struct.unpack("i", fcntl.ioctl(conn.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    peek = socket.socket(fileno=os.dup(conn.fileno()))
    try:
        data = peek.recv(waiting, socket.MSG_PEEK)
    finally:
        peek.close()
    end = 0
    while end + 4 <= len(data):  # multiprocessing's framing: a 4-byte big-endian length, then the message
        end += 4 + struct.unpack("!i", data[end:end + 4])[0]
    return waiting, end


def test_a_worker_stopped_in_the_middle_of_a_message_fails_its_source_by_the_deadline(
        config_dir, tmp_path, monkeypatch):
    """The collector reads a message once the pipe has some of it; a worker that stopped halfway through one
    (frozen, or its sending thread starved by a call that holds the interpreter) held the collector inside
    that read past ``pull_timeout_seconds`` for good: the deadline's kill was never reached. Now the worker is
    ended at the deadline (+ the grace) wherever the collector waits for it; the source fails with the timeout,
    the next source is pulled."""
    import connectors.isolated as isolated

    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _db(a, _rows("A", 6000))  # three batches of 2 000 items: each message larger than the pipe's buffer
    _db(b, _rows("B", 30))
    first = _source("soitot_a", a, 256)
    first["pull_timeout_seconds"] = 4
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = _configure(config_dir, url, [first, _source("soitot_b", b, 256)])
    monkeypatch.setattr(isolated, "GRACE_SECONDS", 1.0)
    store = Store.open(url)
    collector = Collector(settings, store, clock=lambda: NOW, sleep=lambda s: None)
    connector = collector.connector("soitot_a")
    assert connector.prefetch(None, NOW)  # the run below reads this pull: the same window
    worker, ours = connector.isolated._started[2], connector.isolated._started[3]
    waited = time.monotonic()
    while True:  # until the worker's sending thread is blocked in the middle of its first message
        if ours.poll(0.1):
            waiting, end = _pending(ours)
            time.sleep(0.3)
            if _pending(ours)[0] == waiting:
                break
        assert time.monotonic() - waited < 60, "the worker sent nothing"
    assert end > waiting, (waiting, end)  # (the precondition: the last message only partly in the pipe)
    os.kill(worker.pid, signal.SIGSTOP)
    outcomes: list[Any] = []
    run = threading.Thread(target=lambda: outcomes.extend(collector.run_once()), daemon=True)
    try:
        began = time.monotonic()
        run.start()
        run.join(30)
        took = time.monotonic() - began
        assert not run.is_alive(), "the collector is still inside the read, 30 s past a 4-s pull_timeout_seconds"
        failed, second = outcomes
        assert not failed.ok and failed.run.error_kind != "memory", failed.error
        assert "took longer than 4 s (pull_timeout_seconds)" in str(failed.error), failed.error
        # the deadline, the grace, and the second source's small run, with room for a loaded CI machine: far from
        # the 30 s (and more) the frozen worker held the collector before
        assert took < 4 + 1 + 15, took
        assert second.ok and second.run.rows_stored == 30, second.error
        assert store.item_count("soitot_a") == 0 and store.bookmark("soitot_a") is None
        assert not [p for p in multiprocessing.active_children() if p.name == "pull-soitot_a"]
    finally:
        with contextlib.suppress(Exception):
            os.kill(worker.pid, signal.SIGKILL)  # (before the fix: ends the read the collector is stuck in)
        run.join(10)
        store.dispose()
