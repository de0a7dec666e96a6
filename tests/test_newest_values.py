"""``newest_readings`` keeps the newest reading's value and source (migration 0015), and they stay the readings'.

The overview and the alert turn read the newest values from ``newest_readings`` alone instead of joining the
readings (docs/PERFORMANCE.md 7, "session 11: the newest value kept"). The value is written by the same
statement that moves the row's time, so every way a reading can change under it is played here at random on
both databases, and after each step the reads are compared with their definition taken from the readings
themselves: the newest reading of each station's metric, and each row's value and source as the reading stored
at its time. The steps: blocks in time order (a running collector), readings one by one out of time order and
with repeated times in one write, a later re-delivery of a stored instant with another value (by the same or
the other source), a correction of an older reading, and retention's thinning.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select

from board.domain.reading import Reading, ReadingBlock
from board.store import Store
from board.store.schema import READINGS_BY_KEY, NewestRow

START = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # 23:30 in Helsinki: the steps cross a Helsinki midnight
STATIONS = ("n01", "n02", "n03")
METRICS = ("queue_waiting", "contacts_phone_today")
SOURCES = ("demo", "push")


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def _definition(store: Store) -> tuple[dict[tuple[str, str], tuple[datetime, float, str]],
                                        dict[tuple[str, str, datetime], tuple[float, str]]]:
    """The newest reading of each (station, metric), and every reading by key, from ``readings`` itself."""
    r = READINGS_BY_KEY.c
    with store.sessions() as s:
        rows = [(st, m, _utc(ts), v, src) for st, m, ts, v, src in
                s.execute(select(r.station, r.metric, r.ts, r.value, r.source))]
    newest: dict[tuple[str, str], tuple[datetime, float, str]] = {}
    for st, m, ts, v, src in rows:
        if (st, m) not in newest or ts > newest[(st, m)][0]:
            newest[(st, m)] = (ts, v, src)
    return newest, {(st, m, ts): (v, src) for st, m, ts, v, src in rows}


def _check(store: Store, step: str) -> int:
    """The reads against the definition; how many newest rows had their reading to compare with."""
    newest, readings = _definition(store)
    every = store.latest_values_of()
    got = {(st, m): (x.ts, x.value, x.source) for st, by_metric in every.items() for m, x in by_metric.items()}
    assert got == newest, step
    for st in STATIONS:
        one = {m: (x.ts, x.value, x.source) for m, x in store.latest_values(st).items()}
        assert one == {m: v for (s, m), v in newest.items() if s == st}, step
    assert store.latest_values_of(["n02"], ["queue_waiting"]) == (
        {"n02": {"queue_waiting": every["n02"]["queue_waiting"]}} if "queue_waiting" in every.get("n02", {}) else {})
    n = NewestRow.__table__.c
    compared = 0
    with store.sessions() as s:
        for src, st, m, ts, v, vsrc in s.execute(select(n.source, n.station, n.metric, n.ts, n.value,
                                                        n.value_source)):
            stored = readings.get((st, m, _utc(ts)))
            if stored is not None:  # thinning may take a source's newest reading under another's later one
                assert (v, vsrc) == stored, (step, src, st, m, ts)
                compared += 1
    return compared


def _random_step(rng: random.Random, store: Store, minute: int) -> str:
    """One random write (or a thinning) around ``minute`` minutes after START; what it was."""
    source = rng.choice(SOURCES)
    now = START + timedelta(minutes=minute, seconds=30)
    kind = rng.choice(("block", "block", "singles", "redeliver", "correct", "thin"))
    stations = rng.sample(STATIONS, rng.randint(1, len(STATIONS)))
    if kind == "block":  # a collector's pull: the last pull's overlap and the new minutes, in time order
        times = tuple(START + timedelta(minutes=minute - k) for k in range(rng.randint(1, 3), -1, -1))
        blocks = [ReadingBlock(st, METRICS, times, np.asarray(
            [[rng.randint(0, 9) for _ in METRICS] for _ in times], dtype=float)) for st in stations]
        store.write_readings(blocks, source, now)
    elif kind == "singles":  # out of time order, a time repeated with another value (the last one wins)
        singles = [Reading(st, m, START + timedelta(minutes=minute - rng.randint(0, 4)), float(rng.randint(0, 9)))
                   for st in stations for m in METRICS for _ in range(3)]
        rng.shuffle(singles)
        store.write_readings(singles, source, now)
    elif kind == "redeliver":  # a stored instant (often a newest one) again, with another value
        _, readings = _definition(store)
        keys = sorted(readings)
        picked = rng.sample(keys, min(len(keys), 4)) if keys else []
        newest, _ = _definition(store)
        picked += [(st, m, ts) for (st, m), (ts, _, _) in sorted(newest.items())[:2]]
        store.write_readings([Reading(st, m, ts, readings[(st, m, ts)][0] + 1 + rng.randint(0, 3))
                              for st, m, ts in picked], source, now)
    elif kind == "correct":  # an older reading corrected, the newest left as it is
        old = START + timedelta(minutes=max(0, minute - 6))
        store.write_readings([ReadingBlock(st, METRICS, (old,), np.zeros((1, len(METRICS)))) for st in stations],
                             source, now)
    else:  # retention thinning of everything so far, by 5-minute buckets (keeps each bucket's last and highest)
        store.thin_readings(START - timedelta(hours=1), START + timedelta(minutes=minute + 1),
                            lambda ts: (ts.hour, ts.minute // 5))
    return f"{kind} by {source} at minute {minute}"


def test_newest_values_stay_the_newest_readings_under_random_writes(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        rng = random.Random(15)
        compared = 0
        for step in range(60):
            what = _random_step(rng, store, 2 + step // 2)
            compared += _check(store, f"step {step}: {what}")
        assert compared > 60 * len(STATIONS)  # the rows' values were really compared, not skipped
    finally:
        store.dispose()


def test_another_source_redelivering_the_newest_instant_moves_both_rows_values(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        ts = START + timedelta(minutes=5)
        store.write_readings([Reading("n01", "queue_waiting", ts, 3.0)], "demo", ts)
        store.write_readings([Reading("n01", "queue_waiting", ts - timedelta(minutes=1), 1.0),
                              Reading("n01", "queue_waiting", ts, 7.0)], "push", ts)
        n = NewestRow.__table__.c
        with store.sessions() as s:
            rows = sorted(s.execute(select(n.source, n.value, n.value_source)).all())
        assert rows == [("demo", 7.0, "push"), ("push", 7.0, "push")]
        assert store.latest_values("n01")["queue_waiting"].value == 7.0
        assert store.latest_values("n01")["queue_waiting"].source == "push"
    finally:
        store.dispose()


def test_migration_0015_fills_the_values_of_a_store_written_before_it(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from board import store as store_module

    store = Store.open(database_url)
    try:
        ts = START + timedelta(minutes=5)
        store.write_readings([ReadingBlock(st, METRICS, (ts - timedelta(minutes=1), ts),
                                           np.asarray([[1.0, 2.0], [3.0, 4.0]])) for st in STATIONS], "demo", ts)
        config = Config()
        config.set_main_option("script_location", str(store_module.MIGRATIONS))
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0014")
            command.upgrade(config, "head")
        assert {st: {m: (x.ts, x.value, x.source) for m, x in by.items()}
                for st, by in store.latest_values_of().items()} == {
            st: {"queue_waiting": (ts, 3.0, "demo"), "contacts_phone_today": (ts, 4.0, "demo")} for st in STATIONS}
    finally:
        store.dispose()
