"""No silent loss by the clock (issue 19, item 7): the real sql connector and collector over an SQLite source
system, the collector's clock moved by the test.

* Rows that become visible 180 s after their timestamp (the default lookback
  is 120 s): with the bookmark at each pull's start, every next window began
  after them, and all 60 rows of a quarter of an hour were lost, each run
  "OK". The bookmark is now the newest row read, so they are all read.
* The collector's clock an hour ahead for a while, then stepped back an hour:
  the bookmark had followed the clock an hour ahead, so after the step back
  every window began after the rows being written, and the bookmark went
  back when the clock did. Now the bookmark follows the rows read (never
  past the pull's start, never backwards) and nothing is lost.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from board.collector import Collector
from board.settings import load_settings
from board.store import Store
from tests.faults_support import SqliteSource, write_sources

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _setup(tmp_path: Path) -> tuple[SqliteSource, Collector, Store, list[datetime]]:
    source = SqliteSource(tmp_path / "source.sqlite")
    config = write_sources(tmp_path / "config", [source.source()])  # default lookback_seconds (120)
    settings = load_settings(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    assert settings.sources[0].lookback_seconds == 120
    store = Store.open(settings.database_url)
    clock = [T0]
    collector = Collector(settings, store, clock=lambda: clock[0], sleep=lambda _s: None, backoff_seconds=0)
    return source, collector, store, clock


def _insert(source: SqliteSource, stamps: list[datetime]) -> None:
    with sqlite3.connect(source.path) as conn:
        conn.executemany("INSERT INTO kpi VALUES ('kajaani', 'omasote_unanswered', ?, ?)",
                         [(s.strftime("%Y-%m-%d %H:%M:%S"), float(i)) for i, s in enumerate(stamps)])
    conn.close()


def _stored(store: Store) -> set[datetime]:
    return {r.ts for r in store.series("kajaani", ["omasote_unanswered"], T0 - timedelta(days=1),
                                       T0 + timedelta(days=1))}


def test_rows_visible_180_s_after_their_time_are_all_read(tmp_path: Path) -> None:
    source, collector, store, clock = _setup(tmp_path)
    stamps = [T0 + timedelta(seconds=15 * i) for i in range(60)]  # a row every 15 s for a quarter of an hour
    visible: set[datetime] = set()
    outcomes = []
    for run in range(22):  # a pull a minute, until the last row has been visible for a while
        now = T0 + timedelta(seconds=60 * run)
        new = [s for s in stamps if s + timedelta(seconds=180) <= now and s not in visible]
        _insert(source, new)
        visible.update(new)
        clock[0] = now
        outcomes.extend(collector.run_once())
    assert all(o.ok for o in outcomes)
    missing = sorted(set(stamps) - _stored(store))
    store.dispose()
    assert missing == [], f"{len(missing)} of {len(stamps)} rows lost"


def test_a_collector_clock_stepped_back_an_hour_loses_nothing(tmp_path: Path) -> None:
    source, collector, store, clock = _setup(tmp_path)
    bookmarks = []
    stamps: list[datetime] = []
    for step in range(48):  # 24 minutes of true time, a pull every 30 s, a row every 10 s
        true_now = T0 + timedelta(seconds=30 * step)
        new = [true_now - timedelta(seconds=s) for s in (20, 10, 0)]
        _insert(source, new)
        stamps.extend(new)
        # Minutes 8-16 the collector's clock runs an hour ahead, then it is stepped back (NTP fixes it).
        clock[0] = true_now + timedelta(hours=1) if 16 <= step < 32 else true_now
        collector.run_once()
        bookmarks.append(store.bookmark("omasote"))
    for extra in range(1, 4):  # the clock right again for a few more pulls
        clock[0] = T0 + timedelta(seconds=30 * (47 + extra))
        collector.run_once()
        bookmarks.append(store.bookmark("omasote"))
    missing = sorted(set(stamps) - _stored(store))
    store.dispose()
    assert all(b is not None for b in bookmarks)
    assert all(later >= earlier for earlier, later in itertools.pairwise(bookmarks)), \
        "the bookmark moved backwards"
    assert missing == [], f"{len(missing)} of {len(stamps)} rows lost"
