"""``bench history``'s replayed backfill (``history.source=cache``): the board's own part of a load is timed on
exactly the readings the simulator would have handed over (bench/loading.py: pregenerate, ReplayConnector)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.loading import InstrumentedCollector, ReplayConnector, pregenerate
from board.factory import create_board
from board.store import ReadingRow

AT = datetime(2026, 11, 24, 22, 40, tzinfo=UTC)  # 25 Nov 00:40 Helsinki: a fixed clock, not the time of day


def _load(config: Path, url: str, replay: dict | None) -> tuple[int, float, int]:  # type: ignore[type-arg]
    board = create_board(config, url)
    try:
        load = InstrumentedCollector(board.settings, board.store, clock=lambda: AT, replay=replay).cycle()
        assert load.ok, load.error
        r = ReadingRow.__table__.c
        with board.store.sessions() as s:
            count, total = s.execute(select(func.count(), func.sum(r.value))).one()
        return load.readings, float(total), count
    finally:
        board.close()


def test_a_replayed_backfill_stores_what_the_simulator_did(config_dir: Path, tmp_path: Path) -> None:
    from board.settings import load_settings

    replay = pregenerate(load_settings(config_dir), AT)
    simulated = _load(config_dir, f"sqlite:///{tmp_path / 'a.sqlite'}", None)
    replayed = _load(config_dir, f"sqlite:///{tmp_path / 'b.sqlite'}", replay)
    assert simulated[0] > 1000  # a backfill, not an empty window
    assert replayed == simulated


def test_a_replay_serves_only_the_window_it_was_made_for() -> None:
    class Inner:
        name = "demo"

    source = ReplayConnector(Inner(), ["x"], None, AT)
    assert list(source.pull(None, AT)) == ["x"]
    with pytest.raises(ValueError):
        source.pull(None, AT + timedelta(minutes=1))
    with pytest.raises(ValueError):
        source.pull(AT - timedelta(days=1), AT)


def test_a_load_counts_the_items_of_each_batch(config_dir: Path, tmp_path: Path) -> None:
    # bench history tells a batch of long blocks from one of one reading per metric by its readings per item.
    from board.domain.reading import Reading, ReadingBlock
    from board.settings import load_settings

    replay = pregenerate(load_settings(config_dir), AT)
    handed = [i for items in replay.values() for i in items if isinstance(i, Reading | ReadingBlock)]
    board = create_board(config_dir, f"sqlite:///{tmp_path / 'c.sqlite'}")
    try:
        load = InstrumentedCollector(board.settings, board.store, clock=lambda: AT, replay=replay).cycle()
    finally:
        board.close()
    assert load.ok, load.error
    assert sum(b.items for b in load.batches) == len(handed)
    assert all(b.keys >= b.items for b in load.batches)  # a block touches one key per metric and day at least
    assert sum(b.readings for b in load.batches) == load.readings == sum(
        len(i) if isinstance(i, ReadingBlock) else 1 for i in handed)
