"""Fuzzing the rest connector through the real collector, one real loopback HTTP server and a SQLite store.

Documented behaviour (docs/CONNECTORS.md, docs/RELIABILITY.md): the rest kind
has no file to send back, so it keeps every valid record and counts each bad
one with its reason; a body that is not JSON, or not the list of records the
source's ``records`` path promises, fails the run as a data error (nothing of
it stored, the bookmark stays, the next run asks again). Whatever the server
answers, the collector never raises.

One server serves every example; the test switches its body per example.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from board.collector import Collector
from tests.input_support import collector_for, long_mapping, stored
from tests.loopback import Loopback, loopback

FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def board() -> Iterator[tuple[Collector, Loopback]]:
    root = Path(tempfile.mkdtemp(prefix="fuzz-rest-"))
    try:
        with loopback() as api:
            source = {"name": "api", "type": "rest", "url": api.url, "timeout_seconds": 5,
                      "mapping": long_mapping()}
            with collector_for(root, source) as collector:
                yield collector, api
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_one(collector: Collector, api: Loopback, body: bytes, content_type: str = "application/json"):
    with collector.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM readings"))
    api.set(body, content_type=content_type)
    [outcome] = collector.run_once()  # must not raise, whatever the server says
    for reason in outcome.rejects:
        assert reason.strip() and "Traceback" not in reason and len(reason) < 2000
    return outcome, stored(collector)


# ------------------------------------------------------------------ structured records
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@st.composite
def records(draw: st.DrawFn) -> tuple[list[Any], list[tuple[str, str, float]], int]:
    """A list of records, the readings the good ones must give, and how many are bad."""
    items: list[Any] = []
    expected: list[tuple[str, str, float]] = []
    bad = 0
    for i in range(draw(st.integers(0, 15))):
        ts = draw(st.sampled_from([f"2026-11-21T10:{i:02d}:00+02:00", f"21.11.2026 klo 10.{i:02d}",
                                   f"2026-11-21 10:{i:02d}"]))
        station = draw(st.sampled_from(["kajaani", "SOTKAMO"]))
        metric, value = draw(st.sampled_from([("queue_waiting", 7), ("queue_oldest_wait_min", 12.5),
                                              ("contacts_phone_today", 1234)]))
        shown = draw(st.sampled_from([value, str(value), str(value).replace(".", ",")]))
        record: Any = {"station": station, "time": ts, "metric": metric, "value": shown}
        breakage = draw(st.sampled_from([None] * 5 + ["garbage", "missing", "value", "range", "station", "hetu",
                                                      "nested"]))
        if breakage == "garbage":
            record = draw(json_values.filter(lambda v: not isinstance(v, dict)))
        elif breakage == "missing":
            del record[draw(st.sampled_from(["station", "time", "metric", "value"]))]
        elif breakage == "value":
            record["value"] = draw(st.sampled_from(["12,5x", "", None, [], {}, True, "NaN", "1e999"]))
        elif breakage == "range":
            record["value"] = draw(st.sampled_from([-1, 10_000_000, "-0,5"]))
        elif breakage == "station":
            record["station"] = "OUL"
        elif breakage == "hetu":
            record["note"] = "131052-308T"
        elif breakage == "nested":
            record["extra"] = draw(json_values)
            breakage = None  # unmapped fields are ignored, unless they hold an identity code (checked below)
            if "131052-308T" in json.dumps(record["extra"]):  # pragma: no cover - practically never generated
                breakage = "hetu"
        if breakage:
            bad += 1
        else:
            expected.append((station.lower(), metric, float(value)))
        items.append(record)
    return items, expected, bad


@FUZZ
@given(case=records(), content_type=st.sampled_from(["application/json", "text/plain", "text/html; charset=utf-8"]),
       wrapped=st.booleans())
def test_valid_records_are_kept_and_bad_ones_counted(board, case, content_type, wrapped):
    collector, api = board
    items, expected, bad = case
    collector.sources["api"] = collector.sources["api"].model_copy(update={"records": "data" if wrapped else ""})
    collector.connectors.pop("api", None)
    body = json.dumps({"data": items} if wrapped else items).encode()
    outcome, readings = run_one(collector, api, body, content_type)
    objects = [r for r in items if isinstance(r, dict)]
    if objects and any(all(f not in r for r in objects) for f in ("station", "time", "metric", "value")):
        # A mapped field missing from every record: the API changed its fields, the run fails (test_faults_sources).
        assert not outcome.ok and "missing from all" in (outcome.error or ""), outcome.error
        return
    # A run that refused everything it read is not a success (issue 19, item 9); any other run is.
    assert outcome.ok == (bool(expected) or bad == 0), outcome.error
    assert readings == sorted(expected)
    assert outcome.rejected == bad and outcome.rows == len(expected)


# ------------------------------------------------------------------ bodies that are not a list of records
@FUZZ
@given(body=st.one_of(
    st.binary(max_size=500),
    json_values.filter(lambda v: not isinstance(v, list)).map(lambda v: json.dumps(v).encode()),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
))
@example(body=b"")
@example(body=b"<html><body>502 Bad Gateway</body></html>")
@example(body=b'[{"station": "kajaani", "time": "2026-11-21T10:00:00+02:00", "metric": "queue_waiting", "val')
@example(body=b"\xef\xbb\xbf[]")
@example(body=b"[1, 2, 3]")
def test_any_other_body_fails_the_run_as_a_data_error_or_counts_its_items(board, body):
    collector, api = board
    collector.sources["api"] = collector.sources["api"].model_copy(update={"records": ""})
    collector.connectors.pop("api", None)
    outcome, readings = run_one(collector, api, body, "application/octet-stream")
    assert readings == []
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = ValueError
    if isinstance(parsed, list):  # a list of non-records: each counted
        assert outcome.rejected == len(parsed) and outcome.ok == (not parsed)  # all refused: not a success
    else:
        assert not outcome.ok and outcome.rows == 0
        [run] = collector.store.runs("api", limit=1)
        assert run.error_kind == "data", run.error
        assert ("not JSON" in outcome.error) or ("not a list of records" in outcome.error), outcome.error


@pytest.mark.parametrize(("status", "kind"), [(400, "configuration"), (401, "configuration"), (404, "configuration"),
                                              (429, "transient"), (500, "transient"), (503, "transient")])
def test_error_statuses_fail_the_run_with_their_kind(board, status, kind):
    collector, api = board
    api.set(b'{"error": "nope"}', status=status)
    [outcome] = collector.run_once()
    assert not outcome.ok and f"HTTP {status}" in outcome.error
    [run] = collector.store.runs("api", limit=1)
    assert run.error_kind == kind
