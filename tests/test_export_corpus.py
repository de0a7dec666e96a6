"""The corpus: realistic Finnish exports through the real files connector, collector and SQLite store.

Each export (tests/export_builders.py) carries a truth computed independently
of the board's code. They must reconcile exactly: the stored readings equal
the truth, the refused rows are exactly the bad ones with their reasons, and
the rows read add up (stored + refused + ignored).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tests.export_builders import CORPUS, Export
from tests.input_support import collector_for


def _stored(collector) -> dict[tuple[str, str, datetime], float]:
    with collector.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT station, metric, ts, value FROM readings "
                                 "JOIN series ON series.id = readings.series")).all()
    out = {}
    for station, metric, ts, value in rows:
        ts = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
        out[(station, metric, ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC))] = float(value)
    return out


@pytest.mark.parametrize("shape", sorted(CORPUS))
def test_each_export_reconciles_exactly_with_its_truth(shape, tmp_path):
    export: Export = CORPUS[shape]()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / export.name).write_bytes(export.data)
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "patterns": ["*.csv", "*.xlsx"], "mapping": export.mapping, **export.settings}
    with collector_for(tmp_path, source) as collector:
        [outcome] = collector.run_once()
        assert outcome.ok, outcome.error
        stored = _stored(collector)
    assert stored == export.readings
    data_rows = len({(s, t) for s, _m, t in export.readings})  # a wide row: one station and instant
    run = outcome.run
    assert run is not None
    assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (
        data_rows + len(export.refused) + len(export.ignored), data_rows, len(export.refused), len(export.ignored))
    assert run.unaccounted == 0 and run.state == ("partial" if export.refused else "ok")
    refused = {reason for reason in outcome.rejects}
    assert len(refused) == len(export.refused) == outcome.rejected
    for number, reason in export.refused.items():
        prefix = f"file {export.name} {export.unit} {number}: "
        assert any(r.startswith(prefix) and reason in r for r in refused), (prefix, reason, refused)
    folder = "processed"
    reason_file = (inbox / folder / f"{export.name}.reason.txt")
    assert (inbox / folder / export.name).exists()
    if export.refused or export.ignored:
        listed = reason_file.read_text("utf-8")
        rows = len({(s, t) for s, _m, t in export.readings}) + len(export.refused) + len(export.ignored)
        refused, ignored = len(export.refused), len(export.ignored)
        assert (f"{rows} data rows, {len(export.readings)} readings stored, {refused} row{'s' * (refused != 1)} "
                f"refused, {ignored} row{'s' * (ignored != 1)} ignored") in listed
        for number in export.ignored:
            assert f"{export.unit} {number}: " in listed
