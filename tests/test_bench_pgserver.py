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
    opts = Options(params={"common": {"pg": "private", "shared_buffers": "256MB"}}, workdir=workdir)
    result = Result("t", "")
    with postgres_schema(opts, result) as url:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                settings = dict(conn.execute(text(
                    "select name, setting from pg_settings where name in ('shared_buffers', 'max_wal_size', "
                    "'listen_addresses')")).all())
                schema = conn.execute(text("select current_schema()")).scalar()
                conn.execute(text("create table t (x int primary key)"))
                conn.execute(text("insert into t select generate_series(1, 20000)"))
        finally:
            engine.dispose()
        assert int(settings["shared_buffers"]) * 8192 == 256 * 2**20  # in 8 kB pages
        assert int(settings["max_wal_size"]) == 16 * 1024  # MB
        assert settings["listen_addresses"] == "127.0.0.1"
        assert schema.startswith("bench_")
        assert (server_cpu_seconds(url) or 0) > 0  # the inserts ran in the server's processes
        assert (workdir / "pgdata").is_dir()
    assert "shared_buffers=256MB" in result.params["postgres_server"]
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
