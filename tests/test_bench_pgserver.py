"""The benchmarks' own PostgreSQL cluster and the backfill's per-fifth figures (bench/pgserver.py, bench/loading.py).

The cluster is started for real (``initdb``, ``pg_ctl``) and asked for its
settings over TCP; the per-fifth throughput is checked against figures
worked out by hand for batches with known times.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench import pgserver
from bench.common import Options, Result, postgres_schema, server_cpu_seconds
from bench.loading import Batch, Load


def test_private_cluster_runs_with_the_recommended_settings_and_is_removed_after() -> None:
    why = pgserver.problem()
    if why:
        pytest.skip(why)
    # Not pytest's tmp_path: the server runs as the postgres user, who cannot pass through pytest's 0700 folders.
    workdir = Path(tempfile.mkdtemp(prefix="bench-pg-test-"))
    try:
        _private_cluster(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _private_cluster(workdir: Path) -> None:
    opts = Options(params={"common": {"pg": "private", "shared_buffers": "256MB", "autovacuum": "off",
                                      "pg.wal_init_zero": "off", "pg.synchronous_commit": "local"}},
                   workdir=workdir)
    result = Result("t", "")
    with postgres_schema(opts, result) as url:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                settings = dict(conn.execute(text(
                    "select name, setting from pg_settings where name in ('shared_buffers', 'max_wal_size', "
                    "'listen_addresses', 'autovacuum', 'wal_init_zero', 'synchronous_commit')")).all())
                schema = conn.execute(text("select current_schema()")).scalar()
                conn.execute(text("create table t (x int primary key)"))
                conn.execute(text("insert into t select generate_series(1, 20000)"))
        finally:
            engine.dispose()
        assert int(settings["shared_buffers"]) * 8192 == 256 * 2**20  # in 8 kB pages
        assert int(settings["max_wal_size"]) == 16 * 1024  # MB
        assert settings["listen_addresses"] == "127.0.0.1"
        assert settings["autovacuum"] == "off"  # a load without it can be measured (PERFORMANCE.md 7, session 14)
        # Any other setting by ``common.pg.NAME`` (PERFORMANCE.md 7, *The decline, session 15*); neither is a default.
        assert (settings["wal_init_zero"], settings["synchronous_commit"]) == ("off", "local")
        assert schema.startswith("bench_")
        assert (server_cpu_seconds(url) or 0) > 0  # the inserts ran in the server's processes
        assert (workdir / "pgdata").is_dir()
    assert "shared_buffers=256MB" in result.params["postgres_server"]
    assert "autovacuum=off" in result.params["postgres_server"]
    assert "wal_init_zero=off" in result.params["postgres_server"]
    assert not (workdir / "pgdata").exists()
    assert server_cpu_seconds(url) is None


def test_fifths_split_the_batches_in_load_order() -> None:
    # Ten batches of 1 000 readings, the k-th ending at 1 + k seconds for the first half and twice as slowly after;
    # client CPU 1 ms per batch, server CPU 2 ms.
    start = Batch(0.0, 0, 0.0, 0.0, 0.0)
    ends = [1, 2, 3, 4, 5, 7, 9, 11, 13, 15]
    batches = [Batch(float(e), 1000, 0.5, 0.001 * (i + 1), 0.002 * (i + 1)) for i, e in enumerate(ends)]
    load = Load(15.0, 10_000, 0, 0.0, 5.0, True, None, batches=batches, start=start)
    fifths = load.fifths()
    assert [f["readings"] for f in fifths] == [2000] * 5
    assert [f["seconds"] for f in fifths] == [2, 2, 3, 4, 4]
    assert [f["readings_per_s"] for f in fifths] == [1000, 1000, 667, 500, 500]
    assert [f["write_readings_per_s"] for f in fifths] == [2000] * 5
    assert [f["client_cpu_us"] for f in fifths] == [1.0] * 5
    assert [f["server_cpu_us"] for f in fifths] == [2.0] * 5
    assert Load(1.0, 4000, 0, 0.0, 1.0, True, None, batches=batches[:4], start=start).fifths() == []


def test_fifths_alike_leave_out_batches_of_another_shape_and_their_time() -> None:
    # Ten batches of 1 000 readings touching 20 station-metric-days each (50 readings a key), one second apart, and
    # one of 1 000 readings touching 500 keys (2 a key: under a tenth of 50) taking 4 s, written after the fifth.
    start = Batch(0.0, 0, 0.0, 0.0, None)
    shapes = [(1000, 20, 1.0)] * 5 + [(1000, 500, 4.0)] + [(1000, 20, 1.0)] * 5
    batches, end, cpu = [], 0.0, 0.0
    for n, keys, seconds in shapes:
        end, cpu = end + seconds, cpu + seconds / 1000  # the CPU as a thousandth of the batch's wall time
        batches.append(Batch(end, n, seconds, cpu, None, items=keys // 2, keys=keys))
    load = Load(end, 11_000, 0, 0.0, end, True, None, batches=batches, start=start)
    assert load.alike() == [True] * 5 + [False] + [True] * 5
    alike = load.fifths(alike=True)
    assert [f["readings"] for f in alike] == [2000] * 5
    assert [f["seconds"] for f in alike] == [2.0] * 5  # the odd batch's 4 s are charged to none of them
    assert [f["readings_per_s"] for f in alike] == [1000] * 5
    assert [f["client_cpu_us"] for f in alike] == [1.0] * 5
    assert "server_cpu_us" not in alike[0]
    # Every batch, as before: 11 batches split 2, 2, 2, 2, 3, and the third fifth (the 5th batch and the odd one)
    # is the slow one.
    every = load.fifths()
    assert [f["readings"] for f in every] == [2000, 2000, 2000, 2000, 3000]
    assert [f["seconds"] for f in every] == [2.0, 2.0, 5.0, 2.0, 3.0]
    assert load.unlike() == {"batches": 1, "readings": 1000, "seconds": 4.0, "readings_per_s": 250,
                             "readings_per_item": 4.0, "readings_per_key": 2.0}


def test_day_keys_count_each_blocks_metrics_by_the_helsinki_days_it_spans() -> None:
    from datetime import UTC, datetime, timedelta

    import numpy as np

    from bench.loading import day_keys
    from board.domain.reading import Reading, ReadingBlock

    # 21:30 and 22:30 UTC on 2 Dec are 23:30 on the 2nd and 00:30 on the 3rd in Helsinki (UTC+2 in winter).
    t0 = datetime(2026, 12, 2, 21, 30, tzinfo=UTC)
    two_days = ReadingBlock("a", ("m1", "m2", "m3"), (t0, t0 + timedelta(hours=1)),
                            np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    one_day = ReadingBlock("b", ("m1", "m2"), (t0 - timedelta(hours=2), t0), np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert day_keys([two_days, one_day, Reading("c", "m1", t0, 1.0)]) == 3 * 2 + 2 * 1 + 1


def test_batches_of_unknown_shape_count_as_alike() -> None:
    start = Batch(0.0, 0, 0.0, 0.0, None)
    batches = [Batch(float(i + 1), 100, 1.0, 0.0, None) for i in range(5)]
    load = Load(5.0, 500, 0, 0.0, 5.0, True, None, batches=batches, start=start)
    assert load.alike() == [True] * 5
    assert load.fifths(alike=True) == load.fifths()
    assert load.unlike()["batches"] == 0
    assert load.fifths(alike=True)[0]["readings"] == 100
