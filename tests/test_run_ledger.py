"""The run ledger (issue 13): every data row read is stored, refused or ignored, and each run adds up.

The ledger's rules on their own (board/domain/ledger.py), the collector keeping it for a connector's events,
and a property test: Hypothesis writes drop-folder exports the way Finnish Excel does (cp1252, ``;``, decimal
commas) with good rows, bad values, totals rows and blank lines, the real collector imports them into a real
SQLite store, and the counts read back through ``store.runs()`` must add up and match a truth counted from
the generated lines alone, never from the board's code.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from board.collector import Collector
from board.domain.ledger import RowLedger
from board.domain.reading import ONE_ROW, Duplicate, Ignored, Reading, ReadingBlock, Rejected, RowsRead
from board.domain.runs import Run
from tests.input_support import collector_for

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


# ------------------------------------------------------------------ the rules
def test_row_by_row_each_row_has_exactly_one_outcome() -> None:
    led = RowLedger()
    led.readings(3)        # a wide row: three readings
    led.rows_read(1)
    led.readings(1, 1)     # one reading stored, one refused by the checks: the row is stored
    led.rows_read(1)
    led.readings(0, 2)     # every reading refused by the checks: the row is refused
    led.rows_read(1)
    led.refused(1)         # refused by the connector
    led.rows_read(1)
    led.ignored(1)         # a totals row
    led.rows_read(1)
    led.ignored(1, duplicate=True)
    led.rows_read(1)
    out = led.finish()
    assert (out.rows_read, out.rows_stored, out.rows_refused, out.rows_ignored, out.duplicates) == (6, 2, 2, 2, 1)
    assert out.unaccounted == 0


_EVENTS = st.lists(st.one_of(
    st.tuples(st.just("readings"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("refused"), st.integers(0, 3), st.just(0)),
    st.tuples(st.just("ignored"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("rows"), st.integers(0, 4), st.just(0)),
    st.tuples(st.just("items"), st.integers(0, 3), st.integers(0, 4))), max_size=30)


@given(_EVENTS)
def test_items_read_counts_as_readings_then_rows_read(events: list[tuple[str, int, int]]) -> None:
    """``items_read(good, rows)`` (one call per row of a sql item source) leaves the same ledger as the two calls
    it stands for, ``readings(good)`` then ``rows_read(rows)``, whatever came before it in the chunk."""
    fast, plain = RowLedger(), RowLedger()
    for kind, a, b in events:
        if kind == "items":
            fast.items_read(a, b)
            plain.readings(a)
            plain.rows_read(b)
            continue
        for led in (fast, plain):
            if kind == "readings":
                led.readings(a, b)
            elif kind == "refused":
                led.refused(a)
            elif kind == "ignored":
                led.ignored(a, duplicate=bool(b))
            else:
                led.rows_read(a)
    assert fast.finish() == plain.finish()


def test_a_chunk_counts_its_rows_as_far_as_its_readings_go() -> None:
    led = RowLedger()
    led.readings(10)       # a block: 5 instants x 2 metrics
    led.rows_read(5)
    led.refused(40)        # a file refused whole
    led.rows_read(40)
    out = led.finish()
    assert (out.rows_read, out.rows_stored, out.rows_refused) == (45, 5, 40) and out.unaccounted == 0


def test_a_miscount_shows_instead_of_vanishing() -> None:
    led = RowLedger()
    led.readings(1)
    led.rows_read(3)       # two rows gave nothing and were neither refused nor ignored
    assert led.finish().unaccounted == 2
    led = RowLedger()
    led.refused(2)
    led.rows_read(1)       # more outcomes than rows
    assert led.finish().unaccounted == -1
    led = RowLedger()
    led.readings(1)
    led.rows_read(1)
    led.refused(1)         # after the last RowsRead: belongs to no counted row, still counted
    assert led.finish().unaccounted == -1


def test_a_connector_that_counts_no_rows_has_nothing_to_add_up() -> None:
    led = RowLedger()
    led.readings(5)
    led.refused(2)
    out = led.finish()
    assert out.rows_read is None and out.rows_stored is None and out.rows_refused == 2 and out.unaccounted == 0
    run = Run(source="x", started_at=NOW, finished_at=NOW, ok=True, rows=5, rejected=2, rows_refused=2)
    assert run.state == "partial" and run.unaccounted == 0


# ------------------------------------------------------------------ the collector keeps it
class Fake:
    def __init__(self, items: list) -> None:
        self.name, self.items = "dw", items

    def pull(self, since, until):  # type: ignore[no-untyped-def]
        yield from self.items

    def check(self, until):  # type: ignore[no-untyped-def]
        raise AssertionError("not used")


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[Collector]:
    source = {"name": "dw", "type": "rest", "url": "http://127.0.0.1:1/x", "stations": ["kajaani", "sotkamo"]}
    with collector_for(tmp_path, source) as c:
        yield c


def run_with(collector: Collector, items: list) -> Run:
    collector.connectors["dw"] = Fake(items)
    [outcome] = collector.run_once(only="dw")
    assert outcome.ok, outcome.error
    [run] = collector.store.runs("dw", limit=1)
    assert outcome.run is not None and outcome.run.rows_read == run.rows_read
    return run


def test_the_collector_records_each_rows_outcome_including_its_own_refusals(collector: Collector) -> None:
    t = NOW - timedelta(minutes=5)
    collector.clock = lambda: NOW
    run = run_with(collector, [
        Reading("kajaani", "queue_waiting", t, 3.0), Reading("kajaani", "queue_oldest_wait_min", t, 12.0), ONE_ROW,
        Reading("oulu", "queue_waiting", t, 3.0), ONE_ROW,                       # unknown station: refused
        Reading("sotkamo", "queue_waiting", t, 2.0), Reading("sotkamo", "queue_waiting_x", t, 1.0), ONE_ROW,
        Rejected("line 5: '12,5x' is not a number"), ONE_ROW,
        Ignored("line 6", "totals row (Yhteensä)"), ONE_ROW,
        Duplicate("line 7", "the same as line 2"), ONE_ROW,
        ReadingBlock("kajaani", ("queue_waiting",), (t - timedelta(hours=1), t - timedelta(hours=2)),
                     __import__("numpy").array([[1.0], [2.0]])), RowsRead(2),
    ])
    assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored, run.duplicates) == (8, 4, 2, 2, 1)
    assert run.rows == 5 and run.rejected == 3  # readings stored; refusals under their reasons
    assert run.unaccounted == 0 and run.state == "partial"


def test_a_clean_run_is_ok_and_a_miscounting_one_is_partial(collector: Collector) -> None:
    t = NOW - timedelta(minutes=5)
    collector.clock = lambda: NOW
    clean = run_with(collector, [Reading("kajaani", "queue_waiting", t, 3.0), ONE_ROW])
    assert clean.state == "ok" and (clean.rows_read, clean.rows_stored) == (1, 1)
    lost = run_with(collector, [Reading("kajaani", "queue_waiting", t, 4.0), RowsRead(2)])
    assert lost.state == "partial" and lost.unaccounted == 1 and lost.rejected == 0


# ------------------------------------------------------------------ the property: generated exports add up
LEDGER = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
STATIONS = ["kajaani", "sotkamo", "Ristijärvi"]
GOOD, BAD, TOTALS, BLANK = "good", "bad", "totals", "blank"
line_kinds = st.sampled_from([GOOD, GOOD, GOOD, GOOD, BAD, TOTALS, BLANK])
exports = st.lists(st.lists(line_kinds, min_size=0, max_size=12), min_size=1, max_size=4)


@pytest.fixture(scope="module")
def drop() -> Iterator[tuple[Collector, Path]]:
    root = Path(tempfile.mkdtemp(prefix="ledger-"))
    inbox = root / "inbox"
    inbox.mkdir()
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                          "metrics": {"Jonossa": "queue_waiting"},
                          "stations": {"Ristijärvi": "ristijarvi"}}}
    try:
        with collector_for(root, source) as collector:
            collector.clock = lambda: NOW
            yield collector, inbox
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _fi(ts: datetime) -> str:
    local = ts.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Helsinki"))
    return f"{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d}"


@LEDGER
@given(files=exports)
def test_every_generated_export_adds_up(drop: tuple[Collector, Path], files: list[list[str]]) -> None:
    collector, inbox = drop
    shutil.rmtree(inbox)
    inbox.mkdir()
    with collector.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM readings"))
    minute = 0
    truth_read = truth_bad = 0
    clean_rows = 0  # good rows of files without a bad or totals row: stored however files are read
    for number, kinds in enumerate(files):
        lines = ["Asema;Aika;Jonossa"]
        good_here = 0
        below_totals = False  # rows under a totals row are notes below the data: refused or ignored, not stored
        for kind in kinds:
            if kind == BLANK:
                lines.append(";;" if minute % 2 else "")  # Excel writes an empty row as ';;'
                continue
            truth_read += 1
            minute += 1
            ts = NOW - timedelta(hours=6) + timedelta(minutes=minute)
            station = STATIONS[minute % len(STATIONS)]
            if kind == GOOD:
                good_here += 1
                lines.append(f"{station};{_fi(ts)};{minute % 40},0")
            elif kind == BAD:
                truth_bad += not below_totals
                lines.append(f"{station};{_fi(ts)};12,5x")
            else:
                below_totals = True
                lines.append(f"Yhteensä;;{minute * 3}")
        if all(k in (GOOD, BLANK) for k in kinds):
            clean_rows += good_here
        path = inbox / f"vienti_{number}.csv"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    [outcome] = collector.run_once()
    assert outcome.ok, outcome.error  # refused rows or files are not a failed files run
    run = collector.store.runs("vienti", limit=1)[0]
    # every row read: stored, refused or ignored, and the rows read are exactly the data lines written
    assert run.rows_read == truth_read
    assert run.rows_read == (run.rows_stored or 0) + run.rows_refused + run.rows_ignored
    assert run.unaccounted == 0
    # one metric per row: rows stored are readings stored, and they are what the store holds
    with collector.store.engine.connect() as conn:
        in_store = conn.execute(text("SELECT count(*) FROM readings")).scalar()
    assert run.rows_stored == run.rows == in_store
    assert run.rows_refused >= truth_bad and run.rows_stored >= clean_rows  # (whole-file refusal refuses more)
    assert run.state == ("partial" if run.rows_refused or run.rejected else "ok")


# ------------------------------------------------------------------ a file refused for its encoding
@pytest.mark.parametrize("encoding", ["auto", "utf-8"])
def test_a_file_refused_for_its_encoding_counts_its_rows_as_read_and_refused(tmp_path: Path, encoding: str) -> None:
    """Its rows were read (counted 0 before) and all refused with it: read = stored + refused + ignored holds
    beside a good file's rows, and the run says why."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0, "encoding": encoding,
              "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                          "metrics": {"Jonossa": "queue_waiting"}}}
    good = ["Asema;Aika;Jonossa", f"kajaani;{_fi(NOW - timedelta(hours=1))};4", ""]
    # Four data rows under the header, a blank line and a line of separators only (not rows), and in the third
    # row a byte that is neither UTF-8 nor Windows-1252 (0x81 is undefined in cp1252).
    bad = (b"Asema;Aika;Jonossa\r\n" + f"sotkamo;{_fi(NOW - timedelta(hours=2))};1\r\n".encode()
           + b"\r\n;;\r\n" + f"sotkamo;{_fi(NOW - timedelta(hours=3))};2\r\n".encode()
           + b"S\x81tkamo;" + _fi(NOW - timedelta(hours=4)).encode() + b";3\r\n"
           + f"kajaani;{_fi(NOW - timedelta(hours=5))};5".encode())  # the last line without a line end
    (inbox / "a.csv").write_text("\r\n".join(good), encoding="utf-8")
    (inbox / "b.csv").write_bytes(bad)
    for path in inbox.iterdir():  # settled: older than the half-written-file grace
        old = NOW.timestamp() - 3600
        __import__("os").utime(path, (old, old))
    with collector_for(tmp_path, source) as collector:
        collector.clock = lambda: NOW
        [outcome] = collector.run_once(only="vienti")
        [run] = collector.store.runs("vienti", limit=1)
        reasons = collector.store.rejects_since("vienti", NOW - timedelta(days=1))
    assert outcome.ok, outcome.error
    assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (1 + 4, 1, 4, 0)
    assert run.unaccounted == 0
    [(why, n)] = reasons.items()  # the one refusal says why: the file, its encoding, the line of the bad byte
    assert n == 1 and why.startswith("file b.csv ") and "(line 6)" in why, reasons
    assert (inbox / "rejected" / "b.csv").exists()
