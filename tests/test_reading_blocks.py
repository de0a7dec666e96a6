"""Blocks of readings (``ReadingBlock``): the bulk path means exactly the readings it holds.

A block is how the demo hands over its history (and what makes a year's
backfill fast): the collector checks it a column at a time and the store
writes it without an object per reading. These tests hold it to the same
result as the readings one by one: the stored readings, the daily roll-up and
the newest-reading table, after first writes, corrections, repeated keys and
blocks out of time order, on SQLite and PostgreSQL (on PostgreSQL both ways a
chunk can go: a plain ``COPY``, and the fallback through a staging table when
keys are already stored). The collector's checks find the same problems with
the same reasons, and the demo gives the same blocks whether it simulates in
worker processes or in the collector's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

import board.store.rows as store_rows
import board.store.writes as store_writes
from board.collector import Collector
from board.domain.metrics import all_in_range, range_problem
from board.domain.reading import Reading, ReadingBlock, Rejected, RowsRead, flatten
from board.domain.timeutil import day_bounds, local_date
from board.settings import load_settings
from board.store import DailyRow, NewestRow, Store
from board.store.schema import READINGS_BY_KEY
from connectors import build_connector
from connectors.base import CheckResult

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday 12.00 Helsinki
METRICS = ("queue_waiting", "contacts_phone_today", "omasote_oldest_unanswered_h")


def grid(start: datetime, n: int, step_minutes: int) -> tuple[datetime, ...]:
    return tuple(start + timedelta(minutes=step_minutes * i) for i in range(n))


def block(station: str, times: tuple[datetime, ...], seed: int, metrics: tuple[str, ...] = METRICS) -> ReadingBlock:
    rng = np.random.default_rng(seed)
    return ReadingBlock(station, metrics, times, rng.integers(0, 40, (len(times), len(metrics))).astype(np.float32))


# ------------------------------------------------------------------ the model the store must match
class Model:
    """What the store must hold after a sequence of writes, computed reading by reading in plain Python."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, datetime], tuple[float, str, datetime]] = {}

    def write(self, items: list[Reading | ReadingBlock], source: str, now: datetime) -> None:
        for r in flatten(items):
            assert isinstance(r, Reading)
            old = self.rows.get((r.station, r.metric, r.ts))
            collected = old[2] if old is not None and old[0] == float(r.value) else now
            self.rows[(r.station, r.metric, r.ts)] = (float(r.value), source, collected)

    def daily(self) -> dict[tuple[str, date, str], tuple[datetime, float, datetime, float]]:
        out: dict[tuple[str, date, str], list] = {}  # type: ignore[type-arg]
        for (st, m, ts), (v, _, _) in sorted(self.rows.items()):
            key = (st, local_date(ts), m)
            a = out.get(key)
            if a is None:
                out[key] = [ts, v, ts, v]
            else:
                a[0], a[1] = ts, v
                if v >= a[3]:
                    a[2], a[3] = ts, v
        return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]

    def newest(self) -> dict[tuple[str, str, str], datetime]:
        out: dict[tuple[str, str, str], datetime] = {}
        for (st, m, ts), (_, src, _) in self.rows.items():
            if out.get((src, st, m), ts) <= ts:
                out[(src, st, m)] = ts
        return out


def stored(store: Store) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    with store.sessions() as s:
        readings = {(r.station, r.metric, r.ts): (r.value, r.source, r.collected_at)
                    for r in s.execute(select(READINGS_BY_KEY))}
        daily = {(d.station, d.day, d.metric): (d.last_ts, d.last_value, d.max_ts, d.max_value)
                 for d in s.scalars(select(DailyRow))}
        newest = {(n.source, n.station, n.metric): n.ts for n in s.scalars(select(NewestRow))}
    return readings, daily, newest


def write(store: Store, items: list[Reading | ReadingBlock], now: datetime, source: str = "demo") -> int:
    return store.write_readings(items, source=source, now=now)


@pytest.fixture(params=["copy first", "staged only"])
def copy_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """On PostgreSQL, chunks either try a plain COPY first (any size) or always go through the staging table."""
    monkeypatch.setattr(store_rows, "COPY_MIN_ROWS", 1 if request.param == "copy first" else 10**9)
    return str(request.param)


def test_blocks_store_what_their_readings_would(database_url: str, copy_path: str) -> None:
    store, model = Store.open(database_url), Model()
    midnight = day_bounds(date(2026, 11, 22))[0]
    steps: list[tuple[list[Reading | ReadingBlock], datetime]] = [
        # two stations, three Helsinki days each in one block, then the live day at minute resolution
        ([block("kajaani", grid(midnight, 3 * 48, 30), 1), block("sotkamo", grid(midnight, 3 * 48, 30), 2),
          block("kajaani", grid(midnight + timedelta(days=3), 600, 1), 3)], NOW - timedelta(hours=1)),
        # the same times again, partly changed (corrections lower some days' highest values), partly not
        ([block("kajaani", grid(midnight + timedelta(days=1), 48, 30), 4)], NOW - timedelta(minutes=30)),
        # keys repeated inside one write (the later wins), single readings mixed in, and a block out of time order
        ([block("sotkamo", grid(midnight, 10, 30), 5), block("sotkamo", grid(midnight, 10, 30), 6),
          Reading("sotkamo", "queue_waiting", midnight + timedelta(minutes=30), 99.0),
          block("paltamo", tuple(reversed(grid(midnight + timedelta(hours=20), 12, 30))), 7)], NOW),
    ]
    for items, now in steps:
        assert write(store, items, now) == sum(len(i) if isinstance(i, ReadingBlock) else 1 for i in items)
        model.write(items, "demo", now)
        readings, daily, newest = stored(store)
        assert readings == model.rows
        assert daily == model.daily()
        assert newest == model.newest()
    store.dispose()


def test_a_backfill_written_twice_is_stored_once(database_url: str, copy_path: str) -> None:
    """The re-pull after a restart: every key is already stored, so on PostgreSQL the plain COPY fails on the
    first key and the chunk is upserted instead, in the same transaction, without an error or a duplicate."""
    store = Store.open(database_url)
    items: list[Reading | ReadingBlock] = [block(s, grid(day_bounds(date(2026, 11, 20))[0], 96, 30), i)
                                           for i, s in enumerate(("kajaani", "sotkamo", "paltamo"))]
    write(store, items, NOW - timedelta(hours=1))
    first = stored(store)
    assert write(store, items, NOW) == 3 * 96 * len(METRICS)
    assert stored(store) == first  # same values: not even collected_at moves
    assert store.count_readings() == 3 * 96 * len(METRICS)
    store.dispose()


# ------------------------------------------------------------------ the collector's checks
class BlockSource:
    name = "demo"

    def __init__(self, items: list[Reading | ReadingBlock | Rejected]) -> None:
        self.items = items

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Reading | ReadingBlock | Rejected]:
        yield from self.items

    def check(self, until: datetime) -> CheckResult:
        return CheckResult(True, "ok", "blocks")


def collect(settings, items):  # type: ignore[no-untyped-def]
    store = Store.open(settings.database_url)
    [outcome] = Collector(settings, store, connectors={"demo": BlockSource(items)}, clock=lambda: NOW,
                          sleep=lambda s: None).run_once()
    return store, outcome


def test_a_block_with_bad_readings_keeps_the_good_ones_and_names_each_problem(config_dir, sqlite_url) -> None:
    settings = load_settings(config_dir, sqlite_url)
    times = grid(NOW - timedelta(hours=2), 5, 30)
    values = np.array([[1, 2, 0.5], [3, np.nan, 0.5], [-1, 4, 0.5], [2.5, 5, 0.5], [6, 7, 0.5]], dtype=np.float64)
    late = NOW + timedelta(hours=1)
    store, o = collect(settings, [
        ReadingBlock("kajaani", METRICS, times, values),
        ReadingBlock("nowhere", METRICS, times[:2], values[:2]),  # not a station of this source
        ReadingBlock("sotkamo", ("queue_waiting", "no_such_metric"), times[:1], np.array([[1.0, 2.0]])),
        ReadingBlock("sotkamo", ("queue_waiting",), (times[1], late), np.array([[1.0], [2.0]])),
    ])
    assert o.ok
    assert o.rejects == {
        "contacts_phone_today: value nan is not a finite number": 1,
        range_problem("queue_waiting", -1): 1,  # the same reasons as for single readings
        range_problem("queue_waiting", 2.5): 1,
        "unknown station 'nowhere'": 6,
        "unknown metric 'no_such_metric'": 1,
        "queue_waiting: timestamp in the future": 1,
    }
    assert o.rows == store.count_readings() == 15 - 3 + 1 + 1
    readings, _, _ = stored(store)
    assert readings[("kajaani", "contacts_phone_today", times[4])][0] == 7.0
    assert ("kajaani", "queue_waiting", times[2]) not in readings
    store.dispose()


def test_a_clean_block_reaches_the_store_whole(config_dir, database_url) -> None:
    settings = load_settings(config_dir, database_url)
    b = block("kajaani", grid(NOW - timedelta(days=2), 96, 30), 11)
    store, o = collect(settings, [b, Rejected("row 7: no station")])
    assert o.ok and o.rows == len(b) == store.count_readings() and o.rejects == {"row 7: no station": 1}
    store.dispose()


@pytest.mark.parametrize("values, ok", [
    ([0.0, 3.0, 100_000.0], True),
    ([0.0, 3.5], False),  # a count must be whole
    ([-1.0, 2.0], False),
    ([1.0, float("nan")], False),
    ([1.0, float("inf")], False),
    ([], True),
])
def test_all_in_range_is_the_per_reading_rule_for_a_column(values: list[float], ok: bool) -> None:
    assert all_in_range("queue_waiting", np.array(values)) is ok


def test_all_in_range_allows_fractions_where_the_metric_does() -> None:
    assert all_in_range("omasote_oldest_unanswered_h", np.array([0.25, 12.5]))


def test_a_block_must_be_as_big_as_its_times_and_metrics() -> None:
    with pytest.raises(ValueError, match="2 times x 3 metrics"):
        ReadingBlock("kajaani", METRICS, grid(NOW, 2, 1), np.zeros((3, 2)))


# ------------------------------------------------------------------ the demo, in worker processes
def test_the_demo_gives_the_same_blocks_from_worker_processes(config_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    import connectors.demo as demo

    settings = load_settings(config_dir, "sqlite://")
    source = settings.sources[0].model_copy(update={"backfill_days": 40})
    here = build_connector(source, settings)
    here.workers = 0
    local_items = list(here.pull(None, NOW))
    monkeypatch.setattr(demo, "POOL_MIN_STATION_DAYS", 1)
    pooled = build_connector(source, settings)
    pooled.workers = 1
    remote_items = list(pooled.pull(None, NOW))
    assert [type(i) for i in remote_items] == [type(i) for i in local_items]  # blocks, each followed by RowsRead
    assert [i for i in remote_items if isinstance(i, RowsRead)] == [i for i in local_items if isinstance(i, RowsRead)]
    local = [i for i in local_items if isinstance(i, ReadingBlock)]
    remote = [i for i in remote_items if isinstance(i, ReadingBlock)]
    assert len(remote) == len(local) > len(settings.stations)
    for a, b in zip(local, remote, strict=True):
        assert (a.station, a.metrics, a.times) == (b.station, b.metrics, b.times)
        assert np.array_equal(a.values, b.values)
    assert local_date(remote[0].times[0]) == local_date(NOW)  # today first, so the wall fills at once
    assert all(x < y for b in remote for x, y in zip(b.times, b.times[1:], strict=False))


def test_the_demo_still_delivers_when_its_workers_cannot_start(config_dir, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    import connectors.demo as demo

    settings = load_settings(config_dir, "sqlite://")
    source = settings.sources[0].model_copy(update={"backfill_days": 10})
    expected = list(flatten(build_connector(source, settings).pull(None, NOW)))
    monkeypatch.setattr(demo, "POOL_MIN_STATION_DAYS", 1)
    monkeypatch.setattr(demo, "_start_worker", _die)  # a worker that dies as it starts
    connector = build_connector(source, settings)
    connector.workers = 1
    assert list(flatten(connector.pull(None, NOW))) == expected
    assert "simulating in this process" in caplog.text


def _die(*_args: object) -> None:
    """A worker process's start that kills it (module level: a worker process imports it by name)."""
    os._exit(3)


def test_sqlite_time_is_the_same_text_for_any_zone() -> None:
    """The UTC shortcut of ``sqlite_time`` gives what converting gives, for UTC instants and others alike."""
    from zoneinfo import ZoneInfo

    def converted(ts: datetime) -> str:
        return ts.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    base = datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC)  # the fall-back hour in Helsinki
    for ts in (base, base + timedelta(microseconds=1), base + timedelta(hours=1, microseconds=999_999),
               datetime(1, 1, 1, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC)):
        for zone in (UTC, ZoneInfo("UTC"), ZoneInfo("Europe/Helsinki")):
            assert store_rows.sqlite_time(ts.astimezone(zone)) == converted(ts)


def test_a_write_that_fails_midway_leaves_nothing_and_the_store_usable(database_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An error after some chunks were written (on PostgreSQL by COPY): the write is rolled back whole, and the
    next write on the same store works."""
    monkeypatch.setattr(store_writes, "UPSERT_CHUNK", 100)
    monkeypatch.setattr(store_rows, "COPY_MIN_ROWS", 1)
    store = Store.open(database_url)
    good = block("kajaani", grid(day_bounds(date(2026, 11, 20))[0], 96, 30), 1)
    with pytest.raises(AttributeError):
        write(store, [good, object()], NOW)  # type: ignore[list-item]
    assert store.count_readings() == 0
    other = block("sotkamo", grid(day_bounds(date(2026, 11, 20))[0], 96, 30), 2)
    assert write(store, [good, other], NOW) == 2 * 96 * len(METRICS) == store.count_readings()
    store.dispose()


@pytest.mark.postgres
def test_a_backfill_write_streams_its_chunks_into_one_copy(postgres_server: str, postgres_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL a write's chunks go into one ``COPY`` that stays open while the collector makes the next
    chunk, so the server inserts one while the client makes the other instead of the two taking turns: while
    the write's later items are being made, the writer's backend is still inside its ``COPY`` (not idle)."""
    from uuid import uuid4

    from sqlalchemy import create_engine, text

    monkeypatch.setattr(store_writes, "UPSERT_CHUNK", 100)
    monkeypatch.setattr(store_rows, "COPY_MIN_ROWS", 1)
    name = f"stream-{uuid4().hex[:12]}"
    store = Store.open(f"{postgres_url}&application_name={name}")
    watcher = create_engine(postgres_server)
    seen: list[tuple[str, str]] = []
    start = day_bounds(date(2026, 11, 20))[0]

    def items() -> Iterator[ReadingBlock]:
        for i, station in enumerate(("kajaani", "sotkamo", "paltamo")):
            if i:  # the chunks before this one were handed to the server: where is the writer now?
                with watcher.connect() as conn:
                    state, query = conn.execute(text("SELECT state, query FROM pg_stat_activity "
                                                     "WHERE application_name = :name"), {"name": name}).one()
                seen.append((state, query.split(" (")[0]))
            yield block(station, grid(start, 96, 30), i)

    try:
        assert write(store, items(), NOW) == 3 * 96 * len(METRICS) == store.count_readings()  # type: ignore[arg-type]
    finally:
        watcher.dispose()
        store.dispose()
    assert seen == [("active", "COPY readings"), ("active", "COPY readings")]


def test_a_stream_that_meets_a_stored_key_stages_all_its_chunks(database_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A write of several chunks whose later chunk holds stored keys, and a key repeated across its chunks (the
    later wins): on PostgreSQL the streamed ``COPY`` fails at its end, and every chunk it carried, not only the
    last, is upserted through the staging table. The store holds what the readings one by one would give."""
    monkeypatch.setattr(store_writes, "UPSERT_CHUNK", 100)
    monkeypatch.setattr(store_rows, "COPY_MIN_ROWS", 1)
    store, model = Store.open(database_url), Model()
    start = day_bounds(date(2026, 11, 20))[0]
    first: list[Reading | ReadingBlock] = [block("paltamo", grid(start, 48, 30), 1)]
    write(store, first, NOW - timedelta(hours=2))
    model.write(first, "demo", NOW - timedelta(hours=2))
    again: list[Reading | ReadingBlock] = [
        block("kajaani", grid(start, 96, 30), 2),  # new keys: streamed first
        block("sotkamo", grid(start, 96, 30), 3),  # new keys
        block("kajaani", grid(start + timedelta(hours=12), 48, 30), 4),  # repeats the first chunk's later half
        block("paltamo", grid(start, 96, 30), 5),  # half of them stored by the first write
    ]
    assert write(store, again, NOW) == (96 + 96 + 48 + 96) * len(METRICS)
    model.write(again, "demo", NOW)
    readings, daily, newest = stored(store)
    store.dispose()
    assert readings == model.rows
    assert daily == model.daily()
    assert newest == model.newest()
