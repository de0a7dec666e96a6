"""The bench's item database (bench/item_database.py) read through the sql item sources gives the demo source's
items and figures: the same store, item for item and reading for reading.

Two stores are loaded at the same moment with the same ``id_key``: one from the demo source with ``deliver:
items`` (the simulator inside the pull), one from the SQLite file of the four systems' tables through the
four documented-shape ``sql`` sources. Then the systems write the next minutes' changes and both collectors
run again. Compared: every stored item (its keyed id, station, times, channel, score, needs-reaction,
outcome — an open callback has no outcome code in a real system, so there it is left out), every reading
(station, metric, time, value) and the daily roll-up. A Tuesday after a build-up-prone weekend at Kajaani,
and the three days around the spring DST night.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bench import item_database
from bench.common import demo_source, sqlite_url, stations, write_config
from board.collector import Collector
from board.domain.timeutil import HELSINKI
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store
from board.store.schema import READINGS_BY_KEY, DailyRow, ItemRow
from connectors.demo import ITEM_DAYS_BEFORE, DemoConnector
from tests.test_items_domain import reconciled

KEY = "item-database-test-key-0123456789"


def _items(store: Store) -> list[tuple]:
    with store.sessions() as s:
        rows = s.scalars(select(ItemRow)).all()
        return sorted((r.key, r.type, r.station, r.start_ts, r.end_ts, r.waits, r.channel, r.score, r.needs_reaction,
                       r.outcome if r.end_ts is not None or r.type != "callbacks" else None, r.updated_ts)
                      for r in rows)


def _readings(store: Store) -> list[tuple]:
    with store.sessions() as s:
        return sorted((r.station, r.metric, r.ts, r.value) for r in s.execute(select(READINGS_BY_KEY)))


def _daily(store: Store) -> list[tuple]:
    with store.sessions() as s:
        return sorted((r.station, r.day, r.metric, r.last_ts, r.last_value, r.max_ts, r.max_value)
                      for r in s.scalars(select(DailyRow)))


@pytest.mark.parametrize(("moment", "days"), [("2026-11-24T11:30:17", 3), ("2026-03-30T10:00:17", 3)])
def test_the_database_source_stores_what_the_demo_source_stores(tmp_path: Path, moment: str, days: int):
    start = datetime.fromisoformat(moment).replace(tzinfo=HELSINKI).astimezone(UTC)
    env = read_environment({})
    demo = demo_source(name="items", deliver="items", id_key=KEY, backfill_days=days)
    sim_config = write_config(tmp_path / "config-demo", 2, [demo])
    demo_url = sqlite_url(tmp_path / "demo.sqlite")
    demo_settings = load_settings(sim_config, demo_url, env)
    source = demo_settings.sources[0]
    connector = DemoConnector(source, demo_settings.stations_of(source), demo_settings)
    assert "kajaani" in connector.codes and len(connector.codes) == 2

    path, hit, written = item_database.prepare(tmp_path / "cache", tmp_path / "systems.sqlite", connector.sim,
                                               stations(2), int(demo["seed"]), start - timedelta(days=days), start,
                                               days, ITEM_DAYS_BEFORE)
    assert not hit and written
    db_config = write_config(tmp_path / "config-db", 2,
                             item_database.sources(sqlite_url(path), connector.codes, KEY, days))
    db_url = sqlite_url(tmp_path / "db.sqlite")
    db_settings = load_settings(db_config, db_url, env)

    now = [start]
    stores = (Store.open(demo_url), Store.open(db_url))
    collectors = (Collector(demo_settings, stores[0], clock=lambda: now[0], sleep=lambda s: None),
                  Collector(db_settings, stores[1], clock=lambda: now[0], sleep=lambda s: None))
    try:
        for step in (timedelta(0), timedelta(minutes=1), timedelta(minutes=37), timedelta(hours=3)):
            before = now[0]
            now[0] += step
            if step:  # the systems write what changed since the last pull
                item_database.write_changes(path, connector.sim, connector.codes, before, now[0], ITEM_DAYS_BEFORE)
            for collector in collectors:
                outcomes = collector.run_once()
                assert all(o.ok for o in outcomes), [(o.source, o.error, o.rejects) for o in outcomes]
            items = _items(stores[0])
            assert items == _items(stores[1])
            readings = _readings(stores[0])
            assert readings == _readings(stores[1])
            assert _daily(stores[0]) == _daily(stores[1])
        assert {r[1] for r in items} == {"callbacks", "messages", "contacts", "feedback"}
        assert any(r[4] is None for r in items if r[1] == "callbacks")  # open callbacks at the end
        assert any(r[10] < start - timedelta(days=days - 1) for r in items)  # the whole window, not just today
        reconciled(case=f"bench item database vs demo source, {days} days to {moment}", items=len(items),
                   readings=len(readings), rows_written=written)
    finally:
        for store in stores:
            store.dispose()


def test_the_cached_file_is_reused_and_copied(tmp_path: Path):
    demo = demo_source(name="items", deliver="items", id_key=KEY, backfill_days=1)
    config = write_config(tmp_path / "config", 2, [demo])
    settings = load_settings(config, sqlite_url(tmp_path / "x.sqlite"), read_environment({}))
    connector = DemoConnector(settings.sources[0], settings.stations_of(settings.sources[0]), settings)
    start = datetime(2026, 11, 24, 9, 30, 17, tzinfo=UTC)
    args = (connector.sim, stations(2), 2026, start - timedelta(days=1), start, 1, 1)
    first = item_database.prepare(tmp_path / "cache", tmp_path / "a.sqlite", *args)
    second = item_database.prepare(tmp_path / "cache", tmp_path / "b.sqlite", *args)
    assert (first[1], second[1]) == (False, True)
    assert (tmp_path / "a.sqlite").read_bytes() == (tmp_path / "b.sqlite").read_bytes()
    later = item_database.prepare(tmp_path / "cache", tmp_path / "c.sqlite", connector.sim, stations(2), 2026,
                                  start - timedelta(days=2), start, 2, 1)
    assert not later[1]  # other days: another file
