"""A first load of items takes shortcuts, and ends with the same store as the general path followed by retention.

A first load (board/item_collect.py: no item of the source stored yet) counts from the items in memory, never
stores the items the pruning would delete at once, and writes the figures of days retention thins as
retention keeps them. The reference store is loaded by the general path (told that items are stored already:
every item stored, read back to count, pruned after; every event minute written), then thinned by retention
itself (board/retention.py, tested on its own in tests/test_retention.py). Items, readings and the daily
roll-up must be identical, row for row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from sqlalchemy import select

from board import retention
from board.collector import Collector
from board.domain.timeutil import day_start, local_date
from board.environment import read_environment
from board.settings import RetentionSettings, Settings, load_settings
from board.store import Store
from board.store.schema import READINGS_BY_KEY, DailyRow, ItemRow
from tests.conftest import write_config

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # a Tuesday, 11.30 Helsinki
POLICY = RetentionSettings(hourly_after_days=8, daily_after_days=12)


DAYS = 37  # more than the demo's keep_closed_days (35): the first load leaves most closed items unstored


def _settings(tmp_path: Path, url: str) -> Settings:
    config = write_config(tmp_path / "config", seed=2026, backfill_days=DAYS, deliver="items",
                          id_key="${BOARD_ITEM_KEY}", stations=["kajaani", "ristijarvi"])
    board_yaml = config / "board.yaml"
    board = yaml.safe_load(board_yaml.read_text(encoding="utf-8"))
    board["retention"] = POLICY.model_dump()
    board_yaml.write_text(yaml.safe_dump(board), encoding="utf-8")
    settings = load_settings(config, url, read_environment({"BOARD_ITEM_KEY": "e" * 32}))
    assert settings.board.retention == POLICY
    return settings


def _load(settings: Settings, url: str, general: bool = False) -> Store:
    store = Store.open(url)
    if general:  # the path of every later run: as if the source's items were stored already
        store.has_items = lambda source: True  # type: ignore[method-assign]
    (outcome,) = Collector(settings, store, clock=lambda: NOW, sleep=lambda s: None).run_once()
    assert outcome.ok, outcome.error
    return store


def _contents(store: Store) -> tuple[list[tuple[object, ...]], ...]:
    r, d, i = READINGS_BY_KEY.c, DailyRow, ItemRow
    with store.sessions() as s:
        items = sorted(tuple(row) for row in s.execute(select(i.source, i.key, i.type, i.station, i.start_ts,
                                                              i.end_ts, i.waits, i.channel, i.score,
                                                              i.needs_reaction, i.outcome, i.updated_ts)))
        readings = sorted(tuple(row) for row in s.execute(select(r.station, r.metric, r.ts, r.value, r.source,
                                                                 r.collected_at)))
        daily = sorted(tuple(row) for row in s.execute(select(d.station, d.metric, d.day, d.last_ts, d.last_value,
                                                              d.max_ts, d.max_value)))
    return readings, daily, items


def test_a_first_load_equals_the_general_path_thinned_by_retention(tmp_path: Path, database_url: str):
    full_url = f"sqlite:///{tmp_path / 'full.sqlite'}"
    full = _load(_settings(tmp_path / "full", full_url), full_url, general=True)
    written = full.count_readings()
    while retention.thin(full, POLICY, NOW):
        pass
    assert full.count_readings() < written * 0.6  # most of 16 days thinned: the comparison is not empty

    short = _load(_settings(tmp_path / "short", database_url), database_url)
    assert short.count_readings() == full.count_readings()
    want, got = _contents(full), _contents(short)
    hourly, daily = (day_start(local_date(NOW) - timedelta(days=n)) for n in (8, 12))
    assert any(row[2] < daily for row in want[0]) and any(daily <= row[2] < hourly for row in want[0])
    assert got[0] == want[0]  # every reading: station, metric, time, value, source, when collected
    assert got[1] == want[1]  # the daily roll-up: each day's last and highest
    assert len(want[1]) > 2 * DAYS * 18
    assert got[2] == want[2]  # the items kept: those closed for more than 35 days are in neither
    assert 1000 < len(want[2]) == short.item_count()
    # retention then finds nothing left to thin in what the first load wrote
    while retention.thin(short, POLICY, NOW):
        pass
    assert short.count_readings() == len(want[0])
    full.dispose()
    short.dispose()


def test_a_later_run_writes_every_instant():
    """Only a first load is written thinned: a later run's recount may meet readings already stored."""
    from board.domain.reading import ReadingBlock

    t0 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    block = ReadingBlock("kajaani", ("a", "b"), tuple(t0 + timedelta(minutes=10 * i) for i in range(4)),
                         np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 1.0], [0.0, 2.0]]))
    assert retention.as_kept(block, []) == [block]
    whole = retention.as_kept(block, [(t0, "hour")])  # nothing before the stage's start: untouched
    assert len(whole) == 1 and whole[0].times == block.times


@pytest.mark.parametrize("seed", range(6))
def test_kept_is_the_last_and_the_latest_highest_of_each_bucket(seed: int):
    """Against a plain reference: per metric and bucket, the last reading and the last of the highest."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    buckets = np.sort(rng.integers(0, 6, n))
    values = rng.integers(0, 4, (n, 3)).astype(np.float64)  # few values: many ties
    mask = retention._kept(buckets, values)
    for j in range(3):
        want = set()
        for b in set(buckets.tolist()):
            rows = [i for i in range(n) if buckets[i] == b]
            want.add(rows[-1])
            want.add(max(rows, key=lambda i: (values[i, j], i)))
        assert set(np.flatnonzero(mask[:, j]).tolist()) == want
