"""Two writers making the same new series codes at once (board/store/series.py), on a real database.

A push and a pull of one station, or two collectors whose sources share a station, may meet the same new
(station, metric) pairs together, each in its own order (a record's rows as single readings). Each writer is a
store of its own (a process of its own in production), on a thread here; the two are held at the same points
of their writes (:class:`_Paced`) so that both are inside their transactions together: before any pair is
asked for, and again after the first reading's pair. Both writes must commit, every reading under one code per
pair, both stores' caches holding the database's codes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event, text

from board.domain.reading import Reading
from board.store import Store

AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PAIRS = [(station, metric) for station in ("kajaani", "kuhmo", "sotkamo")
         for metric in ("contacts_today", "queue_waiting")]
#: A stuck writer fails the test after this long instead of hanging it (the machine may be loaded).
PATIENCE = 120.0


class _Writer:
    """One writer: its own store (engine, pool, code cache), its own name to be found by on the server."""

    def __init__(self, url: str, name: str) -> None:
        self.name = f"writers-{name}-{uuid.uuid4().hex[:8]}"
        self.postgres = not url.startswith("sqlite")
        if self.postgres:
            url = f"{url}&application_name={self.name}"
        self.store = Store.open(url, create=False)
        self.arrived: list[threading.Event] = [threading.Event() for _ in range(4)]
        self.statements = 0  # SQLite: statements this writer has begun (a blocked one has begun)
        self.statements_at_arrival = 0
        if not self.postgres:
            @event.listens_for(self.store.engine, "connect")
            def _trace(dbapi_conn, _record):  # type: ignore[no-untyped-def]
                dbapi_conn.set_trace_callback(self._began)
        self.error: BaseException | None = None
        self.written = 0

    def _began(self, _sql: str) -> None:
        self.statements += 1


def _waiting_on_a_lock(admin, writer: _Writer) -> bool:  # type: ignore[no-untyped-def]
    with admin.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                                      "AND wait_event_type = 'Lock'"), {"name": writer.name}).scalar())


class _Paced(list):  # type: ignore[type-arg]
    """A write's list of readings that, at the start of each pass over it (the write's asking for codes, then its
    rows) and after each pass's first reading, waits for the other writer to reach the same point, or to be
    blocked by this one (waiting for a lock this writer holds: then waiting for it would never end)."""

    def __init__(self, items: list[Reading], me: _Writer, other: _Writer, admin) -> None:  # type: ignore[no-untyped-def]
        super().__init__(items)
        self.me, self.other, self.admin, self.passes = me, other, admin, 0

    def __iter__(self) -> Iterator[Reading]:
        self.passes += 1
        for i, item in enumerate(list.__iter__(self)):
            if i < 2:
                self._meet(2 * min(self.passes - 1, 1) + i)
            yield item

    def _meet(self, point: int) -> None:
        self.me.statements_at_arrival = self.me.statements
        self.me.arrived[point].set()
        deadline = time.monotonic() + PATIENCE
        while not self.other.arrived[point].wait(0.02):
            if self.other.error is not None or self.other.written:
                return  # the other is done: nothing to meet
            if self.other.postgres and _waiting_on_a_lock(self.admin, self.other):
                return
            if not self.other.postgres and self.other.statements != self.other.statements_at_arrival:
                return  # SQLite: the other began a statement since it was last held (blocked, or about to be)
            assert time.monotonic() < deadline, f"{self.other.name} never came to point {point}"


def _write(writer: _Writer, readings: list[Reading], source: str) -> None:
    try:
        writer.written = writer.store.write_readings(readings, source, AT)
    except BaseException as error:  # the test looks at it
        writer.error = error


def _both(url: str) -> tuple[_Writer, _Writer]:
    Store.open(url).dispose()  # the tables, made once before the writers start
    pull, push = _Writer(url, "pull"), _Writer(url, "push")
    admin = create_engine(url)
    pulled = _Paced([Reading(st, m, AT, float(i)) for i, (st, m) in enumerate(PAIRS)], pull, push, admin)
    pushed = _Paced([Reading(st, m, AT + timedelta(minutes=1), 100.0 + i) for i, (st, m) in enumerate(PAIRS)][::-1],
                    push, pull, admin)
    threads = [threading.Thread(target=_write, args=(pull, pulled, "jono")),
               threading.Thread(target=_write, args=(push, pushed, "push"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE * 2)
    admin.dispose()
    return pull, push


def _race_past_a_held_row(admin: Engine, holder: Connection, held: RootTransaction,
                          *writes: tuple[_Writer, list[Reading], str], what: str) -> None:
    """Start each write on a thread, wait until every writer waits on a lock (on the row ``held`` keeps, or, taking
    the rows in one order, the second on the first), let the row go and wait for the writes: neither may fail."""
    threads = [threading.Thread(target=_write, args=write) for write in writes]
    for thread in threads:
        thread.start()
    writers = [writer for writer, _, _ in writes]
    deadline = time.monotonic() + PATIENCE
    while not all(_waiting_on_a_lock(admin, writer) for writer in writers):
        assert all(writer.error is None for writer in writers), [writer.error for writer in writers]
        assert time.monotonic() < deadline, f"the writers never all waited for the held {what}"
        time.sleep(0.02)  # polling the server's view of the writers, not a wait for something to happen in time
    held.rollback()
    holder.close()
    for thread in threads:
        thread.join(PATIENCE * 2)
    assert all(writer.error is None for writer in writers), [writer.error for writer in writers]


def test_two_writers_make_the_same_new_pairs_in_opposite_orders(database_url: str):
    pull, push = _both(database_url)
    assert pull.error is None and push.error is None, (pull.error, push.error)
    assert (pull.written, push.written) == (len(PAIRS), len(PAIRS))
    with pull.store.engine.connect() as conn:
        codes = {(st, m): code for code, st, m in conn.execute(text("SELECT id, station, metric FROM series"))}
        stored = sorted(tuple(row) for row in conn.execute(text("SELECT series, value, source FROM readings")))
        daily = {(st, m): (value, top) for st, m, value, top in conn.execute(
            text("SELECT station, metric, last_value, max_value FROM daily_readings"))}
    assert sorted(codes) == sorted(PAIRS) and len(set(codes.values())) == len(PAIRS)
    # every reading of both writers, each under its pair's one code (computed here from the lists written)
    assert stored == sorted([(codes[p], float(i), "jono") for i, p in enumerate(PAIRS)]
                            + [(codes[p], 100.0 + i, "push") for i, p in enumerate(PAIRS)])
    assert daily == {p: (100.0 + i, 100.0 + i) for i, p in enumerate(PAIRS)}
    for writer in (pull, push):
        assert all(writer.store.series_codes.get(p) == code for p, code in codes.items())
        writer.store.dispose()


@pytest.mark.postgres
def test_two_writers_of_known_pairs_take_the_day_rows_in_one_order(postgres_url: str):
    """The pairs' codes and day rows exist; two writers of the same pairs met in opposite orders (a later reading
    each, so no reading of one is the other's) both merge into the same six day rows. A third transaction holds
    the middle day row until both writers wait for it: had they taken the rows in the orders they met them,
    each would hold the half the other needs next (PostgreSQL aborts one as deadlocked)."""
    first = Store.open(postgres_url)
    first.write_readings([Reading(st, m, AT - timedelta(hours=1), 0.0) for st, m in PAIRS], "jono", AT)
    first.dispose()
    pull, push = _Writer(postgres_url, "pull"), _Writer(postgres_url, "push")
    admin = create_engine(postgres_url)
    holder = admin.connect()
    held = holder.begin()
    middle = PAIRS[len(PAIRS) // 2]
    holder.execute(text("SELECT 1 FROM daily_readings WHERE station = :st AND metric = :m FOR UPDATE"),
                   {"st": middle[0], "m": middle[1]})
    pulled = [Reading(st, m, AT, float(i)) for i, (st, m) in enumerate(PAIRS)]
    pushed = [Reading(st, m, AT + timedelta(minutes=1), 100.0 + i) for i, (st, m) in enumerate(PAIRS)][::-1]
    _race_past_a_held_row(admin, holder, held, (pull, pulled, "jono"), (push, pushed, "push"), what="day row")
    assert (pull.written, push.written) == (len(PAIRS), len(PAIRS))
    with admin.connect() as conn:
        daily = {(st, m): (value, top) for st, m, value, top in conn.execute(
            text("SELECT station, metric, last_value, max_value FROM daily_readings"))}
    assert daily == {p: (100.0 + i, 100.0 + i) for i, p in enumerate(PAIRS)}
    admin.dispose()
    for writer in (pull, push):
        writer.store.dispose()


@pytest.mark.postgres
def test_a_write_aborted_as_deadlocked_is_written_again_whole(postgres_url: str):
    """What the key order cannot prevent: two large writes of the same readings in opposite orders (two pushes of
    one backfill, one sent again newest first) stream them into ``readings`` by ``COPY`` in the order met. A third
    transaction holds the middle reading's key until both wait for it; then each holds the half the other needs,
    and PostgreSQL aborts one. The store writes the aborted one again, whole, once the other has committed: both
    writes count every reading once, and every reading is stored once."""
    first = Store.open(postgres_url)
    first.write_readings([Reading("kajaani", "queue_waiting", AT - timedelta(days=1), 0.0)], "jono", AT)
    first.dispose()
    n = 2000  # a streamed COPY (board/store/rows.py, COPY_MIN_ROWS)
    times = [AT + timedelta(minutes=i) for i in range(n)]
    pull, push = _Writer(postgres_url, "pull"), _Writer(postgres_url, "push")
    admin = create_engine(postgres_url)
    holder = admin.connect()
    held = holder.begin()
    holder.execute(text("INSERT INTO readings (series, ts, value, source, collected_at) SELECT id, :ts, 9, 'x', :ts "
                        "FROM series"), {"ts": times[n // 2].replace(tzinfo=None)})
    pulled = [Reading("kajaani", "queue_waiting", ts, 1.0) for ts in times]
    pushed = [Reading("kajaani", "queue_waiting", ts, 2.0) for ts in reversed(times)]
    _race_past_a_held_row(admin, holder, held, (pull, pulled, "jono"), (push, pushed, "push"), what="reading")
    assert (pull.written, push.written) == (n, n)
    with admin.connect() as conn:
        stored = conn.execute(text("SELECT count(*), count(DISTINCT ts), min(value), max(value) FROM readings "
                                   "WHERE ts >= :at"), {"at": AT.replace(tzinfo=None)}).one()
        retried = conn.execute(text("SELECT count(*) FROM readings WHERE source = 'x'")).scalar()
    assert stored[:2] == (n, n) and retried == 0
    assert stored[2] == stored[3]  # all of one write: the one written again went last, over every reading
    admin.dispose()
    for writer in (pull, push):
        writer.store.dispose()


@pytest.mark.postgres
def test_two_pushes_of_new_pairs_both_run_and_their_ledgers_add_up(postgres_url: str, tmp_path):  # type: ignore[no-untyped-def]
    """The whole path: two push services (each its own store, as two API processes) take pushes of the same
    stations' first readings at the same moment, one source's records in one order and the other's in the other
    (each record a single reading, its code asked for as met before session 16). A third transaction makes the
    middle pair's code and keeps it uncommitted until both pushes wait for it. Both runs must succeed, each
    ledger adding up (read = stored + refused + ignored), every record stored once under one code per pair."""
    import yaml

    from board.environment import read_environment
    from board.push import PushDesk
    from board.settings import load_settings
    from tests.conftest import write_config

    pairs = [(st, m) for st in ("kajaani", "kuhmo", "sotkamo") for m in ("queue_oldest_wait_min", "queue_waiting")]
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)  # in the past at any hour: accepted
    config = write_config(tmp_path / "config")
    mapping = {"station": "asema", "metric": "mittari", "time": "aika", "value": "arvo"}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [
        {"name": "jono", "type": "push", "token": "${JONO_TOKEN}", "mapping": mapping},
        {"name": "muu", "type": "push", "token": "${MUU_TOKEN}", "mapping": mapping}]}), encoding="utf-8")
    environ = {"JONO_TOKEN": "jono-token-0123456789abcdefghij", "MUU_TOKEN": "muu-token-0123456789abcdefghijkl"}
    Store.open(postgres_url).dispose()
    first, second = _Writer(postgres_url, "jono"), _Writer(postgres_url, "muu")
    settings = load_settings(config, postgres_url, read_environment(environ))
    desks = [PushDesk(settings, w.store) for w in (first, second)]
    records = {
        "jono": [{"asema": st, "mittari": m, "aika": at.isoformat(), "arvo": i} for i, (st, m) in enumerate(pairs)],
        "muu": [{"asema": st, "mittari": m, "aika": (at + timedelta(minutes=1)).isoformat(), "arvo": 100 + i}
                for i, (st, m) in enumerate(pairs)][::-1],
    }
    results: dict[str, object] = {}

    def push(desk: PushDesk, name: str) -> None:
        try:
            results[name] = desk.take(name, records[name])
        except BaseException as error:  # the test looks at it
            results[name] = error

    admin = create_engine(postgres_url)
    holder = admin.connect()
    held = holder.begin()
    holder.execute(text("INSERT INTO series (station, metric) VALUES (:st, :m)"),
                   {"st": pairs[3][0], "m": pairs[3][1]})
    threads = [threading.Thread(target=push, args=(desk, name)) for desk, name in zip(desks, ("jono", "muu"),
                                                                                          strict=True)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + PATIENCE
    while not (_waiting_on_a_lock(admin, first) and _waiting_on_a_lock(admin, second)):
        assert not results, results
        assert time.monotonic() < deadline, "the pushes never both waited for the held code"
        time.sleep(0.02)  # polling the server's view of the writers, not a wait for something to happen in time
    held.rollback()
    holder.close()
    for thread in threads:
        thread.join(PATIENCE * 2)
    for name in ("jono", "muu"):
        result = results[name]
        assert not isinstance(result, BaseException), result
        run = result.outcome.run  # type: ignore[attr-defined]
        assert result.outcome.ok, result.outcome.error  # type: ignore[attr-defined]
        assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (len(pairs), len(pairs), 0, 0)
        assert result.outcome.rows == len(pairs)  # type: ignore[attr-defined]
    with admin.connect() as conn:
        codes = {(st, m): code for code, st, m in conn.execute(text("SELECT id, station, metric FROM series"))}
        stored = sorted(tuple(row) for row in conn.execute(text("SELECT series, value, source FROM readings")))
    assert sorted(codes) == sorted(pairs) and len(set(codes.values())) == len(pairs)
    assert stored == sorted([(codes[p], float(i), "jono") for i, p in enumerate(pairs)]
                            + [(codes[p], 100.0 + i, "muu") for i, p in enumerate(pairs)])
    admin.dispose()
    for writer in (first, second):
        writer.store.dispose()
