"""Values out of range are data errors: refused with a reason naming the metric, the value and the range.

Each metric has a valid range in the domain (board.domain.metrics): counts are
whole numbers 0-100000, ages 0-90 days in their unit. The range is applied by
the connectors' mapping (so a files source refuses the whole file) and again
by the collector to every reading of every connector.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.domain import kpi
from board.domain.metrics import METRICS, range_problem
from board.domain.reading import Reading
from tests.input_support import collector_for, long_mapping, stored, wide_mapping
from tests.loopback import loopback

COUNT_RANGE = "allowed: a whole number from 0 to 100000"


@pytest.mark.parametrize(("metric", "value", "problem"), [
    ("queue_waiting", -1, "queue_waiting: value -1 is out of range (allowed: a whole number from 0 to 100000)"),
    ("queue_waiting", 12.5, "queue_waiting: value 12.5 is out of range (allowed: a whole number from 0 to 100000)"),
    ("contacts_phone_today", 100001, f"contacts_phone_today: value 100001 is out of range ({COUNT_RANGE})"),
    ("feedback_promoters_today", 11.5, f"feedback_promoters_today: value 11.5 is out of range ({COUNT_RANGE})"),
    ("queue_oldest_wait_min", -0.5, "queue_oldest_wait_min: value -0.5 is out of range (allowed: minutes from 0 "
                                    "to 129600)"),
    ("omasote_oldest_unanswered_h", 2161, "omasote_oldest_unanswered_h: value 2161 is out of range (allowed: "
                                          "hours from 0 to 2160)"),
    ("queue_waiting", float("inf"), "queue_waiting: value inf is out of range (allowed: a whole number from 0 to "
                                    "100000)"),
])
def test_out_of_range_values_are_named_with_the_allowed_range(metric, value, problem):
    assert range_problem(metric, value) == problem


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_the_edges_of_every_range_are_allowed(metric):
    definition = METRICS[metric]
    assert range_problem(metric, definition.minimum) is None
    assert range_problem(metric, definition.maximum) is None
    assert range_problem(metric, definition.minimum - 1) is not None
    assert range_problem(metric, definition.maximum + 1) is not None
    fraction = definition.minimum + 0.5  # inside every range (a stored share is 0..1): only counts are whole
    assert (range_problem(metric, fraction) is None) == (definition.unit != "count")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 100_000))
def test_derived_figures_stay_in_their_ranges_for_any_valid_counts(promoters, passives, detractors, handled):
    """Shares and NPS are computed, never stored: valid counts can only give -100..100 and 0..100 %."""
    score = kpi.nps(promoters, passives, detractors)
    assert score is None or -100 <= score <= 100
    same_day = kpi.same_day_share(promoters, handled)
    assert same_day is None or 0 <= same_day <= 1
    remote = kpi.remote_share({"phone": promoters, "chat": passives, "omasote": detractors, "visit": handled})
    assert remote is None or 0 <= remote <= 1


def test_an_nps_answer_of_11_is_a_data_error():
    """The board stores NPS classes as counts; where answers 0-10 are grouped, 11 is refused, not rounded."""
    with pytest.raises(ValueError, match="NPS answer must be an integer 0-10, got 11"):
        kpi.nps_counts([10, 9, 11])


# ------------------------------------------------------------------ through the collector, each kind
def _run(collector):
    [outcome] = collector.run_once()
    assert outcome.ok, outcome.error
    return outcome


def test_files_a_negative_queue_refuses_the_whole_file(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "jono.csv").write_text("Asema;Aika;Jonossa;Vanhin;Puhelut\n"
                                    "kajaani;21.11.2026 10.00;4;12,5;100\n"
                                    "kajaani;21.11.2026 10.05;-3;1;101\n", encoding="utf-8")
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0, "mapping": wide_mapping(),
              "on_bad_row": "refuse_file"}  # all or nothing (row by row, the default: test_files_shapes.py)
    with collector_for(tmp_path, source) as collector:
        outcome = _run(collector)
        assert (outcome.rows, outcome.rejected) == (0, 1)
        [reason] = outcome.rejects
        assert reason.startswith(f"file jono.csv line 3: queue_waiting: value -3 is out of range ({COUNT_RANGE})")
        assert stored(collector) == []
    reason_file = (inbox / "rejected" / "jono.csv.reason.txt").read_text(encoding="utf-8")
    assert "line 3: queue_waiting: value -3 is out of range" in reason_file


def test_rest_out_of_range_records_are_counted_and_the_valid_ones_kept(tmp_path: Path):
    ts = "2026-11-22T09:30:00+00:00"
    records = [
        {"station": "kajaani", "time": ts, "metric": "queue_waiting", "value": 4},
        {"station": "kajaani", "time": ts, "metric": "queue_handled_today", "value": 12.5},
        {"station": "sotkamo", "time": ts, "metric": "omasote_oldest_unanswered_h", "value": 5000},
        {"station": "sotkamo", "time": ts, "metric": "queue_oldest_wait_min", "value": 7.5},
        {"station": "sotkamo", "time": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
         "metric": "queue_waiting", "value": 1},
    ]
    with loopback() as api:
        api.set(json.dumps(records).encode())
        source = {"name": "api", "type": "rest", "url": api.url, "mapping": long_mapping()}
        with collector_for(tmp_path, source) as collector:
            outcome = _run(collector)
            assert stored(collector) == [("kajaani", "queue_waiting", 4.0), ("sotkamo", "queue_oldest_wait_min", 7.5)]
    assert outcome.rejects == {
        f"queue_handled_today: value 12.5 is out of range ({COUNT_RANGE})": 1,
        "omasote_oldest_unanswered_h: value 5000 is out of range (allowed: hours from 0 to 2160)": 1,
        "field 'time': time is in the future": 1,
    }


def test_sql_out_of_range_rows_are_counted_and_the_valid_ones_kept(tmp_path: Path):
    path = tmp_path / "dw.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table t (station text, time text, metric text, value real)")
    con.executemany("insert into t values (?, ?, ?, ?)", [
        ("kajaani", "2026-11-22 11:00:00", "queue_waiting", 3),
        ("kajaani", "2026-11-22 11:00:00", "contacts_phone_today", -1),
        ("kajaani", "2026-11-22 11:00:00", "feedback_detractors_today", 0.5),
    ])
    con.commit()
    con.close()
    source = {"name": "dw", "type": "sql", "url": f"sqlite:///{path}", "backfill_days": 3650,
              "query": "SELECT station, time, metric, value FROM t WHERE time >= :since", "parameters_as": "text",
              "mapping": long_mapping()}
    with collector_for(tmp_path, source) as collector:
        outcome = _run(collector)
        assert stored(collector) == [("kajaani", "queue_waiting", 3.0)]
    assert outcome.rejects == {
        f"contacts_phone_today: value -1 is out of range ({COUNT_RANGE})": 1,
        f"feedback_detractors_today: value 0.5 is out of range ({COUNT_RANGE})": 1,
    }


class _Yields:
    """A connector that hands the collector readings as they are (as a new or buggy connector kind might)."""

    name = "demo"

    def __init__(self, items):
        self.items = items

    def pull(self, since, until):
        yield from self.items

    def check(self, until):  # pragma: no cover - not used
        raise NotImplementedError


def test_the_collector_refuses_out_of_range_readings_whatever_the_connector(tmp_path: Path):
    """The demo simulator cannot produce such values; the collector's own guard catches any connector that does."""
    now = datetime.now(UTC).replace(microsecond=0)
    items = [Reading("kajaani", "queue_waiting", now, 5.0),
             Reading("kajaani", "queue_waiting", now - timedelta(minutes=1), -2.0),
             Reading("kajaani", "omasote_unanswered", now, 1.5),
             Reading("kajaani", "contacts_chat_today", now + timedelta(hours=1), 3.0)]
    demo = {"name": "demo", "type": "demo", "interval_seconds": 5, "stale_after_seconds": 900}
    with collector_for(tmp_path, demo) as collector:
        collector.connectors["demo"] = _Yields(items)
        outcome = _run(collector)
        assert stored(collector) == [("kajaani", "queue_waiting", 5.0)]
        [run] = collector.store.runs("demo")
        assert collector.store.rejects(run.id) == outcome.rejects
    assert outcome.rejects == {
        f"queue_waiting: value -2 is out of range ({COUNT_RANGE})": 1,
        f"omasote_unanswered: value 1.5 is out of range ({COUNT_RANGE})": 1,
        "contacts_chat_today: timestamp in the future": 1,
    }
