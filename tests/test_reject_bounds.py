"""Bounded rejection records (issue 19, item 9): a source cannot multiply reject rows, nor refuse everything
and look healthy.

Before: 500 000 records, each with another unknown station, stored 500 000
reject rows (68 MB) in one run that counted as a success, and /sources then
took 14 s to load. Here the same shape, 20 000 records, through a real REST
server on loopback and the real collector.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from board.pull_checks import MAX_REASONS, OTHER_REASONS
from board.store import RejectRow
from tests.input_support import collector_for, long_mapping
from tests.loopback import loopback

N = 20_000


def _records(n: int, good: int = 0) -> bytes:
    bad = [{"station": f"X{i:05d}", "time": "2026-11-21T10:00:00+02:00", "metric": "queue_waiting", "value": 1}
           for i in range(n)]
    ok = [{"station": "kajaani", "time": f"2026-11-21T10:{i:02d}:00+02:00", "metric": "queue_waiting", "value": 3}
          for i in range(good)]
    return json.dumps(bad + ok).encode()


def test_distinct_reasons_are_bounded_and_a_run_refusing_everything_fails(tmp_path: Path) -> None:
    with loopback() as api:
        source = {"name": "api", "type": "rest", "url": api.url, "timeout_seconds": 10, "mapping": long_mapping()}
        with collector_for(tmp_path, source) as collector:
            api.set(_records(N))
            [outcome] = collector.run_once()
            store = collector.store
            with store.sessions() as s:
                rows = s.scalar(select(func.count()).select_from(RejectRow))
                counted = s.scalar(select(func.sum(RejectRow.count)))
            assert rows == MAX_REASONS + 1  # 50 reasons and "other reasons"
            assert counted == N  # every refusal still counted
            assert outcome.rejects[OTHER_REASONS] == N - MAX_REASONS
            assert not outcome.ok
            assert "everything this run read was refused (20000 refusals), nothing stored" in (outcome.error or "")
            [run] = store.runs("api", limit=1)
            assert run.error_kind == "data" and run.rejected == N
            assert store.bookmark("api") is None  # the stretch is read again once the mapping is fixed

            api.set(_records(N, good=3))  # a few good records among them: a success, still bounded
            [outcome] = collector.run_once()
            assert outcome.ok and outcome.rows == 3 and outcome.rejected == N
            assert len(outcome.rejects) == MAX_REASONS + 1
