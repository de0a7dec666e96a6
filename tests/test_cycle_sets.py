"""A collector cycle's set-based work (docs/PERFORMANCE.md 7, "Collector cycle at 900 stations") keeps the store
exactly as the rules say, on SQLite and PostgreSQL.

A running collector's cycle is hundreds of small blocks (one per station, a
few times each, overlapping the last pull). Their summary tables are now
merged in one statement each, a small block's ``COPY`` rows are packed one
by one, a block's range check covers all its metrics at once, and the alert
turn judges source health without the Sources page's freshness grid. Each is
checked here against its plain definition: the readings as the last write
left them, ``newest_readings`` as the newest reading per source, station and
metric, ``daily_readings`` as each day recomputed from its readings, the
health as :func:`board.read.sources.source_statuses` judges it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from sqlalchemy import select

from board.domain.metrics import all_in_range, columns_in_range
from board.domain.reading import Reading, ReadingBlock
from board.domain.runs import Run
from board.factory import create_board
from board.read.sources import source_healths, source_statuses
from board.store import Store
from board.store import rows as rows_module
from board.store.rows import PostgresRows
from board.store.schema import READINGS_BY_KEY, DailyRow, NewestRow, ReadingRow
from board.store.series import SeriesCodes, WriteCodes
from board.store.writes import days_from_readings
from tests.conftest import write_config

# 21:50 UTC is 23:50 in Helsinki: the cycles cross a Helsinki midnight.
START = datetime(2026, 12, 1, 21, 50, tzinfo=UTC)
METRICS = ("queue_waiting", "contacts_phone_today", "omasote_oldest_unanswered_h")
STATIONS = [f"as{i:03d}" for i in range(40)]


def _values(rng: np.random.Generator, n: int) -> np.ndarray:
    values = rng.integers(0, 40, size=(n, len(METRICS))).astype(float)
    values[:, 2] = rng.integers(0, 40, size=n) / 4  # hours: fractions allowed
    return values


def test_cycles_of_small_blocks_leave_each_table_as_its_definition(store: Store) -> None:
    rng = np.random.default_rng(17)
    expected: dict[tuple[str, str, datetime], float] = {}
    writes = {code: 0 for code in STATIONS}

    def write(blocks: list[ReadingBlock], source: str, now: datetime) -> None:
        store.write_readings(blocks, source, now)
        for b in blocks:
            writes[b.station] += 1
            for i, ts in enumerate(b.times):
                for j, m in enumerate(b.metrics):
                    expected[(b.station, m, ts)] = float(b.values[i, j])

    for cycle in range(16):  # every cycle re-reads the previous one's last minute (the lookback), as a pull does
        times = tuple(START + timedelta(minutes=cycle + k) for k in range(2))
        write([ReadingBlock(code, METRICS, times, _values(rng, 2)) for code in STATIONS], "demo", times[-1])
    # A correction lowering a day's highest reading (the day is recomputed), on half the stations; a block out of
    # time order (written reading by reading); a second source delivering the same stations later.
    late = START + timedelta(minutes=3)
    write([ReadingBlock(code, METRICS, (late,), np.zeros((1, 3))) for code in STATIONS[:20]], "demo", late)
    back = (START + timedelta(minutes=14), START + timedelta(minutes=5))
    write([ReadingBlock(STATIONS[3], METRICS, back, _values(rng, 2))], "demo", back[0])
    other = tuple(START + timedelta(minutes=20 + k) for k in range(3))
    write([ReadingBlock(code, METRICS, other, _values(rng, 3)) for code in STATIONS[::3]], "push", other[-1])

    r, n = READINGS_BY_KEY.c, NewestRow.__table__.c
    with store.sessions() as s:
        stored = {(st, m, ts.replace(tzinfo=UTC)): v for st, m, ts, v in s.execute(select(r.station, r.metric, r.ts,
                                                                                             r.value))}
        newest = {(src, st, m): ts.replace(tzinfo=UTC) for src, st, m, ts in
                  s.execute(select(n.source, n.station, n.metric, n.ts))}
        daily = {(st, m, day): (last_ts, last_value, max_ts, max_value) for st, m, day, last_ts, last_value, max_ts,
                 max_value in s.execute(select(DailyRow.station, DailyRow.metric, DailyRow.day, DailyRow.last_ts,
                                               DailyRow.last_value, DailyRow.max_ts, DailyRow.max_value))}
        exact = days_from_readings(s, list(daily))
        sources = {(st, m, ts.replace(tzinfo=UTC)): src for st, m, ts, src in
                   s.execute(select(r.station, r.metric, r.ts, r.source))}
    assert stored == expected
    plain_newest: dict[tuple[str, str, str], datetime] = {}
    for (st, m, ts), src in sources.items():
        key = (src, st, m)
        plain_newest[key] = max(plain_newest.get(key, ts), ts)
    assert newest == plain_newest
    assert len({day for (_, _, day) in daily}) == 2  # both Helsinki days were written
    assert daily == {k: (a.last_ts, a.last_value, a.max_ts, a.max_value) for k, a in exact.items()}
    assert store.change_versions() == writes  # one step per write of the station


@pytest.mark.parametrize("n", [0, 1, 2, 3, 15, 16, 17, 40])
def test_a_small_blocks_copy_rows_are_the_numpy_layouts_bytes(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(n)
    values = rng.normal(10, 50, size=(n, 3))
    values[: n // 2, 1] = np.round(values[: n // 2, 1])
    stamps = [int(x) for x in rng.integers(0, 2**50, size=n)]
    made = []
    for small in (1000, 0):  # every block packed row by row; then every block through numpy
        monkeypatch.setattr(rows_module, "SMALL_BLOCK", small)
        rows = PostgresRows("demo", START)
        known = SeriesCodes()  # every pair's code known (no statement: no database here)
        known.keep({("kajaani", "queue_waiting"): 1, ("kajaani", "x" * 60): 2, ("kajaani", "ä"): 2**31 - 1,
                    ("sotkamo", "queue_waiting"): 70_000})
        rows.codes = WriteCodes(known, None, "%s", False, lambda: None)
        rows.add_block("kajaani", ["queue_waiting", "x" * 60, "ä"], stamps, values)
        rows.add_block("sotkamo", ["queue_waiting"], stamps, values[:, :1])
        made.append((b"".join(rows.pieces), rows.count))
    assert made[0] == made[1]
    assert made[0][1] == 4 * n


def test_a_blocks_range_check_is_the_per_column_rule() -> None:
    rng = np.random.default_rng(3)
    metrics = ("queue_waiting", "omasote_oldest_unanswered_h", "contacts_phone_today", "queue_waiting")
    cases = [np.zeros((0, 4)), np.ones((3, 4)), np.full((2, 4), 0.5), np.array([[1, 2.5, 3, -1]]),
             np.array([[1, 2.5, 3, np.nan]]), np.array([[1, np.inf, 3, 4]]), np.array([[1, 2, 3, 4]], dtype=np.int64),
             np.array([[1, 1e9, 3, 4]])]
    cases += [rng.integers(-2, 60, size=(rng.integers(1, 5), 4)) / rng.choice([1, 2, 4]) for _ in range(200)]
    for values in cases:
        assert columns_in_range(metrics, values) is all(all_in_range(m, values[:, j]) for j, m in
                                                        enumerate(metrics)), values


def _config(tmp_path: Path) -> Path:
    config = write_config(tmp_path / "config")
    demo = {"type": "demo", "interval_seconds": 20, "stale_after_seconds": 300, "seed": 7, "backfill_days": 1}
    sources = [dict(demo, name=name) for name in ("never", "fresh", "failing", "stale", "refused", "quiet")]
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return config


def test_the_alert_turns_source_health_is_the_sources_pages(tmp_path: Path, database_url: str) -> None:
    board = create_board(_config(tmp_path), database_url)
    settings, store = board.settings, board.store
    now = START + timedelta(hours=1)
    block = ReadingBlock("kajaani", ("queue_waiting",), (now - timedelta(minutes=1),), np.ones((1, 1)))
    old = ReadingBlock("kajaani", ("queue_waiting",), (now - timedelta(hours=1),), np.ones((1, 1)))

    def run(name: str, at: datetime, ok: bool = True, rows: int = 1, rejected: int = 0) -> None:
        store.finish_run(Run(source=name, started_at=at, finished_at=at + timedelta(seconds=2), window_since=None,
                             rows=rows, rejected=rejected, attempts=1, ok=ok, error_kind=None if ok else "timeout",
                             error=None if ok else "timed out", holder="t", rows_read=rows + rejected,
                             rows_stored=rows, rows_refused=rejected), {"bad": rejected} if rejected else {},
                         bookmark=None)

    store.write_readings([block], "fresh", now)
    run("fresh", now - timedelta(seconds=30))
    store.write_readings([block], "failing", now)
    run("failing", now - timedelta(minutes=3))
    for k in range(3):
        run("failing", now - timedelta(seconds=60 - 20 * k), ok=False)
    store.write_readings([old], "stale", now)
    run("stale", now - timedelta(seconds=10))
    store.write_readings([block], "refused", now)
    run("refused", now - timedelta(seconds=10), rows=1, rejected=3)
    run("quiet", now - timedelta(seconds=10), rows=0)
    try:
        for at in (now, now + timedelta(minutes=2), now + timedelta(hours=3)):
            statuses = source_statuses(settings, store, at)
            assert source_healths(settings, store, at) == [(s.source, s.health) for s in statuses]
            assert len({s.health for s in statuses}) >= 3 if at == now else True
    finally:
        store.dispose()


def test_a_re_read_reading_is_left_as_it_is_and_a_changed_one_is_rewritten(store: Store) -> None:
    """The upsert skips a re-read with the same value and source (a pull's overlap): the row stays exactly as the
    update would have left it; a new source or a new value still rewrites it."""
    at = START
    r = ReadingRow.__table__.c

    def row() -> tuple[float, str, datetime]:
        with store.sessions() as s:
            value, source, collected = s.execute(select(r.value, r.source, r.collected_at)).one()
        return value, source, collected.replace(tzinfo=UTC)

    def write(value: float, source: str, now: datetime, block: bool) -> None:
        item = (ReadingBlock("kajaani", ("queue_waiting",), (at,), np.array([[value]])) if block
                else Reading("kajaani", "queue_waiting", at, value))
        store.write_readings([item], source, now)

    for block in (False, True):
        with store.sessions.begin() as s:
            s.execute(ReadingRow.__table__.delete())
        write(3.0, "jono", at, block)
        write(3.0, "jono", at + timedelta(minutes=1), block)
        assert row() == (3.0, "jono", at)
        write(3.0, "push", at + timedelta(minutes=2), block)
        assert row() == (3.0, "push", at)
        write(4.0, "push", at + timedelta(minutes=3), block)
        assert row() == (4.0, "push", at + timedelta(minutes=3))
